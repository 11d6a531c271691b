import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, Logger as TypeOrmLogger } from 'typeorm';

interface Measurement {
  count: number;
  parent: Measurement | undefined;
}

/**
 * Counts the statements a DataSource sends to PostgreSQL (one per round trip, BEGIN and COMMIT included). It is
 * installed as TypeORM's logger, which TypeORM calls for every statement any query runner executes, so nothing
 * that reaches the database escapes it. Opening a pool connection is not counted.
 *
 * `measure` attributes statements to one piece of work through AsyncLocalStorage, so concurrent requests do not
 * count each other's statements. Everything else TypeORM would log is dropped, as `logging: false` did.
 */
export class QueryCounter implements TypeOrmLogger {
  private statements = 0;
  private readonly current = new AsyncLocalStorage<Measurement>();

  /** Statements sent since the DataSource opened, by anyone. */
  get total(): number {
    return this.statements;
  }

  /** Runs `work` and counts the statements sent from inside it (including nested measurements). */
  async measure<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
    const measurement: Measurement = { count: 0, parent: this.current.getStore() };
    const result = await this.current.run(measurement, work);
    return { result, statements: measurement.count };
  }

  logQuery(): void {
    this.statements += 1;
    for (let m = this.current.getStore(); m; m = m.parent) m.count += 1;
  }

  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** The counter `openDatabase` installed on this DataSource. */
export function queryCounterOf(dataSource: DataSource): QueryCounter {
  if (!(dataSource.logger instanceof QueryCounter)) throw new Error('this DataSource was not opened by openDatabase: it has no QueryCounter');
  return dataSource.logger;
}
