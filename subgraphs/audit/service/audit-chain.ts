import { createHash } from 'node:crypto';
import type { AuditRecord, AuditRecordInput } from '../store/audit-store';

/**
 * The audit trail's hash chain, pure so both stores and the tests share one definition. Each record's hash covers
 * its content, its position and the previous record's hash: editing, reordering or deleting a stored record breaks
 * every link after it.
 */

/** The previousHash of a chain's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields a record's hash covers: all but the hash itself and recordedAt (when this replica stored it). */
export type ChainedFields = Omit<AuditRecord, 'hash' | 'recordedAt'>;

/** Where a chain stands: its last record's sequence and hash (sequence 0 and GENESIS_HASH for a new chain). */
export interface ChainPoint {
  sequence: number;
  hash: string;
}

export const GENESIS: ChainPoint = { sequence: 0, hash: GENESIS_HASH };

/**
 * JSON with object keys sorted at every depth and no whitespace, so equal values hash equally whatever their key
 * order. Dates become ISO strings; like JSON.stringify, undefined object members are dropped and undefined or
 * non-finite array items become null.
 */
export function canonicalJson(value: unknown): string {
  return serialize(value) ?? 'null';
}

function serialize(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      throw new TypeError('canonicalJson: a bigint has no JSON form; store it as a string');
    default:
      break;
  }
  if (Array.isArray(value)) return `[${value.map((item: unknown) => serialize(item) ?? 'null').join(',')}]`;
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const member = serialize((value as Record<string, unknown>)[key]);
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
  }
  return `{${members.join(',')}}`;
}

/** sha256 (hex) of previousHash followed by the canonical JSON of the record's chained fields. */
export function chainHash(previousHash: string, record: ChainedFields): string {
  // Picked one by one: a caller passing a whole AuditRecord (or a row with extra columns) hashes the same fields.
  const chained: Record<keyof ChainedFields, unknown> = {
    eventId: record.eventId,
    type: record.type,
    schemaVersion: record.schemaVersion,
    source: record.source,
    aggregateType: record.aggregateType,
    aggregateId: record.aggregateId,
    aggregateVersion: record.aggregateVersion,
    tenantId: record.tenantId,
    actorKind: record.actorKind,
    actorId: record.actorId,
    requestId: record.requestId,
    ipAddress: record.ipAddress,
    userAgent: record.userAgent,
    occurredAt: record.occurredAt,
    data: record.data,
    sequence: record.sequence,
    previousHash: record.previousHash,
  };
  return createHash('sha256').update(previousHash).update(canonicalJson(chained)).digest('hex');
}

/** Appends `inputs`, in order, to a chain standing at `head`. */
export function linkRecords(head: ChainPoint, inputs: readonly AuditRecordInput[], recordedAt: Date): AuditRecord[] {
  let previous = head;
  return inputs.map((input) => {
    const unhashed: ChainedFields = { ...input, sequence: previous.sequence + 1, previousHash: previous.hash };
    const record: AuditRecord = { ...unhashed, hash: chainHash(previous.hash, unhashed), recordedAt };
    previous = { sequence: record.sequence, hash: record.hash };
    return record;
  });
}

/** Whether `record` is the valid successor of `previous`: next sequence, linked to its hash, and its own hash intact. */
export function isValidSuccessor(previous: ChainPoint, record: AuditRecord): boolean {
  return (
    record.sequence === previous.sequence + 1 &&
    record.previousHash === previous.hash &&
    record.hash === chainHash(record.previousHash, record)
  );
}

export interface ChainWalk {
  /** The first record that is not the valid successor of the one before it (or of the anchor). */
  brokenAt: AuditRecord | null;
  checked: number;
  /** The last verified point (the anchor when nothing verified). */
  reached: ChainPoint;
}

/** Checks pages of records (in sequence order) from `anchor` on, stopping at the first broken link. */
export async function walkChain(anchor: ChainPoint, pages: AsyncIterable<readonly AuditRecord[]>): Promise<ChainWalk> {
  let reached = anchor;
  let checked = 0;
  for await (const page of pages) {
    for (const record of page) {
      checked += 1;
      if (!isValidSuccessor(reached, record)) return { brokenAt: record, checked, reached };
      reached = { sequence: record.sequence, hash: record.hash };
    }
  }
  return { brokenAt: null, checked, reached };
}
