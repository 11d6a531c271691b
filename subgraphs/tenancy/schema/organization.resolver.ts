import { Arg, Args, Ctx, Directive, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { requiresScopes } from '../../../infrastructure/graphql/federated-schema';
import { servedByGateway } from '../../../infrastructure/graphql/gateway-served-subscriptions';
import { mapPage } from '../../../infrastructure/graphql/pagination';
import type { TenancyContext } from '../tenancy-context';
import { toDepartmentType, toOrganizationType } from './hierarchy-mapping';
import { ArchiveOrganizationInput, CreateOrganizationInput, ListArgs, OrganizationsArgs, RenameOrganizationInput } from './hierarchy.inputs';
import { DepartmentConnection, OrganizationChangeType, OrganizationConnection, OrganizationType } from './hierarchy.type';
import { toTenantType } from './tenant-mapping';
import { TenantType } from './tenant.type';

@Resolver(() => OrganizationType)
export class OrganizationResolver {
  @Directive(requiresScopes(PERMISSIONS.organizationsRead))
  @Query(() => OrganizationConnection, { description: "Organizations of the caller's tenant, oldest first." })
  async organizations(@Ctx() ctx: TenancyContext, @Args(() => OrganizationsArgs) args: OrganizationsArgs): Promise<OrganizationConnection> {
    return mapPage(await ctx.organizations.list(args), toOrganizationType);
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsRead))
  @Query(() => OrganizationType, { nullable: true, description: 'One organization; NOT_FOUND when it does not exist or is not yours.' })
  async organization(@Ctx() ctx: TenancyContext, @Arg('id', () => ID) id: string): Promise<OrganizationType> {
    return toOrganizationType(await ctx.organizations.find(id));
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsWrite))
  @Mutation(() => OrganizationType, { description: "Creates an organization in your tenant; a platform admin names the tenant." })
  async createOrganization(@Ctx() ctx: TenancyContext, @Arg('input', () => CreateOrganizationInput) input: CreateOrganizationInput): Promise<OrganizationType> {
    return toOrganizationType(await ctx.organizations.create(input));
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsWrite))
  @Mutation(() => OrganizationType, { description: 'CONFLICT when expectedVersion is stale.' })
  async renameOrganization(@Ctx() ctx: TenancyContext, @Arg('input', () => RenameOrganizationInput) input: RenameOrganizationInput): Promise<OrganizationType> {
    return toOrganizationType(await ctx.organizations.rename(input));
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsWrite))
  @Mutation(() => OrganizationType, { description: 'Archives the organization and all its departments.' })
  async archiveOrganization(@Ctx() ctx: TenancyContext, @Arg('input', () => ArchiveOrganizationInput) input: ArchiveOrganizationInput): Promise<OrganizationType> {
    return toOrganizationType(await ctx.organizations.archive(input));
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsRead))
  @Subscription(() => OrganizationChangeType, {
    subscribe: servedByGateway,
    description: 'An organization of your tenant changed (created, renamed, archived); `id` narrows it to one organization. Served by the gateway over graphql-ws.',
  })
  organizationChanged(@Arg('id', () => ID, { nullable: true }) _id?: string | null): OrganizationChangeType {
    return servedByGateway();
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsRead))
  @FieldResolver(() => TenantType)
  async tenant(@Root() organization: OrganizationType, @Ctx() ctx: TenancyContext): Promise<TenantType | null> {
    // Inside tenancy, not a reference: the visible organization's tenant, with tenant(id)'s rule (FORBIDDEN without tenants:read).
    const tenant = await ctx.tenants.find({ id: organization.tenantId });
    return tenant ? toTenantType(tenant) : null;
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsRead))
  @FieldResolver(() => DepartmentConnection, { description: 'All departments of the organization, oldest first.' })
  async departments(@Root() organization: OrganizationType, @Ctx() ctx: TenancyContext, @Args(() => ListArgs) args: ListArgs): Promise<DepartmentConnection> {
    return mapPage(await ctx.departments.list({ ...args, organizationId: organization.id }), toDepartmentType);
  }
}

@Resolver(() => TenantType)
export class TenantOrganizationsResolver {
  @Directive(requiresScopes(PERMISSIONS.organizationsRead))
  @FieldResolver(() => OrganizationConnection)
  async organizations(@Root() tenant: TenantType, @Ctx() ctx: TenancyContext, @Args(() => ListArgs) args: ListArgs): Promise<OrganizationConnection> {
    return mapPage(await ctx.organizations.list({ ...args, tenantId: tenant.id }), toOrganizationType);
  }
}

