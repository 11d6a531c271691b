import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { canReachRedis } from '../../test/support/redis-reachable';
import { freePort } from '../../test/support/processes';
import { describeIdempotencyStoreContract } from './idempotency-store.contract';
import type { IdempotencyRecord } from './idempotency-store';
import { RedisIdempotencyStore } from './redis-idempotency-store';

const redisUrl = process.env.LATTICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisReachable = canReachRedis(redisUrl, 1000);
if (!redisReachable) {
  console.warn(`Redis idempotency store tests SKIPPED: no Redis at ${redisUrl}`);
}
const describeWithRedis = redisReachable ? describe : describe.skip;

/** Redis keeps time itself: letting time pass for it means waiting, which these few expiry tests do. */
const realTime = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describeWithRedis('RedisIdempotencyStore', () => {
  const openConnections: Redis[] = [];
  const usedPrefixes: string[] = [];

  async function connect(): Promise<Redis> {
    const connection = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    openConnections.push(connection);
    await connection.connect();
    return connection;
  }

  /** A prefix no other test or run uses; everything under it is deleted afterwards. */
  function uniquePrefix(): string {
    const prefix = `lattice:test:${randomUUID()}:idempotency:`;
    usedPrefixes.push(prefix);
    return prefix;
  }

  async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return keys;
  }

  afterEach(async () => {
    const prefixes = usedPrefixes.splice(0);
    const cleaner = new Redis(redisUrl);
    for (const prefix of prefixes) {
      const keys = await keysUnder(cleaner, prefix);
      if (keys.length > 0) await cleaner.del(...keys);
    }
    await cleaner.quit();
    const connections = openConnections.splice(0);
    await Promise.all(connections.map((redis) => (redis.status === 'ready' ? redis.quit() : redis.status === 'end' ? Promise.resolve() : Promise.resolve(redis.disconnect()))));
  });

  describeIdempotencyStoreContract('IdempotencyStore contract', async () => {
    const store = new RedisIdempotencyStore({ redis: await connect(), keyPrefix: uniquePrefix() });
    return { store, elapse: realTime, cleanup: () => store.stop() };
  });

  const record: IdempotencyRecord = { fingerprint: 'c'.repeat(64), principal: 'USER:ada' };
  const answer = { status: 200, contentType: 'application/json; charset=utf-8', body: '{"data":{"ok":true}}' };

  it("lets two stores on one Redis, as two gateway replicas, see each other's claims and answers", async () => {
    const keyPrefix = uniquePrefix();
    const replicaA = new RedisIdempotencyStore({ redis: await connect(), keyPrefix });
    const replicaB = new RedisIdempotencyStore({ redis: await connect(), keyPrefix });

    const outcomes = await Promise.all([replicaA, replicaB, replicaA, replicaB].map((store) => store.claim('tenant-1', 'k', record, 60_000)));
    expect(outcomes.filter((o) => 'claimed' in o)).toHaveLength(1);
    const winner = outcomes.findIndex((o) => 'claimed' in o);
    const holder = winner % 2 === 0 ? replicaA : replicaB;
    const other = holder === replicaA ? replicaB : replicaA;
    const won = outcomes[winner]!;
    if (!('claimed' in won)) throw new Error('unreachable');

    await holder.complete('tenant-1', 'k', won.claimed, answer, 3_600);

    await expect(other.claim('tenant-1', 'k', record, 60_000)).resolves.toEqual({ stored: { ...record, ...answer } });
  });

  it('keeps every key under its prefix, an answer with the answer TTL and a claim with the claim TTL', async () => {
    const redis = await connect();
    const keyPrefix = uniquePrefix();
    const store = new RedisIdempotencyStore({ redis, keyPrefix });
    const running = await store.claim('tenant:with:colons', 'running', record, 30_000);
    const done = await store.claim('tenant:with:colons', 'done', record, 30_000);
    if (!('claimed' in running) || !('claimed' in done)) throw new Error('expected both keys to be free');
    await store.complete('tenant:with:colons', 'done', done.claimed, answer, 86_400);

    expect((await keysUnder(redis, keyPrefix)).sort()).toEqual([`${keyPrefix}tenant%3Awith%3Acolons:done`, `${keyPrefix}tenant%3Awith%3Acolons:running`]);
    const claimTtl = await redis.pttl(`${keyPrefix}tenant%3Awith%3Acolons:running`);
    expect(claimTtl).toBeGreaterThan(25_000);
    expect(claimTtl).toBeLessThanOrEqual(30_000);
    const answerTtl = await redis.ttl(`${keyPrefix}tenant%3Awith%3Acolons:done`);
    expect(answerTtl).toBeGreaterThan(86_000);
    expect(answerTtl).toBeLessThanOrEqual(86_400);
  });

  it('refuses to read a value under its prefix that it did not write, rather than guess', async () => {
    const redis = await connect();
    const keyPrefix = uniquePrefix();
    await redis.set(`${keyPrefix}platform:k`, 'not json');
    const store = new RedisIdempotencyStore({ redis, keyPrefix });

    await expect(store.claim('platform', 'k', record, 1_000)).rejects.toThrow(/not JSON/);
  });

  it('rejects a claim when Redis cannot be reached, so the gateway does not run the mutation unguarded', async () => {
    const unreachable = new Redis(`redis://127.0.0.1:${await freePort()}`, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    unreachable.on('error', () => undefined);
    openConnections.push(unreachable);
    await new Promise((resolve) => unreachable.once('end', resolve));
    const store = new RedisIdempotencyStore({ redis: unreachable, keyPrefix: uniquePrefix() });

    await expect(store.claim('platform', 'k', record, 1_000)).rejects.toThrow();
  });

  it('refuses an empty keyPrefix, which would mix its keys with everything else in Redis', async () => {
    expect(() => new RedisIdempotencyStore({ redis: new Redis(redisUrl, { lazyConnect: true }), keyPrefix: '' })).toThrow(/keyPrefix must not be empty/);
  });
});
