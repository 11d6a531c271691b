import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoServerError, type Collection } from 'mongodb';
import { GENESIS_HASH, type ChainPoint } from '../service/audit-chain';

/** A chain's head in `audit_chain_heads`, which doubles as the chain's append lock. */
export interface ChainHeadDocument {
  /** The tenant id, or the nil UUID for the platform chain. */
  _id: string;
  lastSequence: number;
  lastHash: string;
  anchorSequence: number;
  anchorHash: string;
  lockedBy: string | null;
  lockedUntil: Date | null;
}

export interface ChainLockOptions {
  /** How long a lock lasts if its holder dies without releasing it. */
  ttlMs: number;
  /** How long to wait for a lock before giving up. */
  waitMs: number;
}

export interface HeldChainLock {
  token: string;
  head: ChainHeadDocument;
}

const DUPLICATE_KEY = 11000;

export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/**
 * Takes the chain's lock: one findOneAndUpdate that matches the head only when it is unlocked or its lock has
 * expired, and creates the head (unlocked chains only) when the chain is new. If the head exists but is locked,
 * the upsert's insert collides on _id (duplicate key) and we wait and retry. No replica set is needed.
 *
 * The lock keeps appenders from contending, but it is not what keeps a chain linear: an expired lock (a holder
 * paused past the TTL, or clocks that disagree) can let two appenders in, and then the unique
 * { tenantId, sequence } index rejects whichever inserts a taken sequence second.
 */
export async function lockChain(heads: Collection<ChainHeadDocument>, key: string, options: ChainLockOptions): Promise<HeldChainLock> {
  const token = randomUUID();
  const giveUpAt = Date.now() + options.waitMs;
  for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
    const now = new Date();
    try {
      const head = await heads.findOneAndUpdate(
        { _id: key, $or: [{ lockedUntil: null }, { lockedUntil: { $lte: now } }] },
        {
          $set: { lockedBy: token, lockedUntil: new Date(now.getTime() + options.ttlMs) },
          $setOnInsert: { lastSequence: 0, lastHash: GENESIS_HASH, anchorSequence: 0, anchorHash: GENESIS_HASH },
        },
        { upsert: true, returnDocument: 'after' },
      );
      if (head) return { token, head };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    if (Date.now() >= giveUpAt) throw new Error(`audit store: chain ${key} stayed locked for ${options.waitMs} ms; another audit replica holds it`);
    await sleep(pause + Math.floor(Math.random() * pause));
  }
}

/**
 * Releases the lock, moving the head to `last` when the append added records. If the lock expired and someone
 * else took it, nothing changes: the next holder reads the chain's real end from the records themselves.
 */
export async function releaseChain(heads: Collection<ChainHeadDocument>, key: string, token: string, last: ChainPoint | null): Promise<void> {
  const advance = last ? { lastSequence: last.sequence, lastHash: last.hash } : {};
  await heads.updateOne({ _id: key, lockedBy: token }, { $set: { ...advance, lockedBy: null, lockedUntil: null } });
}
