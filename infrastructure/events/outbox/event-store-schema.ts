import type { QueryRunner } from 'typeorm';
import { isolateByTenant, removeIsolation, restrictToPlatform } from '../../database/row-level-security';

/** The channel the event store's insert trigger notifies on commit; relays LISTEN on it. */
export const OUTBOX_CHANNEL = 'lattice_outbox';

/**
 * The event store of one subgraph's database, which is also its transactional outbox: events are appended in the
 * transaction of the change they describe, and a relay later moves them to the bus in `position` order.
 * `(aggregate_type, aggregate_id, aggregate_version)` is unique, so of two writers that both saw version n of an
 * aggregate only one can append n+1.
 */
export async function createEventStoreTables(q: QueryRunner): Promise<void> {
  await q.query(`
    CREATE TABLE event_store (
      position bigserial PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE,
      type text NOT NULL,
      schema_version integer NOT NULL,
      source text NOT NULL,
      aggregate_type text NOT NULL,
      aggregate_id text NOT NULL,
      aggregate_version integer NOT NULL CHECK (aggregate_version >= 1),
      tenant_id uuid,
      actor_kind text NOT NULL,
      actor_id text,
      request_id text,
      ip_address text,
      user_agent text,
      occurred_at timestamptz NOT NULL,
      data jsonb NOT NULL,
      published_at timestamptz,
      CONSTRAINT event_store_aggregate_version UNIQUE (aggregate_type, aggregate_id, aggregate_version)
    )`);
  await q.query(`CREATE INDEX event_store_unpublished ON event_store (position) WHERE published_at IS NULL`);
  await q.query(`CREATE INDEX event_store_published_at ON event_store (published_at) WHERE published_at IS NOT NULL`);
  await q.query(`
    CREATE TABLE event_snapshots (
      aggregate_type text NOT NULL,
      aggregate_id text NOT NULL,
      aggregate_version integer NOT NULL,
      tenant_id uuid,
      state jsonb NOT NULL,
      taken_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (aggregate_type, aggregate_id)
    )`);
  await q.query(`
    CREATE TABLE outbox_relay_lease (
      name text PRIMARY KEY,
      holder text NOT NULL,
      expires_at timestamptz NOT NULL
    )`);
  // One notification per inserting statement, delivered by PostgreSQL only when the transaction commits.
  await q.query(`
    CREATE FUNCTION event_store_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('${OUTBOX_CHANNEL}', '');
      RETURN NULL;
    END $$`);
  await q.query(`CREATE TRIGGER event_store_notify AFTER INSERT ON event_store FOR EACH STATEMENT EXECUTE FUNCTION event_store_notify()`);
  await isolateByTenant(q, 'event_store', { column: 'tenant_id' });
  await isolateByTenant(q, 'event_snapshots', { column: 'tenant_id' });
  await restrictToPlatform(q, 'outbox_relay_lease');
  // bigserial: the app role appends, so it needs the sequence too.
  await q.query(`GRANT USAGE, SELECT ON SEQUENCE event_store_position_seq TO lattice_app`);
}

/**
 * Where the outbox keeps the trace context of the request that wrote an event (DomainEvent.traceparent), so the relay
 * hands it on to the stream. Nullable: events written outside a trace, and every event before this column, have none.
 */
export async function addEventTraceContext(q: QueryRunner): Promise<void> {
  await q.query(`ALTER TABLE event_store ADD COLUMN traceparent text`);
}

export async function dropEventTraceContext(q: QueryRunner): Promise<void> {
  await q.query(`ALTER TABLE event_store DROP COLUMN traceparent`);
}

export async function dropEventStoreTables(q: QueryRunner): Promise<void> {
  for (const table of ['outbox_relay_lease', 'event_snapshots', 'event_store']) await removeIsolation(q, table);
  await q.query(`DROP TABLE outbox_relay_lease`);
  await q.query(`DROP TABLE event_snapshots`);
  await q.query(`DROP TABLE event_store`);
  await q.query(`DROP FUNCTION event_store_notify()`);
}
