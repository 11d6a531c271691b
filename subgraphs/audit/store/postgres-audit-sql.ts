import type { EntityManager } from 'typeorm';
import type { ActorKind } from '../../../infrastructure/events/domain-event';
import { GENESIS_HASH, type ChainPoint } from '../service/audit-chain';
import { chainKeyOf } from './audit-input';
import type { AuditRecord } from './audit-store';

/** The SQL behind PostgresAuditStore: row mapping, chain reads and the batched writes. */
export const COLUMNS = `event_id, tenant_id, type, schema_version, source, aggregate_type, aggregate_id, aggregate_version,
  actor_kind, actor_id, request_id, ip_address, user_agent, occurred_at, data, sequence, previous_hash, hash, recorded_at`;

/** Records read per round trip while walking a chain. */
const CHAIN_PAGE = 1_000;

export interface AuditRow {
  event_id: string;
  tenant_id: string | null;
  type: string;
  schema_version: number;
  source: string;
  aggregate_type: string;
  aggregate_id: string;
  aggregate_version: number;
  actor_kind: ActorKind;
  actor_id: string | null;
  request_id: string | null;
  ip_address: string | null;
  user_agent: string | null;
  occurred_at: Date;
  data: Record<string, unknown>;
  /** bigint: node-postgres returns it as a string. */
  sequence: string;
  previous_hash: string;
  hash: string;
  recorded_at: Date;
}

export interface HeadRow {
  tenant_key: string;
  last_sequence: string;
  last_hash: string;
  anchor_sequence: string;
  anchor_hash: string;
}

export interface Head {
  last: ChainPoint;
  anchor: ChainPoint;
}

export const EMPTY_HEAD: Head = { last: { sequence: 0, hash: GENESIS_HASH }, anchor: { sequence: 0, hash: GENESIS_HASH } };

export function toRecord(row: AuditRow): AuditRecord {
  return {
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    source: row.source,
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    aggregateVersion: row.aggregate_version,
    tenantId: row.tenant_id,
    actorKind: row.actor_kind,
    actorId: row.actor_id,
    requestId: row.request_id,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    occurredAt: row.occurred_at,
    data: row.data,
    sequence: Number(row.sequence),
    previousHash: row.previous_hash,
    hash: row.hash,
    recordedAt: row.recorded_at,
  };
}

export function toHead(row: HeadRow): Head {
  return {
    last: { sequence: Number(row.last_sequence), hash: row.last_hash },
    anchor: { sequence: Number(row.anchor_sequence), hash: row.anchor_hash },
  };
}

/** `tenant_id IS NULL` for the platform chain: `IS NOT DISTINCT FROM` would not use the indexes. */
export function tenantCondition(tenantId: string | null, param: (value: unknown) => string): string {
  return tenantId === null ? 'tenant_id IS NULL' : `tenant_id = ${param(tenantId)}::uuid`;
}

export function parameters(): { values: unknown[]; param: (value: unknown) => string } {
  const values: unknown[] = [];
  return {
    values,
    param: (value) => {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

export async function readHead(manager: EntityManager, tenantId: string | null, lock: boolean): Promise<Head> {
  const [row] = await manager.query<HeadRow[]>(
    `SELECT tenant_key, last_sequence, last_hash, anchor_sequence, anchor_hash FROM audit_chain_heads WHERE tenant_key = $1${lock ? ' FOR UPDATE' : ''}`,
    [chainKeyOf(tenantId)],
  );
  return row ? toHead(row) : EMPTY_HEAD;
}

export async function queryRecords(
  manager: EntityManager,
  tenantId: string | null,
  rest: (param: (value: unknown) => string) => string,
): Promise<AuditRecord[]> {
  const { values, param } = parameters();
  const sql = `SELECT ${COLUMNS} FROM audit_records WHERE ${tenantCondition(tenantId, param)} AND ${rest(param)}`;
  const rows = await manager.query<AuditRow[]>(sql, values);
  return rows.map(toRecord);
}

/** The chain's records with afterSequence < sequence <= throughSequence, in sequence order, a page at a time. */
export async function* chainPages(manager: EntityManager, tenantId: string | null, afterSequence: number, throughSequence: number) {
  let after = afterSequence;
  while (after < throughSequence) {
    const page = await queryRecords(
      manager,
      tenantId,
      (param) => `sequence > ${param(after)} AND sequence <= ${param(throughSequence)} ORDER BY sequence LIMIT ${CHAIN_PAGE}`,
    );
    const last = page[page.length - 1];
    if (last === undefined) return;
    yield page;
    after = last.sequence;
  }
}

/** One multi-row INSERT for the whole batch: one array parameter per column, so no parameter limit applies. */
export async function insertRecords(manager: EntityManager, records: readonly AuditRecord[]): Promise<void> {
  const column = <T>(pick: (record: AuditRecord) => T): T[] => records.map(pick);
  await manager.query(
    `INSERT INTO audit_records (${COLUMNS})
     SELECT r.*, now() FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[],
       $8::int[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::jsonb[],
       $16::bigint[], $17::text[], $18::text[]) AS r`,
    [
      column((r) => r.eventId),
      column((r) => r.tenantId),
      column((r) => r.type),
      column((r) => r.schemaVersion),
      column((r) => r.source),
      column((r) => r.aggregateType),
      column((r) => r.aggregateId),
      column((r) => r.aggregateVersion),
      column((r) => r.actorKind),
      column((r) => r.actorId),
      column((r) => r.requestId),
      column((r) => r.ipAddress),
      column((r) => r.userAgent),
      column((r) => r.occurredAt.toISOString()),
      column((r) => JSON.stringify(r.data)),
      column((r) => r.sequence),
      column((r) => r.previousHash),
      column((r) => r.hash),
    ],
  );
}

/** Moves each touched chain's head to its newest record (records are in chain order within a tenant). */
export async function advanceHeads(manager: EntityManager, records: readonly AuditRecord[]): Promise<void> {
  const newest = new Map<string, AuditRecord>();
  for (const record of records) newest.set(chainKeyOf(record.tenantId), record);
  await manager.query(
    `UPDATE audit_chain_heads h SET last_sequence = n.sequence, last_hash = n.hash
       FROM unnest($1::uuid[], $2::bigint[], $3::text[]) AS n(tenant_key, sequence, hash)
      WHERE h.tenant_key = n.tenant_key`,
    [[...newest.keys()], [...newest.values()].map((r) => r.sequence), [...newest.values()].map((r) => r.hash)],
  );
}
