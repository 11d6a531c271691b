import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType, type Connection } from '../../../infrastructure/graphql/connection';

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

  @Field(() => String)
  name!: string;

  @Field(() => HierarchyStatus)
  status!: HierarchyStatus;

  @Field(() => Int, { description: 'Increases with every change; pass it back as expectedVersion to update safely.' })
  version!: number;

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

  @Field(() => String)
  name!: string;

  @Field(() => HierarchyStatus)
  status!: HierarchyStatus;

  @Field(() => Int)
  version!: number;

  @Field(() => Date)
  createdAt!: Date;

  organizationId!: string;
  parentId!: string | null;
}

export const OrganizationConnection = connectionType('Organization', OrganizationType);
export type OrganizationConnection = Connection<OrganizationType>;

export const DepartmentConnection = connectionType('Department', DepartmentType);
export type DepartmentConnection = Connection<DepartmentType>;
