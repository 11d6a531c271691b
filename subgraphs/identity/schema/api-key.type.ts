import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { connectionType, type Connection } from '../../../infrastructure/graphql/connection';
import { TenantReference } from '../../../infrastructure/graphql/entity-references';

@Directive('@key(fields: "id")')
@ObjectType('ApiKey', { description: 'A credential for a machine client, sent as "Authorization: Bearer lat_…". Never shows the key itself.' })
export class ApiKeyType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [String], { description: 'What requests made with the key may do: a subset of its creator\'s permissions.' })
  permissions!: string[];

  @Field(() => String, { description: 'The last four characters of the key, to tell keys apart.' })
  last4!: string;

  /** Resolved from tenantId by ApiKeyResolver, when tenancy would show that tenant to the caller. */
  @Field(() => TenantReference, { nullable: true, description: 'The tenant the key belongs to; null for a platform key or when you may not see it.' })
  tenant?: TenantReference | null;

  /** Not a GraphQL field: resolved to `tenant`; null for a platform key. */
  tenantId!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { description: 'After this the key is refused.' })
  expiresAt!: Date;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the key was last used: behind by at most a few seconds (gateways report uses in batches).' })
  lastUsedAt!: Date | null;

  /** Resolved to `createdBy` by ApiKeyResolver; not a GraphQL field itself. */
  createdById!: string;
}

export const ApiKeyConnection = connectionType('ApiKey', ApiKeyType);
export type ApiKeyConnection = Connection<ApiKeyType>;

@ObjectType('CreateApiKeyPayload', { description: 'A key just created: its secret, shown this once, and the key as it is listed from now on.' })
export class CreateApiKeyPayload {
  @Field(() => String, { description: 'The key, "lat_…". Shown this once: Lattice stores only a hash of it and cannot show it again.' })
  secret!: string;

  @Field(() => ApiKeyType)
  apiKey!: ApiKeyType;
}
