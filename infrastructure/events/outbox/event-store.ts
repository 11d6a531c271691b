import { afterCommit, type ScopedDatabase } from '../../database/scoped-database';
import { errors } from '../../errors/error-codes';
import { createDomainEvent, type ActorKind, type DomainEvent } from '../domain-event';
import { EVENT_TYPES, isEventType } from '../event-types';
import type { OutboxSignal } from './outbox-signal';

/** An event about to be appended: the store assigns its aggregate version and fills in its source and schema version. */
export type PendingEvent = Omit<DomainEvent, 'id' | 'occurredAt' | 'schemaVersion' | 'source' | 'aggregateVersion' | 'ipAddress' | 'userAgent'> &
  Partial<Pick<DomainEvent, 'ipAddress' | 'userAgent'>>;

export interface AppendOptions {
  /**
   * The aggregate version the writer based its decision on (0: the aggregate has no events yet). When another
   * writer appended since, the append is CONFLICT and the whole unit of work rolls back. Without it the events go
   * after whatever the stream holds when they are written; a writer that appends concurrently still gets CONFLICT.
   */
  expectedVersion?: number;
}

export interface Snapshot<S> {
  aggregateVersion: number;
  state: S;
}

/** The columns of event_store a DomainEvent is rebuilt from. */
export const EVENT_COLUMNS =
  'event_id, type, schema_version, source, aggregate_type, aggregate_id, aggregate_version, tenant_id, actor_kind, actor_id, request_id, ip_address, user_agent, occurred_at, data, traceparent';

export interface EventRow {
  event_id: string;
  type: string;
  schema_version: number;
  source: string;
  aggregate_type: string;
  aggregate_id: string;
  aggregate_version: number;
  tenant_id: string | null;
  actor_kind: ActorKind;
  actor_id: string | null;
  request_id: string | null;
  ip_address: string | null;
  user_agent: string | null;
  occurred_at: Date;
  data: Record<string, unknown>;
  traceparent: string | null;
}

export function eventFromRow(row: EventRow): DomainEvent {
  return {
    id: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    source: row.source,
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    aggregateVersion: row.aggregate_version,
    tenantId: row.tenant_id,
    actor: { kind: row.actor_kind, id: row.actor_id },
    requestId: row.request_id,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    occurredAt: new Date(row.occurred_at).toISOString(),
    data: row.data,
    ...(row.traceparent ? { traceparent: row.traceparent } : {}),
  };
}

const AGGREGATE_VERSION_TAKEN = 'event_store_aggregate_version';

/**
 * One subgraph's event store, in its own database, which is also its transactional outbox. append() joins the
 * caller's unit of work, so the events commit or roll back with the change they describe; the outbox relay moves
 * committed events to the bus. Every statement runs through a ScopedDatabase, so row-level security applies.
 */
export class EventStore {
  constructor(
    readonly source: string,
    private readonly signal: OutboxSignal | null = null,
  ) {}

  async append(db: ScopedDatabase, pending: readonly PendingEvent[], options: AppendOptions = {}): Promise<DomainEvent[]> {
    if (pending.length === 0) return [];
    if (options.expectedVersion !== undefined && new Set(pending.map((e) => `${e.aggregateType}\u0000${e.aggregateId}`)).size > 1) {
      throw new TypeError('EventStore.append: expectedVersion needs every event to belong to one aggregate');
    }
    const events = await db.joinOrRun(async (manager) => {
      const appended: DomainEvent[] = [];
      let expected = options.expectedVersion;
      for (const p of pending) {
        if (!isEventType(p.type)) throw new TypeError(`EventStore.append: ${p.type} is not in EVENT_TYPES; register it first`);
        const event = createDomainEvent({ ...p, source: this.source, schemaVersion: EVENT_TYPES[p.type], aggregateVersion: 1 });
        const rows = await insertEvent(manager, event, expected).catch((error: unknown) => {
          if (isConstraintViolation(error, AGGREGATE_VERSION_TAKEN)) {
            throw errors.conflict(`${event.aggregateType} ${JSON.stringify(event.aggregateId)} was changed by another request at the same time; reload it and retry`);
          }
          throw error;
        });
        const version = rows[0]?.aggregate_version;
        if (version === undefined) throw new Error('EventStore.append: the insert returned no row');
        appended.push({ ...event, aggregateVersion: version });
        if (expected !== undefined) expected = version;
      }
      return appended;
    });
    if (this.signal) {
      const signal = this.signal;
      afterCommit(() => signal.ring());
    }
    return events;
  }

  /** The aggregate's events from `fromVersion` on, in version order. */
  async readStream(db: ScopedDatabase, aggregateType: string, aggregateId: string, fromVersion = 1): Promise<DomainEvent[]> {
    const rows = await db.query<EventRow[]>(
      `SELECT ${EVENT_COLUMNS} FROM event_store WHERE aggregate_type = $1 AND aggregate_id = $2 AND aggregate_version >= $3 ORDER BY aggregate_version`,
      [aggregateType, aggregateId, fromVersion],
    );
    return rows.map(eventFromRow);
  }

  /** The aggregate's latest version: 0 when it has no events. */
  async streamVersion(db: ScopedDatabase, aggregateType: string, aggregateId: string): Promise<number> {
    const rows = await db.query<{ version: number }[]>(
      `SELECT coalesce(max(aggregate_version), 0)::int AS version FROM event_store WHERE aggregate_type = $1 AND aggregate_id = $2`,
      [aggregateType, aggregateId],
    );
    return rows[0]?.version ?? 0;
  }

  async saveSnapshot<S>(db: ScopedDatabase, aggregate: { type: string; id: string; tenantId: string | null }, snapshot: Snapshot<S>): Promise<void> {
    await db.query(
      `INSERT INTO event_snapshots (aggregate_type, aggregate_id, aggregate_version, tenant_id, state) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET aggregate_version = EXCLUDED.aggregate_version, state = EXCLUDED.state, taken_at = now()
       WHERE event_snapshots.aggregate_version < EXCLUDED.aggregate_version`,
      [aggregate.type, aggregate.id, snapshot.aggregateVersion, aggregate.tenantId, JSON.stringify(snapshot.state)],
    );
  }

  async loadSnapshot<S>(db: ScopedDatabase, aggregateType: string, aggregateId: string): Promise<Snapshot<S> | null> {
    const rows = await db.query<{ aggregate_version: number; state: S }[]>(
      `SELECT aggregate_version, state FROM event_snapshots WHERE aggregate_type = $1 AND aggregate_id = $2`,
      [aggregateType, aggregateId],
    );
    const row = rows[0];
    return row ? { aggregateVersion: row.aggregate_version, state: row.state } : null;
  }
}

type Queryable = { query<T>(sql: string, parameters?: unknown[]): Promise<T> };

/**
 * With an expected version the row gets exactly the next one; without, the next after what this transaction sees.
 * Either way a concurrent writer of the same aggregate computes the same number and loses on the unique constraint.
 */
function insertEvent(manager: Queryable, event: DomainEvent, expected: number | undefined): Promise<{ aggregate_version: number }[]> {
  const version = expected === undefined ? '(SELECT coalesce(max(aggregate_version), 0) + 1 FROM event_store WHERE aggregate_type = $5 AND aggregate_id = $6)' : '$16::int';
  const parameters: unknown[] = [
    event.id,
    event.type,
    event.schemaVersion,
    event.source,
    event.aggregateType,
    event.aggregateId,
    event.tenantId,
    event.actor.kind,
    event.actor.id,
    event.requestId,
    event.ipAddress,
    event.userAgent,
    event.occurredAt,
    JSON.stringify(event.data),
    event.traceparent ?? null,
  ];
  if (expected !== undefined) parameters.push(expected + 1);
  return manager.query(
    `INSERT INTO event_store (event_id, type, schema_version, source, aggregate_type, aggregate_id, aggregate_version, tenant_id, actor_kind, actor_id, request_id, ip_address, user_agent, occurred_at, data, traceparent)
     VALUES ($1, $2, $3, $4, $5, $6, ${version}, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     RETURNING aggregate_version`,
    parameters,
  );
}

function isConstraintViolation(error: unknown, constraint: string): boolean {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } } | null)?.driverError;
  return driverError?.code === '23505' && driverError.constraint === constraint;
}
