import { randomUUID } from 'node:crypto';
import {
  IdempotencyStoreStoppedError,
  type ClaimOutcome,
  type CompletedRecord,
  type IdempotencyClaim,
  type IdempotencyRecord,
  type IdempotencyStore,
  type StoredAnswer,
} from './idempotency-store';

export interface MemoryIdempotencyStoreOptions {
  /** Answers kept at most, and also requests with a key running at once (default 10,000). */
  maxEntries?: number;
  /** UTF-8 bytes of the answers kept, bodies included (default 64 MiB). */
  maxBytes?: number;
  now?: () => number;
}

interface PendingEntry {
  readonly claim: IdempotencyClaim;
  expiresAt: number;
}

interface AnswerEntry {
  readonly record: CompletedRecord;
  readonly expiresAt: number;
  readonly bytes: number;
}

const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The embedded gateway's store: one process, so a Map is atomic enough. Entries expire (checked when read, and the
 * oldest answers dropped as new ones arrive). Memory is bounded: past `maxEntries` answers or `maxBytes`, the oldest
 * answers are forgotten first (a retry of such a key runs again); running claims are never evicted, since that would
 * let a duplicate run beside the first, so with `maxEntries` of them a further claim is refused (the gateway answers
 * 503) until one finishes or lapses.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly pending = new Map<string, PendingEntry>();
  /** In the order stored, so the first is the oldest: what eviction drops. */
  private readonly answers = new Map<string, AnswerEntry>();
  private answerBytes = 0;
  private stopped = false;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(options: MemoryIdempotencyStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (!(this.maxEntries >= 1)) throw new RangeError(`maxEntries must be at least 1 (got ${this.maxEntries})`);
    if (!(this.maxBytes >= 1)) throw new RangeError(`maxBytes must be at least 1 (got ${this.maxBytes})`);
    this.now = options.now ?? Date.now;
  }

  async claim(scope: string, key: string, record: IdempotencyRecord, claimTtlMs: number): Promise<ClaimOutcome> {
    this.ensureRunning();
    const id = entryId(scope, key);
    const answer = this.liveAnswer(id);
    if (answer) return { stored: answer.record };
    const running = this.livePending(id);
    if (running) return { pending: { fingerprint: running.claim.fingerprint, principal: running.claim.principal } };
    if (this.pending.size >= this.maxEntries) this.dropExpiredClaims();
    if (this.pending.size >= this.maxEntries) {
      throw new Error(`the in-memory idempotency store is full: ${this.pending.size} requests with an Idempotency-Key are running`);
    }
    const claim: IdempotencyClaim = { fingerprint: record.fingerprint, principal: record.principal, token: randomUUID() };
    this.pending.set(id, { claim, expiresAt: this.now() + claimTtlMs });
    return { claimed: claim };
  }

  async renew(scope: string, key: string, claim: IdempotencyClaim, claimTtlMs: number): Promise<boolean> {
    this.ensureRunning();
    const running = this.livePending(entryId(scope, key));
    if (running?.claim.token !== claim.token) return false;
    running.expiresAt = this.now() + claimTtlMs;
    return true;
  }

  async complete(scope: string, key: string, claim: IdempotencyClaim, answer: StoredAnswer, ttlSeconds: number): Promise<boolean> {
    this.ensureRunning();
    const id = entryId(scope, key);
    if (this.liveAnswer(id)) return false;
    const running = this.livePending(id);
    if (running && running.claim.token !== claim.token) return false;
    const record: CompletedRecord = { fingerprint: claim.fingerprint, principal: claim.principal, status: answer.status, contentType: answer.contentType, body: answer.body };
    const bytes = sizeOf(id, record);
    if (bytes > this.maxBytes) return false;
    this.pending.delete(id);
    this.answers.set(id, { record, expiresAt: this.now() + ttlSeconds * 1000, bytes });
    this.answerBytes += bytes;
    this.evict();
    return true;
  }

  async release(scope: string, key: string, claim: IdempotencyClaim): Promise<boolean> {
    this.ensureRunning();
    const id = entryId(scope, key);
    if (this.livePending(id)?.claim.token !== claim.token) return false;
    this.pending.delete(id);
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.clear();
    this.answers.clear();
    this.answerBytes = 0;
  }

  private ensureRunning(): void {
    if (this.stopped) throw new IdempotencyStoreStoppedError();
  }

  private liveAnswer(id: string): AnswerEntry | undefined {
    const entry = this.answers.get(id);
    if (entry && entry.expiresAt <= this.now()) {
      this.dropAnswer(id, entry);
      return undefined;
    }
    return entry;
  }

  private livePending(id: string): PendingEntry | undefined {
    const entry = this.pending.get(id);
    if (entry && entry.expiresAt <= this.now()) {
      this.pending.delete(id);
      return undefined;
    }
    return entry;
  }

  private dropExpiredClaims(): void {
    const now = this.now();
    for (const [id, entry] of this.pending) if (entry.expiresAt <= now) this.pending.delete(id);
  }

  /** Expired answers first (the oldest usually are), then the oldest live ones while over either bound. */
  private evict(): void {
    const now = this.now();
    for (const [id, entry] of this.answers) {
      const over = this.answers.size > this.maxEntries || this.answerBytes > this.maxBytes;
      if (!over && entry.expiresAt > now) break;
      this.dropAnswer(id, entry);
    }
  }

  private dropAnswer(id: string, entry: AnswerEntry): void {
    this.answers.delete(id);
    this.answerBytes -= entry.bytes;
  }
}

/** Scope and key as one Map key; JSON keeps any characters in either from running into the other. */
function entryId(scope: string, key: string): string {
  return JSON.stringify([scope, key]);
}

function sizeOf(id: string, record: CompletedRecord): number {
  return Buffer.byteLength(id) + Buffer.byteLength(record.body) + Buffer.byteLength(record.fingerprint) + Buffer.byteLength(record.principal) + Buffer.byteLength(record.contentType ?? '');
}
