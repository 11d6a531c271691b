import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { uuidOrOneOf, type IdFormats } from '../../../infrastructure/graphql/ids/id-formats';
import { PageArgs } from '../../../infrastructure/graphql/page-args';
import { ROLE_NAMES } from '../service/roles';
import { RoleScopeLevel } from './role.type';

/** A role's id is a custom role's UUID or a built-in role's name: the id guard lets both through, the service tells them apart. */
const ROLE_ID = uuidOrOneOf('a built-in role name', ROLE_NAMES);
export const ROLE_ID_FORMATS: IdFormats = {
  'RoleAssignmentInput.roleId': ROLE_ID,
  'UpdateRoleInput.id': ROLE_ID,
  'DeleteRoleInput.id': ROLE_ID,
  'Role.id': ROLE_ID,
};

@InputType()
export class CreateRoleInput {
  @Field(() => ID, { nullable: true, description: "Defaults to the caller's tenant; platform admins name one." })
  tenantId?: string | null;

  @Field(() => String, { description: '1 to 64 characters, unique in the tenant, not a built-in role name.' })
  name!: string;

  @Field(() => [String], { description: 'Registered permissions you hold yourself; platform-only ones are refused.' })
  permissions!: string[];
}

@InputType()
export class UpdateRoleInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => [String], { nullable: true, description: 'Replaces the permissions; holders get them with their next access token.' })
  permissions?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'The version you read: a stale one is CONFLICT.' })
  expectedVersion?: number | null;
}

@InputType()
export class DeleteRoleInput {
  @Field(() => ID)
  id!: string;
}

@InputType()
export class RoleScopeInput {
  @Field(() => RoleScopeLevel)
  level!: RoleScopeLevel;

  @Field(() => ID)
  id!: string;
}

@InputType()
export class RoleAssignmentInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => ID, { description: "A custom role's id, or a built-in role's name (e.g. \"member\")." })
  roleId!: string;

  @Field(() => RoleScopeInput)
  scope!: RoleScopeInput;
}

@ArgsType()
export class RolesArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: "Defaults to the caller's tenant; another tenant needs platform:admin." })
  tenantId?: string | null;
}
