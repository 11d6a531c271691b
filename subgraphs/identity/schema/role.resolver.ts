import { Arg, Args, Ctx, Directive, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { requiresScopes } from '../../../infrastructure/graphql/federated-schema';
import { mapPage } from '../../../infrastructure/graphql/pagination';
import type { IdentityContext } from '../identity-context';
import type { RoleView } from '../service/role-service';
import type { RoleAssignment } from '../store/role-store';
import { CreateRoleInput, DeleteRoleInput, RoleAssignmentInput, RolesArgs, UpdateRoleInput } from './role.inputs';
import { RoleAssignmentType, RoleConnection, RoleScopeLevel, RoleScopeType, RoleType } from './role.type';
import { UserType } from './user.type';

const toRoleType = (role: RoleView): RoleType => Object.assign(new RoleType(), role);

const toAssignmentType = (assignment: RoleAssignment & { role: RoleView }): RoleAssignmentType =>
  Object.assign(new RoleAssignmentType(), {
    id: assignment.id,
    role: toRoleType(assignment.role),
    scope: Object.assign(new RoleScopeType(), { level: RoleScopeLevel[assignment.level], id: assignment.scopeId }),
    createdAt: assignment.createdAt,
  });

const command = (input: RoleAssignmentInput) => ({ userId: input.userId, roleId: input.roleId, scope: { level: input.scope.level, id: input.scope.id } });

@Resolver(() => RoleType)
export class RoleResolver {
  @Directive(requiresScopes(PERMISSIONS.rolesRead))
  @Query(() => RoleConnection, { description: "The tenant's custom roles, oldest first." })
  async roles(@Ctx() ctx: IdentityContext, @Args(() => RolesArgs) args: RolesArgs): Promise<RoleConnection> {
    return mapPage(await ctx.roles.list(args), toRoleType);
  }

  @Directive(requiresScopes(PERMISSIONS.rolesRead))
  @Query(() => [RoleType], { description: 'The built-in roles a tenant can assign.' })
  builtInRoles(@Ctx() ctx: IdentityContext): RoleType[] {
    return ctx.roles.builtIn().map(toRoleType);
  }

  @Directive(requiresScopes(PERMISSIONS.rolesWrite))
  @Mutation(() => RoleType, { description: 'Defines a custom role from registered permissions you hold yourself.' })
  async createRole(@Ctx() ctx: IdentityContext, @Arg('input', () => CreateRoleInput) input: CreateRoleInput): Promise<RoleType> {
    return toRoleType(await ctx.roles.create(input));
  }

  @Directive(requiresScopes(PERMISSIONS.rolesWrite))
  @Mutation(() => RoleType, {
    description: "Renames a custom role or replaces its permissions (ones you hold yourself); with expectedVersion, only if no one changed it since. A built-in role is BAD_USER_INPUT; another tenant's is NOT_FOUND; a stale version is CONFLICT.",
  })
  async updateRole(@Ctx() ctx: IdentityContext, @Arg('input', () => UpdateRoleInput) input: UpdateRoleInput): Promise<RoleType> {
    return toRoleType(await ctx.roles.update(input));
  }

  @Directive(requiresScopes(PERMISSIONS.rolesWrite))
  @Mutation(() => Boolean, { description: 'Deletes a custom role; CONFLICT while it is assigned to anyone.' })
  async deleteRole(@Ctx() ctx: IdentityContext, @Arg('input', () => DeleteRoleInput) input: DeleteRoleInput): Promise<boolean> {
    return ctx.roles.delete(input.id);
  }

  @Directive(requiresScopes(PERMISSIONS.rolesWrite))
  @Mutation(() => RoleAssignmentType, { description: 'Gives a user a role at a scope (idempotent). You can only grant permissions you hold.' })
  async assignRole(@Ctx() ctx: IdentityContext, @Arg('input', () => RoleAssignmentInput) input: RoleAssignmentInput): Promise<RoleAssignmentType> {
    const assignment = await ctx.roles.assign(command(input));
    const [resolved] = (await ctx.roles.assignmentsOf({ id: assignment.userId, tenantId: assignment.tenantId })).filter((a) => a.id === assignment.id);
    if (!resolved) throw new Error('assignment vanished right after it was made');
    return toAssignmentType(resolved);
  }

  @Directive(requiresScopes(PERMISSIONS.rolesWrite))
  @Mutation(() => Boolean, { description: 'Takes a role back; false when the user did not hold it there.' })
  async revokeRole(@Ctx() ctx: IdentityContext, @Arg('input', () => RoleAssignmentInput) input: RoleAssignmentInput): Promise<boolean> {
    return ctx.roles.revoke(command(input));
  }
}

@Resolver(() => UserType)
export class UserRolesResolver {
  @FieldResolver(() => [RoleAssignmentType], { description: 'Roles assigned to the user, with where each applies. The user themself or roles:read.' })
  async roleAssignments(@Root() user: UserType, @Ctx() ctx: IdentityContext): Promise<RoleAssignmentType[]> {
    return (await ctx.roles.assignmentsOf({ id: user.id, tenantId: user.tenantId })).map(toAssignmentType);
  }

  @FieldResolver(() => [String], { description: 'Every permission the user holds somewhere: built-in roles and all assignments.' })
  async permissions(@Root() user: UserType, @Ctx() ctx: IdentityContext): Promise<string[]> {
    return ctx.roles.permissionsOf({ id: user.id, tenantId: user.tenantId, roles: user.roles });
  }
}
