import { DataSource, type EntitySchema, type MixedList } from 'typeorm';
import type { Logger } from '../logging/logger';

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
    extra: { max: options.poolSize, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 },
  });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) options.logger.info(`${options.name}: applied migration ${migration.name}`);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}
