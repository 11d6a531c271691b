import type { AuditRecordInput } from './audit-store';

/** Rules both audit stores apply to what they are given, so they store, hash and page alike. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The chain key of platform records (tenantId null); no tenant has the nil UUID as its id. */
export const PLATFORM_CHAIN_KEY = '00000000-0000-0000-0000-000000000000';

export function chainKeyOf(tenantId: string | null): string {
  return tenantId ?? PLATFORM_CHAIN_KEY;
}

export function tenantOfChainKey(key: string): string | null {
  return key === PLATFORM_CHAIN_KEY ? null : key;
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The tenant to query for, lower case; undefined when `tenantId` is no UUID, so no record can belong to it. */
export function queryableTenant(tenantId: string | null): string | null | undefined {
  if (tenantId === null) return null;
  return isUuid(tenantId) ? tenantId.toLowerCase() : undefined;
}

/** A page cursor is an event id; lower case, so string order (MongoDB) and uuid order (PostgreSQL) agree. */
export function parseEventIdCursor(after: string | null): string | null {
  if (after === null) return null;
  if (!isUuid(after)) throw new TypeError(`audit list: after must be an event id (a UUID), got ${JSON.stringify(after)}`);
  return after.toLowerCase();
}

export function assertPageLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`audit list: limit must be a non-negative integer, got ${limit}`);
}

/**
 * Validates a batch and puts it in the form it will be stored and hashed in: UUIDs in lower case and `data` as it
 * reads back from JSON storage (undefined members dropped, nested Dates as strings), so a stored record re-hashes
 * to the same value. Drops repeats of an eventId within the batch (the first wins).
 */
export function normalizeBatch(records: readonly AuditRecordInput[]): AuditRecordInput[] {
  const seen = new Set<string>();
  const batch: AuditRecordInput[] = [];
  for (const record of records) {
    if (!isUuid(record.eventId)) throw new TypeError(`audit append: eventId must be a UUID, got ${JSON.stringify(record.eventId)}`);
    if (record.tenantId !== null && !UUID.test(record.tenantId)) {
      throw new TypeError(`audit append: tenantId must be a UUID or null, got ${JSON.stringify(record.tenantId)} (event ${record.eventId})`);
    }
    if (!(record.occurredAt instanceof Date) || Number.isNaN(record.occurredAt.getTime())) {
      throw new TypeError(`audit append: occurredAt must be a valid Date (event ${record.eventId})`);
    }
    const eventId = record.eventId.toLowerCase();
    if (seen.has(eventId)) continue;
    seen.add(eventId);
    batch.push({
      ...record,
      eventId,
      tenantId: record.tenantId === null ? null : record.tenantId.toLowerCase(),
      occurredAt: new Date(record.occurredAt.getTime()),
      data: JSON.parse(JSON.stringify(record.data)) as Record<string, unknown>,
    });
  }
  return batch;
}

/** Records grouped by chain key, each group in the order given, keys sorted (the fixed lock order). */
export function groupByChain(records: readonly AuditRecordInput[]): Array<[key: string, records: AuditRecordInput[]]> {
  const groups = new Map<string, AuditRecordInput[]>();
  for (const record of records) {
    const key = chainKeyOf(record.tenantId);
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
