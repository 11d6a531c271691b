import { DataSource, type EntitySchema, type MixedList } from 'typeorm';
import type { Logger } from '../logging/logger';
import { QueryCounter } from './query-counter';
import { APP_ROLE } from './row-level-security';

const MIGRATION_LOCK = 'lattice.migrations';

export interface DatabaseOptions {
  name: string;
  /** Owner URL: migrations run with it. */
  url: string;
  /**
   * The unprivileged login the running service uses (see row-level-security.ts). Without it the pool keeps the
   * owner login and every transaction still switches to the app role with SET LOCAL ROLE.
   */
  appUrl?: string;
  /** The name of the variable holding appUrl, for error messages. */
  appUrlVariable?: string;
  // TypeORM's own signature for entity and migration lists.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  /** Pool size. Against embedded Postgres it must stay below the socket server's connection limit. */
  poolSize: number;
  logger: Logger;
}

/** Opens a pool and brings the schema up to date with the subgraph's migrations (never `synchronize`). */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  const owner = await connect(options.url, options);
  try {
    await migrateUnderLock(owner, options);
  } catch (error) {
    await owner.destroy();
    throw error;
  }
  if (!options.appUrl) return owner;
  await owner.destroy();
  const app = await connect(options.appUrl, options);
  try {
    await assertUnprivileged(app, options.appUrlVariable ?? 'the app database URL');
  } catch (error) {
    await app.destroy();
    throw error;
  }
  return app;
}

function connect(url: string, options: DatabaseOptions): Promise<DataSource> {
  return new DataSource({
    type: 'postgres',
    url,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'lattice_migrations',
    migrationsRun: false,
    synchronize: false,
    logging: false,
    // Counts statements (see queryCounterOf); it logs nothing, as logging: false asks.
    logger: new QueryCounter(),
    extra: { max: options.poolSize, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 },
  }).initialize();
}

/**
 * The running service must log in as a role row-level security binds: not a superuser, not BYPASSRLS, owning no
 * table, and able to become APP_ROLE. A misconfigured URL stops the service at start rather than leaking later.
 */
async function assertUnprivileged(dataSource: DataSource, variable: string): Promise<void> {
  const [row] = await dataSource.query<{ role: string; superuser: boolean; bypass: boolean; owns: boolean; member: boolean }[]>(
    `SELECT current_user AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypass,
            EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user) AS owns,
            pg_has_role(current_user, $1, 'MEMBER') AS member
       FROM pg_roles r WHERE r.rolname = current_user`,
    [APP_ROLE],
  );
  if (!row) throw new Error(`${variable}: cannot read the login role`);
  const problems = [
    row.superuser ? 'is a superuser' : null,
    row.bypass ? 'has BYPASSRLS' : null,
    row.owns ? 'owns tables' : null,
    row.member ? null : `is not a member of ${APP_ROLE} (GRANT ${APP_ROLE} TO ${row.role})`,
  ].filter((p): p is string => p !== null);
  if (problems.length > 0) throw new Error(`${variable}: the login role "${row.role}" ${problems.join(', ')}; it must be an unprivileged member of ${APP_ROLE}`);
}

/**
 * TypeORM takes no lock of its own: two replicas starting on one fresh database would both try to create the
 * tables. A session advisory lock, held on its own connection, lets one migrate while the other waits.
 */
async function migrateUnderLock(dataSource: DataSource, options: DatabaseOptions): Promise<void> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) options.logger.info(`${options.name}: applied migration ${migration.name}`);
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
}
