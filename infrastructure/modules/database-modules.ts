import { join, resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import { serviceSettings, type LatticeConfig, type ServiceName } from '../config/config';
import { openDatabase, type DatabaseOptions } from '../database/data-source';
import { startEmbeddedPostgres } from '../database/embedded-postgres';
import { defineModule, type InfrastructureModule } from '../lifecycle';
import { CONFIG, LOG_SINK, moduleLogger } from './core-modules';

export const postgresModuleName = (subgraph: ServiceName) => `${subgraph}-postgres`;
export const databaseModuleName = (subgraph: ServiceName) => `${subgraph}-database`;

interface PostgresEndpoint {
  url: string;
  /** The unprivileged login for the running service, when configured (real PostgreSQL only). */
  appUrl: string | undefined;
  embedded: boolean;
  poolSize: number;
  stop(): Promise<void>;
}

/** Embedded PGlite connections are few; the pool stays one below the limit so migrations or a stray client never get "too many connections". */
const EMBEDDED_CONNECTIONS = 6;
const SERVER_POOL_SIZE = 10;

/** Real PostgreSQL when the subgraph's database URL is set, otherwise its own PGlite database under the data dir. */
export function postgresModule(subgraph: ServiceName): InfrastructureModule<PostgresEndpoint> {
  return defineModule<PostgresEndpoint>({
    name: postgresModuleName(subgraph),
    runtime: {
      deps: [CONFIG, LOG_SINK],
      start: async (ctx) => {
        const config = ctx.get<LatticeConfig>(CONFIG);
        const { databaseUrl: url, appDatabaseUrl } = serviceSettings(config, subgraph);
        if (url) {
          if (!appDatabaseUrl) {
            moduleLogger(ctx).warn(
              `${subgraph}: ${subgraph.toUpperCase()}_DATABASE_APP_URL is not set, so the service logs in with the migration role; row-level security then rests on SET LOCAL ROLE alone`,
            );
          }
          return { url, appUrl: appDatabaseUrl, embedded: false, poolSize: SERVER_POOL_SIZE, stop: async () => {} };
        }
        const dataDir = join(config.dataDir, subgraph);
        // A Unix socket in a 0700 directory, no TCP port: PGlite's one login is a superuser without a password.
        const socketDir = join(config.dataDir, 'sockets', subgraph);
        const embedded = await startEmbeddedPostgres({ dataDir, socketDir, maxConnections: EMBEDDED_CONNECTIONS });
        if (embedded.socketDir !== resolve(socketDir)) {
          moduleLogger(ctx).warn(`${subgraph}: ${socketDir} is too long a path for a Unix socket; the embedded database's socket is in ${embedded.socketDir} instead`);
        }
        moduleLogger(ctx).info(`${subgraph}: embedded PostgreSQL (PGlite) ready`, { dataDir, socketDir: embedded.socketDir });
        // PGlite has one user, a superuser: every unit of work drops to the app role with SET LOCAL ROLE.
        return { url: embedded.url, appUrl: undefined, embedded: true, poolSize: EMBEDDED_CONNECTIONS - 1, stop: () => embedded.stop() };
      },
      stop: (endpoint) => endpoint.stop(),
    },
  });
}

export function databaseModule(
  subgraph: ServiceName,
  schema: Pick<DatabaseOptions, 'entities' | 'migrations'>,
): InfrastructureModule<DataSource> {
  return defineModule<DataSource>({
    name: databaseModuleName(subgraph),
    runtime: {
      deps: [LOG_SINK, postgresModuleName(subgraph)],
      start: (ctx) => {
        const endpoint = ctx.get<PostgresEndpoint>(postgresModuleName(subgraph));
        return openDatabase({
          name: subgraph,
          url: endpoint.url,
          appUrl: endpoint.appUrl,
          appUrlVariable: `${subgraph.toUpperCase()}_DATABASE_APP_URL`,
          poolSize: endpoint.poolSize,
          logger: moduleLogger(ctx, { subgraph }),
          ...schema,
        });
      },
      stop: (dataSource) => dataSource.destroy(),
    },
  });
}
