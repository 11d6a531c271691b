import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../../../infrastructure/graphql/page-args';
import { mapPage } from '../../../infrastructure/graphql/pagination';
import type { TenancyContext } from '../tenancy-context';
import { CreateTenantInput } from './tenant.inputs';
import { toTenantType } from './tenant-mapping';
import { TenantConnection, TenantType } from './tenant.type';

@Resolver(() => TenantType)
export class TenantResolver {
  @Query(() => TenantType, { nullable: true, description: 'One tenant by id or slug: your own, or any for platform admins.' })
  async tenant(
    @Ctx() ctx: TenancyContext,
    @Arg('id', () => ID, { nullable: true }) id?: string,
    @Arg('slug', () => String, { nullable: true }) slug?: string,
  ): Promise<TenantType | null> {
    const tenant = await ctx.tenants.find({ id: id ?? null, slug: slug ?? null });
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
