import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { PageArgs } from '../../../infrastructure/graphql/page-args';

@InputType()
export class CreateApiKeyInput {
  @Field(() => String, { description: '1 to 100 characters, e.g. what the key is for.' })
  name!: string;

  @Field(() => [String], { description: 'Registered permissions you hold yourself, e.g. ["users:read"].' })
  permissions!: string[];

  @Field(() => Date, { nullable: true, description: 'In the future and at most 365 days away; defaults to 90 days from now.' })
  expiresAt?: Date | null;
}

@InputType()
export class RevokeApiKeyInput {
  @Field(() => ID)
  id!: string;
}

@ArgsType()
export class ApiKeysArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: "Defaults to the caller's tenant; another tenant needs platform:admin." })
  tenantId?: string | null;
}
