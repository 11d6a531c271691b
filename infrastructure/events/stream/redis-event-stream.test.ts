import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { createDomainEvent, type DomainEvent } from '../domain-event';
import { describeEventStreamContract } from './event-stream.contract';
import { RedisEventStream } from './redis-event-stream';
import { canReachRedis } from '../../../test/support/redis-reachable';
import { startThrowawayRedis, type ThrowawayRedis } from '../../../test/support/processes';

const redisUrl = process.env.LATTICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisReachable = canReachRedis(redisUrl, 1000);
if (!redisReachable) {
  console.warn(`Redis event stream tests SKIPPED: no Redis at ${redisUrl}`);
}
const describeWithRedis = redisReachable ? describe : describe.skip;
const redisServerInstalled = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
const describeWithRedisServer = redisServerInstalled ? describe : describe.skip;

describeWithRedis('RedisEventStream', () => {
  const openConnections: Redis[] = [];
  const usedKeys: string[] = [];

  function connection(url = redisUrl, options: RedisOptions = {}): Redis {
    const redis = new Redis(url, { maxRetriesPerRequest: 0, ...options });
    openConnections.push(redis);
    return redis;
  }

  async function connected(url = redisUrl, options: RedisOptions = {}): Promise<Redis> {
    const redis = connection(url, { lazyConnect: true, ...options });
    await redis.connect();
    return redis;
  }

  /** A key no other test or run uses; its dead-letter stream and marker are deleted afterwards. */
  function uniqueKey(): string {
    const key = `lattice:test:stream:${randomUUID()}`;
    usedKeys.push(key);
    return key;
  }

  /** A new key's first marker check reports a first start (a data loss) and refuses appends that waited for it. */
  function firstStarted(stream: RedisEventStream): Promise<RedisEventStream> {
    return new Promise((resolve) => {
      const off = stream.onDataLoss(() => {
        off();
        resolve(stream);
      });
    });
  }

  afterEach(async () => {
    const keys = usedKeys.splice(0).flatMap((key) => [key, `${key}:dead`, `${key}:marker`]);
    const connections = openConnections.splice(0);
    // quit() would wait for a reconnect that a stopped throwaway server never allows.
    await Promise.all(connections.map((redis) => (redis.status === 'ready' ? redis.quit() : Promise.resolve(redis.disconnect()))));
    if (keys.length > 0) {
      const cleaner = new Redis(redisUrl);
      await cleaner.del(...keys);
      await cleaner.quit();
    }
  });

  describeEventStreamContract('EventStream contract', async () => {
    const key = uniqueKey();
    const redis = await connected();
    const stream = await firstStarted(new RedisEventStream({ connection: redis, createBlockingConnection: () => connection(), key }));
    return {
      stream,
      appendRaw: async (payload) => void (await redis.xadd(key, '*', 'event', payload)),
      cleanup: () => stream.close(),
    };
  });

  function event(type = 'tenancy.organization.renamed', tenantId: string | null = null): DomainEvent {
    return createDomainEvent({
      type,
      source: 'redis-event-stream-test',
      aggregateType: 'Organization',
      aggregateId: randomUUID(),
      aggregateVersion: 1,
      tenantId,
      actor: { kind: 'SYSTEM', id: null },
      requestId: null,
      data: {},
    });
  }

  function collect(): { handle: (events: readonly DomainEvent[]) => Promise<void>; handled: DomainEvent[] } {
    const handled: DomainEvent[] = [];
    return { handled, handle: async (events) => void handled.push(...events) };
  }

  it('stores each event in field event, with type and tenant for people reading the stream', async () => {
    const key = uniqueKey();
    const redis = await connected();
    const stream = await firstStarted(new RedisEventStream({ connection: redis, createBlockingConnection: () => connection(), key }));
    const tenantId = randomUUID();
    const scoped = event('tenancy.organization.renamed', tenantId);
    const platform = event('identity.signing-key.rotated');

    await stream.append([scoped, platform]);

    const entries = await redis.xrange(key, '-', '+');
    expect(entries.map(([, fields]) => fields)).toEqual([
      ['event', JSON.stringify(scoped), 'type', 'tenancy.organization.renamed', 'tenant', tenantId],
      ['event', JSON.stringify(platform), 'type', 'identity.signing-key.rotated', 'tenant', 'platform'],
    ]);
    await stream.close();
  });

  it('trims the stream to about maxLength entries', async () => {
    const key = uniqueKey();
    const redis = await connected();
    const stream = await firstStarted(new RedisEventStream({ connection: redis, createBlockingConnection: () => connection(), key, maxLength: 10 }));

    await stream.append(Array.from({ length: 300 }, () => event()));

    // MAXLEN ~ trims whole nodes only, so a little more than maxLength may remain.
    expect(await redis.xlen(key)).toBeLessThan(300);
    await stream.close();
  });

  it('hands entries read by a consumer that crashed without acknowledging to another consumer after claimIdleMs', async () => {
    const key = uniqueKey();
    const redis = await connected();
    const stream = await firstStarted(new RedisEventStream({ connection: redis, createBlockingConnection: () => connection(), key }));
    const appended = [event(), event()];
    await stream.append(appended);
    await redis.xgroup('CREATE', key, 'audit', '0');
    // The crashed consumer read the entries and died before XACK.
    await redis.xreadgroup('GROUP', 'audit', 'crashed', 'COUNT', 10, 'STREAMS', key, '>');

    const survivor = collect();
    await stream.consume({ group: 'audit', consumer: 'survivor', handle: survivor.handle, blockMs: 20, claimIdleMs: 100 });

    await waitFor(() => survivor.handled.length >= 2);
    expect(survivor.handled).toEqual(appended);
    expect(await redis.xpending(key, 'audit')).toEqual([0, null, null, null]);
    await stream.close();
  });

  it('dead-letters an entry that consumers kept dying on once it was delivered maxDeliveries times', async () => {
    const key = uniqueKey();
    const redis = await connected();
    const stream = await firstStarted(new RedisEventStream({ connection: redis, createBlockingConnection: () => connection(), key }));
    const poison = event();
    await stream.append([poison]);
    await redis.xgroup('CREATE', key, 'audit', '0');
    const read = (await redis.xreadgroup('GROUP', 'audit', 'crashed', 'STREAMS', key, '>')) as Array<[string, Array<[string, string[]]>]>;
    const entryId = read[0]![1][0]![0];
    await redis.xclaim(key, 'audit', 'crashed-again', 0, entryId, 'RETRYCOUNT', 3);

    const survivor = collect();
    await stream.consume({ group: 'audit', consumer: 'survivor', handle: survivor.handle, blockMs: 20, claimIdleMs: 50, maxDeliveries: 3 });

    const letters = await waitForValue(async () => {
      const found = await stream.deadLetters();
      return found.length > 0 ? found : null;
    });
    expect(letters).toEqual([
      expect.objectContaining({ entryId, reason: 'failed 3 deliveries: never acknowledged (the consumer holding it stopped)', deliveries: 3 }),
    ]);
    expect(survivor.handled).toEqual([]);
    await stream.close();
  });

  it('dead-letters an entry without an event field', async () => {
    const key = uniqueKey();
    const redis = await connected();
    const stream = await firstStarted(new RedisEventStream({ connection: redis, createBlockingConnection: () => connection(), key }));
    await redis.xadd(key, '*', 'something', 'else');

    await stream.consume({ group: 'audit', consumer: 'only', handle: async () => undefined, blockMs: 20 });

    const letters = await waitForValue(async () => {
      const found = await stream.deadLetters();
      return found.length > 0 ? found : null;
    });
    expect(letters[0]).toMatchObject({ reason: 'malformed: the entry has no event field', payload: '', group: 'audit' });
    await stream.close();
  });

  it('rejects append while its connection is not ready, rather than queueing or dropping the events', async () => {
    const redis = connection(redisUrl, { lazyConnect: true });
    const stream = new RedisEventStream({ connection: redis, createBlockingConnection: () => connection(), key: uniqueKey() });

    await expect(stream.append([event()])).rejects.toThrow(/cannot append 1 event\(s\): Redis is not connected \(status wait\)/);
    await stream.close();
  });

  it('refuses a connection that would resend an append cut off by a disconnect', () => {
    const resending = connection(redisUrl, { lazyConnect: true, maxRetriesPerRequest: null });

    expect(() => new RedisEventStream({ connection: resending, createBlockingConnection: () => connection(), key: uniqueKey() })).toThrow(
      'RedisEventStream: the connection must be created with maxRetriesPerRequest: 0',
    );
  });

  it('reports a first start as a data loss, to a listener that subscribes late, and only once per key', async () => {
    const key = uniqueKey();
    const first = new RedisEventStream({ connection: await connected(), createBlockingConnection: () => connection(), key });
    await settleFor(100);
    let firstLosses = 0;
    first.onDataLoss(() => (firstLosses += 1));

    const second = new RedisEventStream({ connection: await connected(), createBlockingConnection: () => connection(), key });
    let secondLosses = 0;
    second.onDataLoss(() => (secondLosses += 1));
    await settleFor(100);

    expect([firstLosses, secondLosses]).toEqual([1, 0]);
    await Promise.all([first.close(), second.close()]);
  });

  describeWithRedisServer('when Redis comes back empty', () => {
    let server: ThrowawayRedis;
    const serverConnections: Redis[] = [];
    const key = 'lattice:stream:events';

    /** Reconnects every 50 ms; fails what a disconnect cut off (as the event-stream module connects). */
    function onServer(options: RedisOptions = {}): Redis {
      const redis = new Redis(server.url, { retryStrategy: () => 50, maxRetriesPerRequest: 0, ...options });
      redis.on('error', () => undefined);
      serverConnections.push(redis);
      return redis;
    }

    async function restartEmpty(): Promise<void> {
      await server.kill();
      await server.start();
    }

    beforeEach(async () => {
      server = await startThrowawayRedis();
    });

    afterEach(async () => {
      await Promise.all(serverConnections.splice(0).map((redis) => (redis.status === 'ready' ? redis.quit() : Promise.resolve(redis.disconnect()))));
      await server.kill();
    });

    async function streamOnServer(): Promise<{ stream: RedisEventStream; main: Redis; losses: () => number }> {
      const main = onServer();
      await waitFor(() => main.status === 'ready');
      const stream = new RedisEventStream({ connection: main, createBlockingConnection: () => onServer(), key });
      let losses = 0;
      stream.onDataLoss(() => (losses += 1));
      await waitFor(() => losses === 1); // a first start
      return { stream, main, losses: () => losses };
    }

    it('carries on across a Redis restart that lost everything, and tells every instance about the loss', async () => {
      const { stream, main, losses } = await streamOnServer();
      const other = onServer();
      await waitFor(() => other.status === 'ready');
      const otherStream = new RedisEventStream({ connection: other, createBlockingConnection: () => onServer(), key });
      let otherLosses = 0;
      otherStream.onDataLoss(() => (otherLosses += 1));
      const errors: unknown[] = [];
      const audit = collect();
      await stream.consume({ group: 'audit', consumer: 'only', handle: audit.handle, blockMs: 50, claimIdleMs: 200, onError: (e) => errors.push(e) });
      const before = [event(), event()];
      await stream.append(before);
      await waitFor(() => audit.handled.length === 2);

      await server.kill();
      await waitFor(() => main.status !== 'ready');
      await expect(stream.append([event()])).rejects.toThrow(/Redis is not connected/);
      await settleFor(300);
      await server.start();
      await waitFor(() => losses() === 2 && otherLosses === 1);
      const after = [event(), event(), event()];
      await stream.append(after);

      await waitFor(() => audit.handled.length === 5);
      expect(audit.handled).toEqual([...before, ...after]);
      // Failing reads back off (up to 1 s) instead of spinning.
      expect(errors.length).toBeLessThan(50);
      await Promise.all([stream.close(), otherStream.close()]);
    }, 15_000);

    it('refuses an append that waited for the loss check, so nothing reaches the stream before the loss is told', async () => {
      const { stream, main, losses } = await streamOnServer();
      let duringCheck: Promise<void> | undefined;
      // Runs right after the stream's own 'ready' listener started its marker check, before the check's reply.
      main.once('ready', () => {
        duringCheck = stream.append([event()]);
        duringCheck.catch(() => undefined);
      });

      await restartEmpty();
      await waitFor(() => duringCheck !== undefined);

      await expect(duringCheck).rejects.toThrow('EventStream: Redis lost its data while 1 event(s) waited to be appended; nothing was appended');
      expect([losses(), await main.xlen(key)]).toEqual([2, 0]);
      await stream.append([event()]);
      expect(await main.xlen(key)).toBe(1);
      await stream.close();
    }, 15_000);

    it('fails an append cut off by a crash instead of resending it to the restarted, empty Redis', async () => {
      const { stream, main, losses } = await streamOnServer();
      const admin = onServer();
      await admin.call('CLIENT', 'PAUSE', '10000', 'WRITE');
      const cutOff = stream.append([event()]);
      cutOff.catch(() => undefined);
      await settleFor(100); // the XADD is sent and held by the paused server

      await restartEmpty();

      await expect(cutOff).rejects.toThrow();
      await waitFor(() => losses() === 2);
      await settleFor(200);
      expect(await main.xlen(key)).toBe(0);
      await stream.close();
    }, 15_000);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('Timed out after 5000ms');
    await settleFor(5);
  }
}

async function waitForValue<T>(read: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await read();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error('Timed out after 5000ms');
    await settleFor(10);
  }
}

function settleFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
