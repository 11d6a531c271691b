import { buildFederatedSchema } from '../../infrastructure/graphql/federated-schema';
import { databaseModule, postgresModule } from '../../infrastructure/modules/database-modules';
import { subgraphModule } from '../../infrastructure/modules/subgraph-module';
import type { InfrastructureModule } from '../../infrastructure/lifecycle';
import { TenantResolver } from './schema/tenant.resolver';
import { toTenantType } from './schema/tenant-mapping';
import { TenantService } from './service/tenant-service';
import { TENANCY_ENTITIES, TENANCY_MIGRATIONS, TenantStore } from './store/tenant-store';
import type { TenancyContext } from './tenancy-context';

export function buildTenancySchema() {
  return buildFederatedSchema([TenantResolver], {
    Tenant: {
      __resolveReference: async (reference: Record<string, unknown>, ctx: TenancyContext) => {
        const tenant = await ctx.tenants.resolveReference(String(reference.id));
        return tenant ? toTenantType(tenant) : null;
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
      buildSchema: buildTenancySchema,
      start: async ({ dataSource, bus }) => ({ store: new TenantStore(dataSource), bus }),
      createContext: (services, request, logger): TenancyContext => ({
        request,
        logger,
        tenants: new TenantService(services.store, services.bus, request, logger),
      }),
    }),
  ];
}
