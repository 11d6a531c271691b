import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { PageArgs } from '../../../infrastructure/graphql/page-args';
import { RoleScopeLevel } from './role.type';

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
