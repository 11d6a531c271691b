import { Arg, Args, Ctx, Directive, ID, Mutation, Query, Resolver, Subscription } from 'type-graphql';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { requiresScopes } from '../../../infrastructure/graphql/federated-schema';
import { servedByGateway } from '../../../infrastructure/graphql/gateway-served-subscriptions';
import { PageArgs } from '../../../infrastructure/graphql/page-args';
import { mapPage } from '../../../infrastructure/graphql/pagination';
import type { TenancyContext } from '../tenancy-context';
import { CreateTenantInput, ReactivateTenantInput, SuspendTenantInput, TenantLookupArgs } from './tenant.inputs';
import { toTenantType } from './tenant-mapping';
import { TenantChangeType, TenantConnection, TenantType } from './tenant.type';

@Resolver(() => TenantType)
export class TenantResolver {
  @Directive(requiresScopes(PERMISSIONS.tenantsRead))
  @Query(() => TenantType, { nullable: true, description: 'One tenant by id or slug: your own, or any for platform admins.' })
  async tenant(@Ctx() ctx: TenancyContext, @Args(() => TenantLookupArgs) args: TenantLookupArgs): Promise<TenantType | null> {
    const tenant = await ctx.tenants.find(args);
    return tenant ? toTenantType(tenant) : null;
  }

  @Directive(requiresScopes(PERMISSIONS.tenantsRead))
  @Query(() => TenantConnection, { description: 'Tenants visible to the caller, oldest first.' })
  async tenants(
    @Ctx() ctx: TenancyContext,
    @Args(() => PageArgs) args: PageArgs,
  ): Promise<TenantConnection> {
    return mapPage(await ctx.tenants.list(args.first, args.after), toTenantType);
  }

  @Directive(requiresScopes(PERMISSIONS.tenantsWrite))
  @Mutation(() => TenantType, { description: 'Creates a tenant. Platform admins only.' })
  async createTenant(@Ctx() ctx: TenancyContext, @Arg('input', () => CreateTenantInput) input: CreateTenantInput): Promise<TenantType> {
    return toTenantType(await ctx.tenants.create(input));
  }

  @Directive(requiresScopes(PERMISSIONS.tenantsWrite))
  @Mutation(() => TenantType, { description: "Suspends a tenant: every request by its users is refused until it is reactivated. Platform admins only; suspending a suspended tenant changes nothing." })
  async suspendTenant(@Ctx() ctx: TenancyContext, @Arg('input', () => SuspendTenantInput) input: SuspendTenantInput): Promise<TenantType> {
    return toTenantType(await ctx.tenants.suspend(input.id, input.reason));
  }

  @Directive(requiresScopes(PERMISSIONS.tenantsWrite))
  @Mutation(() => TenantType, { description: "Lifts a suspension; the tenant's users get in again with the tokens they hold. Platform admins only." })
  async reactivateTenant(@Ctx() ctx: TenancyContext, @Arg('input', () => ReactivateTenantInput) input: ReactivateTenantInput): Promise<TenantType> {
    return toTenantType(await ctx.tenants.reactivate(input.id));
  }

  @Directive(requiresScopes(PERMISSIONS.tenantsRead))
  @Subscription(() => TenantChangeType, {
    subscribe: servedByGateway,
    description: 'A tenant you may see changed (created, suspended, reactivated); `id` narrows it to one tenant. Served by the gateway over graphql-ws.',
  })
  tenantChanged(@Arg('id', () => ID, { nullable: true }) _id?: string | null): TenantChangeType {
    return servedByGateway();
  }
}
