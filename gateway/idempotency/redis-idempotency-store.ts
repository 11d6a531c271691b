import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  IdempotencyStoreStoppedError,
  type ClaimOutcome,
  type CompletedRecord,
  type IdempotencyClaim,
  type IdempotencyRecord,
  type IdempotencyStore,
  type StoredAnswer,
} from './idempotency-store';

export interface RedisIdempotencyStoreOptions {
  /** Owned by the caller: stop() leaves it open. */
  redis: Redis;
  /** Every key starts with this, e.g. `${namespace}:idempotency:`. */
  keyPrefix: string;
}

/** A free key is claimed by SET NX PX; a taken one is read in the same step, so a claimer always learns what holds it. */
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])
`;

/**
 * A claim's value is unique (its token), so comparing whole values is the ownership check: no JSON in Lua, no WATCH.
 * The answer overwrites only this claim, or nothing (the claim lapsed and nobody took the key); never another's.
 */
const COMPLETE = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * The distributed gateway's store: one Redis value per scope and key, so every replica sees every claim. A claim
 * lives for its claim TTL (PX), an answer for its answer TTL (EX); Redis expires both.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly redis: Redis;
  private readonly keyPrefix: string;
  private stopped = false;

  constructor(options: RedisIdempotencyStoreOptions) {
    if (options.keyPrefix === '') throw new Error('keyPrefix must not be empty: idempotency keys would mix with every other key in Redis');
    this.redis = options.redis;
    this.keyPrefix = options.keyPrefix;
  }

  async claim(scope: string, key: string, record: IdempotencyRecord, claimTtlMs: number): Promise<ClaimOutcome> {
    this.ensureRunning();
    const claim: IdempotencyClaim = { fingerprint: record.fingerprint, principal: record.principal, token: randomUUID() };
    const found = await this.redis.eval(CLAIM, 1, this.redisKey(scope, key), pendingValue(claim), wholeMs(claimTtlMs));
    if (found === null) return { claimed: claim };
    if (typeof found !== 'string') throw new Error('the idempotency claim script answered something other than a value');
    return parseValue(found);
  }

  async renew(scope: string, key: string, claim: IdempotencyClaim, claimTtlMs: number): Promise<boolean> {
    this.ensureRunning();
    return (await this.redis.eval(RENEW, 1, this.redisKey(scope, key), pendingValue(claim), wholeMs(claimTtlMs))) === 1;
  }

  async complete(scope: string, key: string, claim: IdempotencyClaim, answer: StoredAnswer, ttlSeconds: number): Promise<boolean> {
    this.ensureRunning();
    const record: CompletedRecord = { fingerprint: claim.fingerprint, principal: claim.principal, status: answer.status, contentType: answer.contentType, body: answer.body };
    const seconds = Math.max(1, Math.ceil(ttlSeconds));
    return (await this.redis.eval(COMPLETE, 1, this.redisKey(scope, key), pendingValue(claim), answerValue(record), seconds)) === 1;
  }

  async release(scope: string, key: string, claim: IdempotencyClaim): Promise<boolean> {
    this.ensureRunning();
    return (await this.redis.eval(RELEASE, 1, this.redisKey(scope, key), pendingValue(claim))) === 1;
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  private ensureRunning(): void {
    if (this.stopped) throw new IdempotencyStoreStoppedError();
  }

  /** The scope is encoded so a ':' in it cannot make two scopes' keys meet; the key itself is visible ASCII. */
  private redisKey(scope: string, key: string): string {
    return `${this.keyPrefix}${encodeURIComponent(scope)}:${key}`;
  }
}

/** PX takes a whole number of milliseconds, at least one. */
function wholeMs(ms: number): number {
  return Math.max(1, Math.ceil(ms));
}

/** Written the same way every time (fixed key order), since RENEW, COMPLETE and RELEASE compare it byte for byte. */
function pendingValue(claim: IdempotencyClaim): string {
  return JSON.stringify({ state: 'pending', token: claim.token, fingerprint: claim.fingerprint, principal: claim.principal });
}

function answerValue(record: CompletedRecord): string {
  return JSON.stringify({
    state: 'answered',
    fingerprint: record.fingerprint,
    principal: record.principal,
    status: record.status,
    contentType: record.contentType,
    body: record.body,
  });
}

/** A value under our prefix that is not one we wrote is an error (answered 503), never a guess. */
function parseValue(text: string): ClaimOutcome {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('an idempotency record in Redis is not JSON');
  }
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (typeof v.fingerprint === 'string' && typeof v.principal === 'string') {
      const record: IdempotencyRecord = { fingerprint: v.fingerprint, principal: v.principal };
      if (v.state === 'pending') return { pending: record };
      if (v.state === 'answered' && typeof v.status === 'number' && typeof v.body === 'string' && (typeof v.contentType === 'string' || v.contentType === null)) {
        return { stored: { ...record, status: v.status, contentType: v.contentType, body: v.body } };
      }
    }
  }
  throw new Error('an idempotency record in Redis is not one this store wrote');
}
