import type { ScopedDatabase } from '../database/scoped-database';
import type { Logger } from '../logging/logger';
import type { ProcessMetrics } from './process-metrics';
import { scrapeReading } from './scrape-reading';

export interface OutboxReading {
  /** Events committed to the event store that the relay has not moved to the stream yet. */
  backlog: number;
  /** How long the oldest of them has waited (0 when there is none). */
  oldestAgeSeconds: number;
}

/**
 * Reads one service's outbox. `database` must be platform scope, as the relay's is: row-level security is forced on
 * event_store, so a tenant scope would count only that tenant's events and no scope would count none.
 */
export async function readOutbox(database: ScopedDatabase): Promise<OutboxReading> {
  // The partial index event_store_unpublished holds exactly these rows, so this stays cheap however long the store.
  const rows = await database.query<{ backlog: string | number; oldest_age_seconds: string | number | null }[]>(
    `SELECT count(*) AS backlog, greatest(0, extract(epoch FROM now() - min(occurred_at)))::float8 AS oldest_age_seconds
     FROM event_store WHERE published_at IS NULL`,
  );
  const row = rows[0];
  return { backlog: Number(row?.backlog ?? 0), oldestAgeSeconds: Number(row?.oldest_age_seconds ?? 0) };
}

/**
 * `lattice_outbox_backlog{service}` and `lattice_outbox_relay_lag_seconds{service}`, read from the service's event
 * store at each scrape (one query for both). Returns what stops feeding them, for when the service stops.
 */
export function watchOutbox(metrics: ProcessMetrics, options: { service: string; database: ScopedDatabase; logger: Logger; timeoutMs?: number }): () => void {
  const { service } = options;
  const reading = scrapeReading({
    what: `${service} outbox`,
    read: () => readOutbox(options.database),
    logger: options.logger,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  const backlog = metrics.scrapedGauge({ name: 'lattice_outbox_backlog', help: 'Events committed to the outbox and not yet relayed to the event stream.', labelNames: ['service'] });
  const lag = metrics.scrapedGauge({
    name: 'lattice_outbox_relay_lag_seconds',
    help: 'Age of the oldest event the outbox relay has not moved yet (0 when none waits).',
    labelNames: ['service'],
  });
  const stops = [
    backlog.feed(service, async () => {
      const read = await reading();
      return read ? [{ labels: { service }, value: read.backlog }] : [];
    }),
    lag.feed(service, async () => {
      const read = await reading();
      return read ? [{ labels: { service }, value: read.oldestAgeSeconds }] : [];
    }),
  ];
  return () => stops.forEach((stop) => stop());
}
