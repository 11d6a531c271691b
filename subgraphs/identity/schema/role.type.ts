import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType, type Connection } from '../../../infrastructure/graphql/connection';

export enum RoleScopeLevel {
  TENANT = 'TENANT',
  ORGANIZATION = 'ORGANIZATION',
  DEPARTMENT = 'DEPARTMENT',
}
registerEnumType(RoleScopeLevel, { name: 'RoleScopeLevel', description: 'Where an assigned role applies: the whole tenant, one organization, or one department subtree.' });

@Directive('@key(fields: "id")')
@ObjectType('Role', { description: "A named set of permissions: built in (its id is its name) or one of the tenant's custom roles." })
export class RoleType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [String], { description: 'Registered permission strings, e.g. "users:read".' })
  permissions!: string[];

  @Field(() => Boolean)
  builtIn!: boolean;

  @Field(() => Int, { description: 'Pass it back as expectedVersion to update safely.' })
  version!: number;

  @Field(() => Date, { nullable: true, description: 'Null for built-in roles.' })
  createdAt!: Date | null;
}

export const RoleConnection = connectionType('Role', RoleType);
export type RoleConnection = Connection<RoleType>;

@ObjectType('RoleScope', { description: 'Where a role assignment applies: a whole tenant, one organization, or a department and its subtree.' })
export class RoleScopeType {
  @Field(() => RoleScopeLevel)
  level!: RoleScopeLevel;

  @Field(() => ID, { description: 'The tenant, organization or department id.' })
  id!: string;
}

@ObjectType('RoleAssignment', { description: "One role given to a user at one scope; the user holds the role's permissions there." })
export class RoleAssignmentType {
  @Field(() => ID)
  id!: string;

  @Field(() => RoleType)
  role!: RoleType;

  @Field(() => RoleScopeType)
  scope!: RoleScopeType;

  @Field(() => Date)
  createdAt!: Date;
}
