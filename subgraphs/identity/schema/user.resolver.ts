import { Arg, Args, Ctx, Directive, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import {
  departmentReference,
  organizationReference,
  tenantReference,
  type DepartmentReference,
  type OrganizationReference,
  type TenantReference,
} from '../../../infrastructure/graphql/entity-references';
import { AUTHENTICATED, requiresScopes } from '../../../infrastructure/graphql/federated-schema';
import { servedByGateway } from '../../../infrastructure/graphql/gateway-served-subscriptions';
import { mayReference } from '../service/reference-visibility';
import { mapPage } from '../../../infrastructure/graphql/pagination';
import type { IdentityContext } from '../identity-context';
import { CreateUserInput, DeleteUserInput, ReactivateUserInput, SignInInput, SuspendUserInput, UpdateUserInput, UsersArgs } from './user.inputs';
import { toUserType } from './user-mapping';
import { AuthPayload, UserChangeType, UserConnection, UserType } from './user.type';

@Resolver(() => UserType)
export class UserResolver {
  @Directive(AUTHENTICATED)
  @Query(() => UserType, { description: 'The signed-in user.' })
  async me(@Ctx() ctx: IdentityContext): Promise<UserType> {
    return toUserType(await ctx.users.me());
  }

  @Directive(requiresScopes(PERMISSIONS.usersRead))
  @Query(() => UserConnection, { description: "Users of the caller's tenant (platform admins may name another tenant)." })
  async users(
    @Ctx() ctx: IdentityContext,
    @Args(() => UsersArgs) args: UsersArgs,
  ): Promise<UserConnection> {
    return mapPage(await ctx.users.list(args), toUserType);
  }

  @Directive(requiresScopes(PERMISSIONS.usersRead))
  @Query(() => UserType, { nullable: true, description: 'One user; NOT_FOUND when it does not exist, is deleted or is not yours.' })
  async user(@Ctx() ctx: IdentityContext, @Arg('id', () => ID) id: string): Promise<UserType> {
    return toUserType(await ctx.users.find(id));
  }

  @Directive(requiresScopes(PERMISSIONS.usersRead))
  @Subscription(() => UserChangeType, {
    subscribe: servedByGateway,
    description:
      'A user of your tenant changed (created, updated, renamed, suspended, reactivated, deleted); `id` narrows it to one user. Served by the gateway over graphql-ws.',
  })
  userChanged(@Arg('id', () => ID, { nullable: true }) _id?: string | null): UserChangeType {
    return servedByGateway();
  }

  @Directive(requiresScopes(PERMISSIONS.usersWrite))
  @Mutation(() => UserType, { description: 'Creates a user: tenant admins in their own tenant, platform admins anywhere.' })
  async createUser(@Ctx() ctx: IdentityContext, @Arg('input', () => CreateUserInput) input: CreateUserInput): Promise<UserType> {
    return toUserType(await ctx.users.create(input));
  }

  @Directive(requiresScopes(PERMISSIONS.usersWrite))
  @Mutation(() => UserType, { description: "Changes a user's display name, organization/department or roles." })
  async updateUser(@Ctx() ctx: IdentityContext, @Arg('input', () => UpdateUserInput) input: UpdateUserInput): Promise<UserType> {
    return toUserType(await ctx.users.update(input));
  }

  @Directive(requiresScopes(PERMISSIONS.usersWrite))
  @Mutation(() => UserType, { description: 'Suspends a user: sign-in and token refresh are refused and every session is revoked.' })
  async suspendUser(@Ctx() ctx: IdentityContext, @Arg('input', () => SuspendUserInput) input: SuspendUserInput): Promise<UserType> {
    return toUserType(await ctx.users.suspend(input.id));
  }

  @Directive(requiresScopes(PERMISSIONS.usersWrite))
  @Mutation(() => UserType, { description: 'Lets a suspended user sign in again.' })
  async reactivateUser(@Ctx() ctx: IdentityContext, @Arg('input', () => ReactivateUserInput) input: ReactivateUserInput): Promise<UserType> {
    return toUserType(await ctx.users.reactivate(input.id));
  }

  @Directive(requiresScopes(PERMISSIONS.usersWrite))
  @Mutation(() => UserType, { description: 'Soft-deletes a user: kept for audit trails (status DELETED), never signs in again; the e-mail can be reused.' })
  async deleteUser(@Ctx() ctx: IdentityContext, @Arg('input', () => DeleteUserInput) input: DeleteUserInput): Promise<UserType> {
    return toUserType(await ctx.users.delete(input.id));
  }

  // No requirement: anonymous callers sign in here.
  @Mutation(() => AuthPayload, { description: 'Exchanges e-mail and password for an access and a refresh token.' })
  async signIn(@Ctx() ctx: IdentityContext, @Arg('input', () => SignInInput) input: SignInInput): Promise<AuthPayload> {
    const result = await ctx.authentication.signIn(input);
    return Object.assign(new AuthPayload(), { ...result, user: toUserType(result.user) });
  }

  // Tenancy owns these: each is handed out only when tenancy would show it to the caller, else it reads as null.
  @FieldResolver()
  tenant(@Root() user: UserType, @Ctx() ctx: IdentityContext): TenantReference | null {
    const { tenantId } = user;
    return tenantId !== null && mayReference(ctx.request.principal, tenantId, PERMISSIONS.tenantsRead) ? tenantReference(tenantId) : null;
  }

  @FieldResolver()
  organization(@Root() user: UserType, @Ctx() ctx: IdentityContext): OrganizationReference | null {
    const { tenantId, organizationId } = user;
    return tenantId !== null && mayReference(ctx.request.principal, tenantId, PERMISSIONS.organizationsRead) ? organizationReference(organizationId) : null;
  }

  @FieldResolver()
  department(@Root() user: UserType, @Ctx() ctx: IdentityContext): DepartmentReference | null {
    const { tenantId, departmentId } = user;
    return tenantId !== null && mayReference(ctx.request.principal, tenantId, PERMISSIONS.organizationsRead) ? departmentReference(departmentId) : null;
  }
}
