import { Arg, Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../../../infrastructure/graphql/page-args';
import { mapPage } from '../../../infrastructure/graphql/pagination';
import type { TenancyContext } from '../tenancy-context';
import { CreateTenantInput, TenantLookupArgs } from './tenant.inputs';
import { toTenantType } from './tenant-mapping';
import { TenantConnection, TenantType } from './tenant.type';

@Resolver(() => TenantType)
export class TenantResolver {
  @Query(() => TenantType, { nullable: true, description: 'One tenant by id or slug: your own, or any for platform admins.' })
  async tenant(@Ctx() ctx: TenancyContext, @Args(() => TenantLookupArgs) args: TenantLookupArgs): Promise<TenantType | null> {
    const tenant = await ctx.tenants.find(args);
    return tenant ? toTenantType(tenant) : null;
  }

  @Query(() => TenantConnection, { description: 'Tenants visible to the caller, oldest first.' })
  async tenants(
    @Ctx() ctx: TenancyContext,
    @Args(() => PageArgs) args: PageArgs,
  ): Promise<TenantConnection> {
    return mapPage(await ctx.tenants.list(args.first, args.after), toTenantType);
  }

  @Mutation(() => TenantType, { description: 'Creates a tenant. Platform admins only.' })
  async createTenant(@Ctx() ctx: TenancyContext, @Arg('input', () => CreateTenantInput) input: CreateTenantInput): Promise<TenantType> {
    return toTenantType(await ctx.tenants.create(input));
  }
}
