import { DataSource, type EntitySchema, type MixedList } from 'typeorm';
import type { Logger } from '../logging/logger';
import { QueryCounter } from './query-counter';

const MIGRATION_LOCK = 'lattice.migrations';

export interface DatabaseOptions {
  name: string;
  url: string;
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
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'lattice_migrations',
    migrationsRun: false,
    synchronize: false,
    logging: false,
    // Counts statements (see queryCounterOf); it logs nothing, as logging: false asks.
    logger: new QueryCounter(),
    extra: { max: options.poolSize, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 },
  });
  await dataSource.initialize();
  try {
    await migrateUnderLock(dataSource, options);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
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
