import type { ScopedDatabase } from '../../database/scoped-database';

/**
 * Marks every event published at or after `since` unpublished again, so the relay publishes them once more (a stream
 * that lost them, a consumer to refill). Consumers store each event id once, so a replay never duplicates a record.
 * `database` must be platform scope: row-level security is forced on event_store, and any other scope would silently
 * replay one tenant's events, or none. With `dryRun`, counts them and changes nothing.
 */
export async function replayPublishedSince(database: ScopedDatabase, since: Date, options: { dryRun?: boolean } = {}): Promise<number> {
  if (database.scope.kind !== 'platform') throw new Error(`an outbox replay needs platform scope, not ${database.scope.kind} scope`);
  const sql = options.dryRun
    ? `SELECT count(*) AS count FROM event_store WHERE published_at >= $1`
    : `WITH replayed AS (UPDATE event_store SET published_at = NULL WHERE published_at >= $1 RETURNING 1) SELECT count(*) AS count FROM replayed`;
  const [row] = await database.query<{ count: string }[]>(sql, [since]);
  return Number(row?.count ?? 0);
}
