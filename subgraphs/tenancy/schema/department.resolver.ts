import { Arg, Args, Ctx, Directive, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { requiresScopes } from '../../../infrastructure/graphql/federated-schema';
import { servedByGateway } from '../../../infrastructure/graphql/gateway-served-subscriptions';
import { PageArgs } from '../../../infrastructure/graphql/page-args';
import { mapPage } from '../../../infrastructure/graphql/pagination';
import type { TenancyContext } from '../tenancy-context';
import { toDepartmentType, toOrganizationType } from './hierarchy-mapping';
import { ArchiveDepartmentInput, CreateDepartmentInput, DepartmentsArgs, MoveDepartmentInput } from './hierarchy.inputs';
import { DepartmentChangeType, DepartmentConnection, DepartmentType, OrganizationType } from './hierarchy.type';

@Resolver(() => DepartmentType)
export class DepartmentResolver {
  @Directive(requiresScopes(PERMISSIONS.organizationsRead))
  @Query(() => DepartmentConnection, { description: 'Departments of one organization, oldest first.' })
  async departments(@Ctx() ctx: TenancyContext, @Args(() => DepartmentsArgs) args: DepartmentsArgs): Promise<DepartmentConnection> {
    return mapPage(await ctx.departments.list(args), toDepartmentType);
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsRead))
  @Query(() => DepartmentType, { nullable: true, description: 'One department; NOT_FOUND when it does not exist or is not yours.' })
  async department(@Ctx() ctx: TenancyContext, @Arg('id', () => ID) id: string): Promise<DepartmentType> {
    return toDepartmentType(await ctx.departments.find(id));
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsWrite))
  @Mutation(() => DepartmentType, { description: 'Creates a department in an organization of your tenant, at the top or under parentId (at most 8 deep).' })
  async createDepartment(@Ctx() ctx: TenancyContext, @Arg('input', () => CreateDepartmentInput) input: CreateDepartmentInput): Promise<DepartmentType> {
    return toDepartmentType(await ctx.departments.create(input));
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsWrite))
  @Mutation(() => DepartmentType, { description: 'Moves a department and its subtree within its organization; no cycles, bounded depth.' })
  async moveDepartment(@Ctx() ctx: TenancyContext, @Arg('input', () => MoveDepartmentInput) input: MoveDepartmentInput): Promise<DepartmentType> {
    return toDepartmentType(await ctx.departments.move(input));
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsWrite))
  @Mutation(() => DepartmentType, { description: 'Archives the department and its whole subtree.' })
  async archiveDepartment(@Ctx() ctx: TenancyContext, @Arg('input', () => ArchiveDepartmentInput) input: ArchiveDepartmentInput): Promise<DepartmentType> {
    return toDepartmentType(await ctx.departments.archive(input));
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsRead))
  @Subscription(() => DepartmentChangeType, {
    subscribe: servedByGateway,
    description: 'A department of your tenant changed (created, moved, archived); `id` narrows it to one department. Served by the gateway over graphql-ws.',
  })
  departmentChanged(@Arg('id', () => ID, { nullable: true }) _id?: string | null): DepartmentChangeType {
    return servedByGateway();
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsRead))
  @FieldResolver(() => OrganizationType)
  async organization(@Root() department: DepartmentType, @Ctx() ctx: TenancyContext): Promise<OrganizationType> {
    return toOrganizationType(await ctx.organizations.find(department.organizationId));
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsRead))
  @FieldResolver(() => DepartmentType, { nullable: true })
  async parent(@Root() department: DepartmentType, @Ctx() ctx: TenancyContext): Promise<DepartmentType | null> {
    return department.parentId ? toDepartmentType(await ctx.departments.find(department.parentId)) : null;
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsRead))
  @FieldResolver(() => DepartmentConnection, { description: 'Active departments below this one, at any depth.' })
  async descendants(@Root() department: DepartmentType, @Ctx() ctx: TenancyContext, @Args(() => PageArgs) args: PageArgs): Promise<DepartmentConnection> {
    return mapPage(await ctx.departments.descendants(department.id, args), toDepartmentType);
  }

  @Directive(requiresScopes(PERMISSIONS.organizationsRead))
  @FieldResolver(() => DepartmentConnection, { description: 'Active direct children.' })
  async children(@Root() department: DepartmentType, @Ctx() ctx: TenancyContext, @Args(() => PageArgs) args: PageArgs): Promise<DepartmentConnection> {
    return mapPage(await ctx.departments.children(department.id, args), toDepartmentType);
  }
}
