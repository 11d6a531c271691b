import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { connectionType, type Connection } from '../../../infrastructure/graphql/connection';
import { requiresScopes } from '../../../infrastructure/graphql/federated-schema';

/** Reading a tenant needs tenants:read (tenancy checks it when another subgraph references one); the id is free, they hold it. */
const READ_TENANTS = requiresScopes(PERMISSIONS.tenantsRead);

export enum TenantStatus {
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
}
registerEnumType(TenantStatus, { name: 'TenantStatus', description: 'Whether the tenant may use the platform.' });

@Directive('@key(fields: "id")')
@ObjectType('Tenant', { description: 'An organisation that subscribes to the platform; all its data is isolated from other tenants.' })
export class TenantType {
  @Field(() => ID)
  id!: string;

  @Directive(READ_TENANTS)
  @Field(() => String, { description: 'URL-safe unique handle, ^[a-z0-9-]{3,40}$.' })
  slug!: string;

  @Directive(READ_TENANTS)
  @Field(() => String)
  name!: string;

  @Directive(READ_TENANTS)
  @Field(() => TenantStatus)
  status!: TenantStatus;

  @Directive(READ_TENANTS)
  @Field(() => Date)
  createdAt!: Date;
}

export const TenantConnection = connectionType('Tenant', TenantType);
export type TenantConnection = Connection<TenantType>;

@ObjectType('TenantChange', { description: 'One change of a tenant, as `tenantChanged` delivers it.' })
export class TenantChangeType {
  @Field(() => String, { description: 'The domain event, e.g. "tenancy.tenant.suspended".' })
  type!: string;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => TenantType, { nullable: true, description: 'The tenant as it is now; null when you may not see it.' })
  tenant!: TenantType | null;
}
