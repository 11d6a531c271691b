import { GraphQLJSON } from 'graphql-scalars';
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { ConfigurationLevel } from './configuration.type';

const KEY_DESCRIPTION = 'Matches ^[a-z][a-z0-9_.-]{0,127}$, e.g. "billing.invoice-prefix".';

@InputType()
export class ConfigurationScopeInput {
  @Field(() => ConfigurationLevel)
  level!: ConfigurationLevel;

  @Field(() => ID, { nullable: true, description: 'The tenant, organization or department id; omit for GLOBAL.' })
  id?: string | null;
}

@InputType()
export class SetConfigurationInput {
  @Field(() => ConfigurationScopeInput)
  scope!: ConfigurationScopeInput;

  @Field(() => String, { description: KEY_DESCRIPTION })
  key!: string;

  @Field(() => GraphQLJSON, { description: 'Any JSON value except null, at most 65536 bytes serialized. Delete a key to unset it.' })
  value!: unknown;

  @Field(() => Int, {
    nullable: true,
    description: 'The version you read: the write happens only if the entry is still at it, else CONFLICT. 0 means "only if not set yet". Omit for last write wins.',
  })
  expectedVersion?: number | null;
}

@InputType()
export class DeleteConfigurationInput {
  @Field(() => ConfigurationScopeInput)
  scope!: ConfigurationScopeInput;

  @Field(() => String)
  key!: string;

  @Field(() => Int, { nullable: true, description: 'The version you read: the delete happens only if the entry is still at it, else CONFLICT.' })
  expectedVersion?: number | null;
}

@ArgsType()
export class EffectiveConfigurationArgs {
  @Field(() => String, { description: KEY_DESCRIPTION })
  key!: string;

  @Field(() => ID, { nullable: true, description: 'Resolve for this department (then its organization, tenant, GLOBAL).' })
  departmentId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Resolve for this organization (then its tenant, GLOBAL).' })
  organizationId?: string | null;

  @Field(() => ID, { nullable: true, description: "Resolve for this tenant (then GLOBAL). Pass at most one id; none means the caller's tenant." })
  tenantId?: string | null;
}

@ArgsType()
export class ConfigurationArgs {
  @Field(() => ConfigurationScopeInput)
  scope!: ConfigurationScopeInput;

  @Field(() => String)
  key!: string;
}
