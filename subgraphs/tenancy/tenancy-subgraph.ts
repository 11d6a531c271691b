import { queryCounterOf } from '../../infrastructure/database/query-counter';
import { buildFederatedSchema } from '../../infrastructure/graphql/federated-schema';
import { databaseModule, postgresModule } from '../../infrastructure/modules/database-modules';
import { subgraphModule } from '../../infrastructure/modules/subgraph-module';
import type { InfrastructureModule } from '../../infrastructure/lifecycle';
import { ConfigurationResolver } from './schema/configuration.resolver';
import { DepartmentResolver } from './schema/department.resolver';
import { toDepartmentType, toOrganizationType } from './schema/hierarchy-mapping';
import { OrganizationResolver, TenantOrganizationsResolver } from './schema/organization.resolver';
import { TenantResolver } from './schema/tenant.resolver';
import { toTenantType } from './schema/tenant-mapping';
import { CONFIGURATION_EVENTS, ConfigurationCache } from './service/configuration-cache';
import { ConfigurationScopes } from './service/configuration-scopes';
import { ConfigurationService } from './service/configuration-service';
import { DepartmentService } from './service/department-service';
import { OrganizationService } from './service/organization-service';
import { TenancyEvents } from './service/tenancy-events';
import { RequestEvents } from '../../infrastructure/events/outbox/request-events';
import { ScopeAncestry } from './service/scope-ancestry';
import { TenantService } from './service/tenant-service';
import { ConfigurationStore } from './store/configuration-store';
import { HierarchyStore } from './store/hierarchy-store';
import { TENANCY_ENTITIES, TENANCY_MIGRATIONS, TenantStore } from './store/tenant-store';
import type { TenancyContext } from './tenancy-context';

export function buildTenancySchema() {
  return buildFederatedSchema([TenantResolver, TenantOrganizationsResolver, OrganizationResolver, DepartmentResolver, ConfigurationResolver], {
    Tenant: {
      __resolveReference: async (reference: Record<string, unknown>, ctx: TenancyContext) => {
        const tenant = await ctx.tenants.resolveReference(String(reference.id));
        return tenant ? toTenantType(tenant) : null;
      },
    },
    // A reference the caller may not see resolves to null, never an error (see mayReference in identity and audit).
    Organization: {
      __resolveReference: async (reference: Record<string, unknown>, ctx: TenancyContext) => {
        const organization = await ctx.organizations.resolveReference(String(reference.id));
        return organization ? toOrganizationType(organization) : null;
      },
    },
    Department: {
      __resolveReference: async (reference: Record<string, unknown>, ctx: TenancyContext) => {
        const department = await ctx.departments.resolveReference(String(reference.id));
        return department ? toDepartmentType(department) : null;
      },
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
      outbox: true,
      buildSchema: buildTenancySchema,
      start: async ({ dataSource, database, bus, events }) => {
        // Shared by every request of this replica; configuration events from any replica keep the cache honest.
        const configuration = {
          cache: new ConfigurationCache(),
          ancestry: new ScopeAncestry(),
          queries: queryCounterOf(dataSource),
        };
        const unsubscribe = await bus.subscribe(CONFIGURATION_EVENTS, (event) => configuration.cache.apply(event));
        return { database, events, configuration, unsubscribe };
      },
      stop: (services) => services.unsubscribe(),
      createContext: (services, request, logger): TenancyContext => {
        // Every statement of this request runs in its principal's row scope (see TenantDatabase.forRequest).
        const db = services.database.forRequest(request);
        const hierarchy = new HierarchyStore(db);
        const events = new TenancyEvents(RequestEvents.of(services.events, db, request));
        const tenants = new TenantService(new TenantStore(db), events, request, logger);
        const organizations = new OrganizationService(hierarchy, events, request);
        const departments = new DepartmentService(hierarchy, organizations, events, request);
        const { ancestry, ...configuration } = services.configuration;
        return {
          request,
          logger,
          tenants,
          organizations,
          departments,
          configuration: new ConfigurationService({
            ...configuration,
            store: new ConfigurationStore(db),
            scopes: new ConfigurationScopes(request.principal, ancestry, { tenants, organizations, departments }),
            events,
            request,
            logger,
          }),
        };
      },
    }),
  ];
}
