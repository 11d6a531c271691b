import { ArgsType, Field, ID, InputType } from 'type-graphql';

@InputType()
export class CreateTenantInput {
  @Field(() => String, { description: 'Unique handle, ^[a-z0-9-]{3,40}$; users sign in with it.' })
  slug!: string;

  @Field(() => String)
  name!: string;
}

@ArgsType()
export class TenantLookupArgs {
  @Field(() => ID, { nullable: true, description: 'Pass exactly one of id or slug.' })
  id?: string | null;

  @Field(() => String, { nullable: true })
  slug?: string | null;
}

@InputType()
export class SuspendTenantInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Why, 1 to 500 characters; kept by tenancy and never shown to the tenant.' })
  reason!: string;
}

@InputType()
export class ReactivateTenantInput {
  @Field(() => ID)
  id!: string;
}
