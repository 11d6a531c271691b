import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType, type Connection } from '../../../infrastructure/graphql/connection';

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

  @Field(() => String, { description: 'URL-safe unique handle, ^[a-z0-9-]{3,40}$.' })
  slug!: string;

  @Field(() => String)
  name!: string;

  @Field(() => TenantStatus)
  status!: TenantStatus;

  @Field(() => Date)
  createdAt!: Date;
}

export const TenantConnection = connectionType('Tenant', TenantType);
export type TenantConnection = Connection<TenantType>;
