import { buildFederatedSchema } from '../../infrastructure/graphql/federated-schema';
import { databaseModule, postgresModule } from '../../infrastructure/modules/database-modules';
import { subgraphModule } from '../../infrastructure/modules/subgraph-module';
import type { InfrastructureModule } from '../../infrastructure/lifecycle';
import { DepartmentResolver } from './schema/department.resolver';
import { toDepartmentType, toOrganizationType } from './schema/hierarchy-mapping';
import { OrganizationResolver, TenantOrganizationsResolver } from './schema/organization.resolver';
import { TenantResolver } from './schema/tenant.resolver';
import { toTenantType } from './schema/tenant-mapping';
import { DepartmentService } from './service/department-service';
import { OrganizationService } from './service/organization-service';
import { TenancyEvents } from './service/tenancy-events';
import { TenantService } from './service/tenant-service';
import { HierarchyStore } from './store/hierarchy-store';
import { TENANCY_ENTITIES, TENANCY_MIGRATIONS, TenantStore } from './store/tenant-store';
import type { TenancyContext } from './tenancy-context';

export function buildTenancySchema() {
  return buildFederatedSchema([TenantResolver, TenantOrganizationsResolver, OrganizationResolver, DepartmentResolver], {
    Tenant: {
      __resolveReference: async (reference: Record<string, unknown>, ctx: TenancyContext) => {
        const tenant = await ctx.tenants.resolveReference(String(reference.id));
        return tenant ? toTenantType(tenant) : null;
      },
    },
    Organization: {
      __resolveReference: async (reference: Record<string, unknown>, ctx: TenancyContext) =>
        toOrganizationType(await ctx.organizations.find(String(reference.id))),
    },
    Department: {
      __resolveReference: async (reference: Record<string, unknown>, ctx: TenancyContext) =>
        toDepartmentType(await ctx.departments.find(String(reference.id))),
    },
  });
}

/** The tenancy subgraph's modules: its PostgreSQL, its schema and its HTTP server. */
export function tenancyModules(): InfrastructureModule[] {
  return [
    postgresModule('tenancy'),
    databaseModule('tenancy', { entities: TENANCY_ENTITIES, migrations: TENANCY_MIGRATIONS }),
    subgraphModule({
      name: 'tenancy',
      buildSchema: buildTenancySchema,
      start: async ({ dataSource, bus }) => ({ store: new TenantStore(dataSource), hierarchy: new HierarchyStore(dataSource), bus }),
      createContext: (services, request, logger): TenancyContext => {
        const events = new TenancyEvents(services.bus, request, logger);
        const organizations = new OrganizationService(services.hierarchy, events, request);
        return {
          request,
          logger,
          tenants: new TenantService(services.store, events, request, logger),
          organizations,
          departments: new DepartmentService(services.hierarchy, organizations, events, request),
        };
      },
    }),
  ];
}
