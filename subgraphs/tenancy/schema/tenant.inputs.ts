import { Field, InputType } from 'type-graphql';

@InputType()
export class CreateTenantInput {
  @Field(() => String, { description: 'Unique handle, ^[a-z0-9-]{3,40}$; users sign in with it.' })
  slug!: string;

  @Field(() => String)
  name!: string;
}
