import { randomUUID } from 'node:crypto';
import type { InfrastructureModule } from '../../infrastructure/lifecycle';
import { databaseModule, postgresModule } from '../../infrastructure/modules/database-modules';
import { subgraphModule } from '../../infrastructure/modules/subgraph-module';
import type { SubgraphName } from '../../infrastructure/config/config';
import { composeFromCode, DEFAULT_ROUTING } from '../compose';
import { CreateRegistry1764700000000 } from './migrations/1764700000000-create-registry';
import { PersistedOperations1764800000000 } from './migrations/1764800000000-persisted-operations';
import { RegistryEventTraceContext1765000000000 } from './migrations/1765000000000-event-trace-context';
import { buildRegistrySchema, type RegistryContext } from './registry-schema';
import { RegistryService } from './registry-service';

export const REGISTRY_MIGRATIONS = [CreateRegistry1764700000000, PersistedOperations1764800000000, RegistryEventTraceContext1765000000000];

/**
 * The schema registry's modules: its own PostgreSQL database (REGISTRY_DATABASE_URL, or PGlite under the data dir),
 * its GraphQL API (only through a gateway-signed context, like a subgraph's) and its outbox (every publish is an
 * audited event). `sync`: the embedded platform, whose subgraphs are the code in this process, publishes their
 * schemas at start when they changed; a standalone registry only seeds itself once, when it is empty.
 */
export function registryModules(options: { sync: boolean }): InfrastructureModule[] {
  return [
    postgresModule('registry'),
    databaseModule('registry', { entities: [], migrations: REGISTRY_MIGRATIONS }),
    subgraphModule({
      name: 'registry',
      outbox: true,
      buildSchema: buildRegistrySchema,
      start: async ({ database, events, logger }) => {
        const registry = new RegistryService({ database, events, logger });
        const code = await composeFromCode();
        const subgraphs = (Object.keys(code.subgraphs) as SubgraphName[]).map((name) => ({ name, url: DEFAULT_ROUTING[name], sdl: code.subgraphs[name] }));
        const request = {
          principal: { kind: 'SYSTEM' as const, subject: 'registry', tenantId: null, roles: [], permissions: [] },
          requestId: randomUUID(),
          ipAddress: null,
          userAgent: 'lattice-registry',
        };
        await registry.seed(request, subgraphs, { sync: options.sync, author: options.sync ? 'lattice (npm start: the running code)' : 'lattice (seed)' });
        return { registry };
      },
      createContext: (services, request, logger): RegistryContext => ({ request, logger, registry: services.registry }),
    }),
  ];
}
