import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum ConfigurationLevel {
  GLOBAL = 'GLOBAL',
  TENANT = 'TENANT',
  ORGANIZATION = 'ORGANIZATION',
  DEPARTMENT = 'DEPARTMENT',
}
registerEnumType(ConfigurationLevel, {
  name: 'ConfigurationLevel',
  description: 'Where a configuration value is set. A department value overrides its organization, which overrides its tenant, which overrides GLOBAL.',
});

@ObjectType('ConfigurationEntry', { description: 'A value stored at exactly one scope.' })
export class ConfigurationEntryType {
  @Field(() => ConfigurationLevel)
  level!: ConfigurationLevel;

  @Field(() => ID, { nullable: true, description: 'The tenant, organization or department id; null for GLOBAL.' })
  scopeId!: string | null;

  @Field(() => String)
  key!: string;

  @Field(() => GraphQLJSON)
  value!: unknown;

  @Field(() => Int, { description: 'Starts at 1 and increases with every change of the value at this scope.' })
  version!: number;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType('EffectiveConfiguration', { description: 'The value that applies at a scope, and the level it came from.' })
export class EffectiveConfigurationType {
  @Field(() => String)
  key!: string;

  @Field(() => GraphQLJSON)
  value!: unknown;

  @Field(() => ConfigurationLevel, { description: 'The narrowest level that sets the key.' })
  level!: ConfigurationLevel;
}

@ObjectType('ConfigurationChange', { description: 'A value set or deleted at one scope, as `configurationChanged` delivers it.' })
export class ConfigurationChangeType {
  @Field(() => String, { description: 'The domain event: "tenancy.configuration.set" or "tenancy.configuration.deleted".' })
  type!: string;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => String)
  key!: string;

  @Field(() => ConfigurationLevel)
  level!: ConfigurationLevel;

  @Field(() => ID, { nullable: true, description: 'The tenant, organization or department id; null for GLOBAL.' })
  scopeId!: string | null;

  @Field(() => ConfigurationEntryType, { nullable: true, description: 'What `configuration(scope, key)` answers now; null once deleted.' })
  entry!: ConfigurationEntryType | null;
}
