import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { connectionType, type Connection } from '../../../infrastructure/graphql/connection';
import { requiresScopes } from '../../../infrastructure/graphql/federated-schema';

/**
 * Reading an organization or department needs organizations:read (tenancy answers NOT_FOUND without it). The id is
 * free: identity holds it for User.organization and User.department.
 */
export const READ_ORGANIZATIONS = requiresScopes(PERMISSIONS.organizationsRead);

export enum HierarchyStatus {
  ACTIVE = 'ACTIVE',
  ARCHIVED = 'ARCHIVED',
}
registerEnumType(HierarchyStatus, { name: 'HierarchyStatus', description: 'Archived organizations and departments take no new children.' });

@Directive('@key(fields: "id")')
@ObjectType('Organization', { description: "A unit of a tenant's company; holds departments." })
export class OrganizationType {
  @Field(() => ID)
  id!: string;

  @Directive(READ_ORGANIZATIONS)
  @Field(() => String)
  name!: string;

  @Directive(READ_ORGANIZATIONS)
  @Field(() => HierarchyStatus)
  status!: HierarchyStatus;

  @Directive(READ_ORGANIZATIONS)
  @Field(() => Int, { description: 'Increases with every change; pass it back as expectedVersion to update safely.' })
  version!: number;

  @Directive(READ_ORGANIZATIONS)
  @Field(() => Date)
  createdAt!: Date;

  /** Not exposed: used to resolve `tenant`. */
  tenantId!: string;
}

@Directive('@key(fields: "id")')
@ObjectType('Department', { description: 'A department of an organization; may sit under a parent department.' })
export class DepartmentType {
  @Field(() => ID)
  id!: string;

  @Directive(READ_ORGANIZATIONS)
  @Field(() => String)
  name!: string;

  @Directive(READ_ORGANIZATIONS)
  @Field(() => HierarchyStatus)
  status!: HierarchyStatus;

  @Directive(READ_ORGANIZATIONS)
  @Field(() => Int)
  version!: number;

  @Directive(READ_ORGANIZATIONS)
  @Field(() => Date)
  createdAt!: Date;

  organizationId!: string;
  parentId!: string | null;
}

export const OrganizationConnection = connectionType('Organization', OrganizationType);
export type OrganizationConnection = Connection<OrganizationType>;

export const DepartmentConnection = connectionType('Department', DepartmentType);
export type DepartmentConnection = Connection<DepartmentType>;

@ObjectType('OrganizationChange', { description: 'One change of an organization, as `organizationChanged` delivers it.' })
export class OrganizationChangeType {
  @Field(() => String, { description: 'The domain event, e.g. "tenancy.organization.renamed".' })
  type!: string;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => OrganizationType, { nullable: true, description: 'The organization as it is now; null when you may not see it.' })
  organization!: OrganizationType | null;
}

@ObjectType('DepartmentChange', { description: 'One change of a department, as `departmentChanged` delivers it.' })
export class DepartmentChangeType {
  @Field(() => String, { description: 'The domain event, e.g. "tenancy.department.moved".' })
  type!: string;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => DepartmentType, { nullable: true, description: 'The department as it is now; null when you may not see it.' })
  department!: DepartmentType | null;
}
