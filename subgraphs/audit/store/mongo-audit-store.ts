import { MongoClient, type Collection, type Db, type Filter, type MongoClientOptions } from 'mongodb';
import { GENESIS, linkRecords, walkChain, type ChainPoint } from '../service/audit-chain';
import {
  assertPageLimit,
  chainKeyOf,
  groupByChain,
  isUuid,
  normalizeBatch,
  parseEventIdCursor,
  queryableTenant,
} from './audit-input';
import type { AuditFilter, AuditRecord, AuditRecordInput, AuditStore, ChainVerification } from './audit-store';
import { lockChain, releaseChain, type ChainHeadDocument, type ChainLockOptions } from './mongo-chain-lock';

/** An audit record in `audit_logs`, under the field names the existing MongoDB audit collection uses. */
export interface AuditLogDocument {
  /** The event id. */
  _id: string;
  eventType: string;
  aggregateId: string;
  aggregateType: string;
  /** The user the event is about: aggregateId when aggregateType is 'User', else null. */
  userId: string | null;
  performedBy: { kind: AuditRecord['actorKind']; id: string | null };
  details: Record<string, unknown>;
  /** occurredAt. */
  timestamp: Date;
  ipAddress: string | null;
  userAgent: string | null;
  tenantId: string | null;
  requestId: string | null;
  hash: string;
  previousHash: string;
  sequence: number;
  schemaVersion: number;
  source: string;
  aggregateVersion: number;
  recordedAt: Date;
}

export interface MongoAuditStoreOptions {
  /** The database; by default the one named in the URL. */
  database?: string;
  /** Passed to MongoClient. */
  client?: MongoClientOptions;
  /** See ChainLockOptions; defaults 30 s and 60 s. */
  lock?: Partial<ChainLockOptions>;
}

export const AUDIT_LOGS = 'audit_logs';
export const AUDIT_CHAIN_HEADS = 'audit_chain_heads';

const CHAIN_PAGE = 1_000;
/** verifyChain restarts a walk that a concurrent purge cut under it, at most this often. */
const VERIFY_ATTEMPTS = 3;

function toDocument(record: AuditRecord): AuditLogDocument {
  return {
    _id: record.eventId,
    eventType: record.type,
    aggregateId: record.aggregateId,
    aggregateType: record.aggregateType,
    userId: record.aggregateType === 'User' ? record.aggregateId : null,
    performedBy: { kind: record.actorKind, id: record.actorId },
    details: record.data,
    timestamp: record.occurredAt,
    ipAddress: record.ipAddress,
    userAgent: record.userAgent,
    tenantId: record.tenantId,
    requestId: record.requestId,
    hash: record.hash,
    previousHash: record.previousHash,
    sequence: record.sequence,
    schemaVersion: record.schemaVersion,
    source: record.source,
    aggregateVersion: record.aggregateVersion,
    recordedAt: record.recordedAt,
  };
}

function toRecord(doc: AuditLogDocument): AuditRecord {
  return {
    eventId: doc._id,
    type: doc.eventType,
    schemaVersion: doc.schemaVersion,
    source: doc.source,
    aggregateType: doc.aggregateType,
    aggregateId: doc.aggregateId,
    aggregateVersion: doc.aggregateVersion,
    tenantId: doc.tenantId,
    actorKind: doc.performedBy.kind,
    actorId: doc.performedBy.id,
    requestId: doc.requestId,
    ipAddress: doc.ipAddress,
    userAgent: doc.userAgent,
    occurredAt: doc.timestamp,
    data: doc.details,
    sequence: doc.sequence,
    previousHash: doc.previousHash,
    hash: doc.hash,
    recordedAt: doc.recordedAt,
  };
}

function furthest(points: readonly ChainPoint[]): ChainPoint {
  return points.reduce((a, b) => (b.sequence > a.sequence ? b : a), GENESIS);
}

const headAnchor = (head: ChainHeadDocument | null): ChainPoint => (head ? { sequence: head.anchorSequence, hash: head.anchorHash } : GENESIS);

/**
 * The audit trail in MongoDB, without transactions (so without a replica set). Each tenant's records are appended
 * while holding that chain's lock (see mongo-chain-lock.ts); a crash between inserting records and moving the head
 * leaves records past the head, which the next appender continues from. Purge moves the anchor before deleting, so
 * a crash in between leaves only records below the anchor, which verifyChain ignores and the next purge removes.
 */
export class MongoAuditStore implements AuditStore {
  private readonly logs: Collection<AuditLogDocument>;
  private readonly heads: Collection<ChainHeadDocument>;
  private readonly lock: ChainLockOptions;

  constructor(
    private readonly db: Db,
    options: Pick<MongoAuditStoreOptions, 'lock'> = {},
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    this.logs = db.collection<AuditLogDocument>(AUDIT_LOGS);
    this.heads = db.collection<ChainHeadDocument>(AUDIT_CHAIN_HEADS);
    this.lock = { ttlMs: options.lock?.ttlMs ?? 30_000, waitMs: options.lock?.waitMs ?? 60_000 };
  }

  /** Connects, creates the indexes and returns a store that closes its client on close(). */
  static async connect(url: string, options: MongoAuditStoreOptions = {}): Promise<MongoAuditStore> {
    const client = await new MongoClient(url, options.client).connect();
    try {
      const store = new MongoAuditStore(client.db(options.database), options, () => client.close());
      await store.ensureIndexes();
      return store;
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  async ensureIndexes(): Promise<void> {
    await this.logs.createIndexes([
      { key: { tenantId: 1, _id: -1 }, name: 'tenant_event' },
      { key: { tenantId: 1, timestamp: -1 }, name: 'tenant_timestamp' },
      { key: { aggregateId: 1 }, name: 'aggregate' },
      { key: { 'performedBy.id': 1 }, name: 'performed_by' },
      // Null tenantIds count as equal here, so the platform chain's sequences are unique too.
      { key: { tenantId: 1, sequence: 1 }, name: 'tenant_sequence', unique: true },
    ]);
  }

  async append(records: readonly AuditRecordInput[]): Promise<AuditRecord[]> {
    const added: AuditRecord[] = [];
    // One chain at a time: only one lock is ever held, so replicas cannot deadlock.
    for (const [key, chain] of groupByChain(normalizeBatch(records))) added.push(...(await this.appendToChain(key, chain)));
    return added;
  }

  private async appendToChain(key: string, chain: readonly AuditRecordInput[]): Promise<AuditRecord[]> {
    const tenantId = chain[0]?.tenantId ?? null;
    const { token, head } = await lockChain(this.heads, key, this.lock);
    let end: ChainPoint | null = null;
    try {
      const [newest] = await this.logs.find({ tenantId }).sort({ sequence: -1 }).limit(1).toArray();
      // The head may lag its records (a crash before the head moved) or its anchor (a crash in that state, then a purge).
      end = furthest([
        { sequence: head.lastSequence, hash: head.lastHash },
        { sequence: head.anchorSequence, hash: head.anchorHash },
        ...(newest ? [{ sequence: newest.sequence, hash: newest.hash }] : []),
      ]);
      const existing = await this.logs.find({ _id: { $in: chain.map((r) => r.eventId) } }, { projection: { _id: 1 } }).toArray();
      const stored = new Set(existing.map((doc) => doc._id));
      const fresh = chain.filter((record) => !stored.has(record.eventId));
      if (fresh.length === 0) return [];
      const linked = linkRecords(end, fresh, new Date());
      // Ordered: if one insert fails the ones before it stand, a valid prefix that the next appender continues.
      await this.logs.insertMany(linked.map(toDocument), { ordered: true });
      const last = linked[linked.length - 1];
      if (last) end = { sequence: last.sequence, hash: last.hash };
      return linked;
    } finally {
      await releaseChain(this.heads, key, token, end);
    }
  }

  async list(filter: AuditFilter, after: string | null, limit: number): Promise<AuditRecord[]> {
    assertPageLimit(limit);
    const cursor = parseEventIdCursor(after);
    const tenantId = queryableTenant(filter.tenantId);
    if (tenantId === undefined || limit === 0) return [];
    const query: Filter<AuditLogDocument> = { tenantId };
    if (filter.types && filter.types.length > 0) query.eventType = { $in: [...filter.types] };
    if (filter.aggregateId !== undefined) query.aggregateId = filter.aggregateId;
    if (filter.actorId !== undefined) query['performedBy.id'] = filter.actorId;
    if (filter.from || filter.to) query.timestamp = { ...(filter.from && { $gte: filter.from }), ...(filter.to && { $lte: filter.to }) };
    if (cursor !== null) query._id = { $lt: cursor };
    const docs = await this.logs.find(query).sort({ _id: -1 }).limit(limit).toArray();
    return docs.map(toRecord);
  }

  async findByIds(ids: readonly string[]): Promise<AuditRecord[]> {
    const wanted = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
    if (wanted.length === 0) return [];
    const docs = await this.logs.find({ _id: { $in: wanted } }).toArray();
    const byId = new Map(docs.map((doc) => [doc._id, toRecord(doc)]));
    return wanted.flatMap((id) => byId.get(id) ?? []);
  }

  async verifyChain(tenantId: string | null): Promise<ChainVerification> {
    const tenant = queryableTenant(tenantId);
    if (tenant === undefined) return { ok: true, brokenAt: null, checked: 0 };
    for (let attempt = 1; ; attempt += 1) {
      const head = await this.heads.findOne({ _id: chainKeyOf(tenant) });
      const anchor = headAnchor(head);
      const walk = await walkChain(anchor, this.chainPages(tenant, anchor.sequence, Number.MAX_SAFE_INTEGER));
      if (walk.brokenAt) {
        // Without a snapshot, a purge running meanwhile can delete records ahead of the walk; start again from its anchor.
        const now = await this.heads.findOne({ _id: chainKeyOf(tenant) });
        if ((now?.anchorSequence ?? 0) !== anchor.sequence && attempt < VERIFY_ATTEMPTS) continue;
        return { ok: false, brokenAt: walk.brokenAt, checked: walk.checked };
      }
      // Records past the head are an append that has not moved the head yet; ending before the head means its newest records were deleted.
      const complete = !head || walk.reached.sequence > head.lastSequence || (walk.reached.sequence === head.lastSequence && walk.reached.hash === head.lastHash);
      return { ok: complete, brokenAt: null, checked: walk.checked };
    }
  }

  async purge(tenantId: string | null, before: Date): Promise<{ removed: number }> {
    const tenant = queryableTenant(tenantId);
    if (tenant === undefined) return { removed: 0 };
    const key = chainKeyOf(tenant);
    const { token, head } = await lockChain(this.heads, key, this.lock);
    try {
      const anchor = headAnchor(head);
      const [firstKept] = await this.logs
        .find({ tenantId: tenant, sequence: { $gt: anchor.sequence }, timestamp: { $gte: before } }, { projection: { sequence: 1 } })
        .sort({ sequence: 1 })
        .limit(1)
        .toArray();
      const [newest] = await this.logs.find({ tenantId: tenant }, { projection: { sequence: 1 } }).sort({ sequence: -1 }).limit(1).toArray();
      const cut = firstKept ? firstKept.sequence - 1 : Math.max(newest?.sequence ?? 0, head.lastSequence);
      if (cut > anchor.sequence) {
        const walk = await walkChain(anchor, this.chainPages(tenant, anchor.sequence, cut));
        if (walk.brokenAt || walk.reached.sequence !== cut) {
          const where = walk.brokenAt ? `at sequence ${walk.brokenAt.sequence} (event ${walk.brokenAt.eventId})` : `after sequence ${walk.reached.sequence} (records missing)`;
          throw new Error(`audit purge of ${tenant ?? 'the platform chain'}: refused, the chain is broken ${where}; purging would erase the evidence`);
        }
        // The anchor moves first: a crash before the delete leaves records below it, not a chain missing its start.
        const moved = await this.heads.updateOne({ _id: key, lockedBy: token }, { $set: { anchorSequence: cut, anchorHash: walk.reached.hash } });
        if (moved.matchedCount === 0) throw new Error(`audit purge of ${tenant ?? 'the platform chain'}: lost the chain lock (took longer than ${this.lock.ttlMs} ms); nothing was removed`);
      }
      // Also sweeps records a crashed purge left below the anchor.
      const { deletedCount } = await this.logs.deleteMany({ tenantId: tenant, sequence: { $lte: Math.max(cut, anchor.sequence) } });
      return { removed: deletedCount };
    } finally {
      await releaseChain(this.heads, key, token, null);
    }
  }

  async tenantsWithRecords(): Promise<(string | null)[]> {
    const tenants = await this.logs.distinct('tenantId');
    return tenants.sort((a, b) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
  }

  /** Resolves when the MongoDB server answers a ping (readiness). */
  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.onClose();
  }

  /** The chain's records with afterSequence < sequence <= throughSequence, in sequence order, a page at a time. */
  private async *chainPages(tenantId: string | null, afterSequence: number, throughSequence: number): AsyncGenerator<AuditRecord[]> {
    let after = afterSequence;
    while (after < throughSequence) {
      const docs = await this.logs
        .find({ tenantId, sequence: { $gt: after, $lte: throughSequence } })
        .sort({ sequence: 1 })
        .limit(CHAIN_PAGE)
        .toArray();
      const last = docs[docs.length - 1];
      if (last === undefined) return;
      yield docs.map(toRecord);
      after = last.sequence;
    }
  }
}
