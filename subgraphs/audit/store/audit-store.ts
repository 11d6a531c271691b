import type { ActorKind } from '../../../infrastructure/events/domain-event';

/** One domain event as the audit trail keeps it. */
export interface AuditRecordInput {
  eventId: string;
  type: string;
  schemaVersion: number;
  source: string;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  tenantId: string | null;
  actorKind: ActorKind;
  actorId: string | null;
  requestId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  occurredAt: Date;
  data: Record<string, unknown>;
}

export interface AuditRecord extends AuditRecordInput {
  /** 1-based position in its tenant's chain (platform events, tenantId null, form one chain of their own). */
  sequence: number;
  previousHash: string;
  hash: string;
  recordedAt: Date;
}

export interface AuditFilter {
  /** null: the platform's own records. */
  tenantId: string | null;
  /** Absent or empty: every type. */
  types?: readonly string[];
  aggregateId?: string;
  actorId?: string;
  /** Inclusive, on occurredAt. */
  from?: Date;
  /** Inclusive, on occurredAt. */
  to?: Date;
}

export interface ChainVerification {
  ok: boolean;
  /**
   * The first record whose hash or link does not verify. Null when ok, and also when every stored record verifies
   * but the chain ends before its recorded head (its newest records were deleted).
   */
  brokenAt: AuditRecord | null;
  /** Records examined, the broken one included. */
  checked: number;
}

/** The audit trail: a tamper-evident hash chain per tenant. Implemented by PostgresAuditStore and MongoAuditStore. */
export interface AuditStore {
  /**
   * Idempotent by eventId (a redelivered event changes nothing, not even the chain); new records are chained per
   * tenant in the order given. Batched: one call with thousands of records is a few round trips. Safe when several
   * audit replicas append concurrently (each chain stays linear). Returns the records that were new, as chained
   * (sequence, hash), chain by chain; a redelivered event is not among them. Their recordedAt is the store's clock
   * when it chained them, which PostgreSQL's stored value may differ from by the statement's duration.
   */
  append(records: readonly AuditRecordInput[]): Promise<AuditRecord[]>;
  /** Newest first by eventId (UUIDv7, so time order); after = an eventId cursor (exclusive); from/to on occurredAt inclusive. */
  list(filter: AuditFilter, after: string | null, limit: number): Promise<AuditRecord[]>;
  /** The records that exist among `ids`, in the order asked for (ids that are not event ids match nothing). */
  findByIds(ids: readonly string[]): Promise<AuditRecord[]>;
  /**
   * Walks the tenant's chain from its anchor (genesis, or the last purge's cut) and returns the first record whose
   * hash or link does not verify.
   */
  verifyChain(tenantId: string | null): Promise<ChainVerification>;
  /**
   * Retention: removes the longest prefix of the tenant's chain (by sequence) whose records all occurred before
   * `before`, and records the cut (sequence + hash of the last removed record) as the chain's new anchor, so
   * verifyChain still verifies what remains. Refuses (throws) when the prefix it would remove does not verify,
   * so retention never erases the evidence of tampering. Returns how many were removed.
   */
  purge(tenantId: string | null, before: Date): Promise<{ removed: number }>;
  /** Tenants that have records (for the retention job); null stands for the platform's chain. */
  tenantsWithRecords(): Promise<(string | null)[]>;
  /** Releases what the store itself opened (a store built on a caller's connection leaves it open). */
  close(): Promise<void>;
}
