import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { canReachRedis } from '../../test/support/redis-reachable';
import { freePort } from '../../test/support/processes';
import { describeTokenBucketContract } from './token-bucket.contract';
import { tokenBucket, type BucketAnswer, type TokenBucket } from './token-bucket';

const redisUrl = process.env.LATTICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisReachable = canReachRedis(redisUrl, 1000);
if (!redisReachable) {
  console.warn(`Redis token bucket tests SKIPPED: no Redis at ${redisUrl}`);
}
const describeWithRedis = redisReachable ? describe : describe.skip;

const allowedCount = (answers: readonly BucketAnswer[]) => answers.filter((a) => a.allowed).length;

async function takeEach(from: TokenBucket, key: string, times: number): Promise<BucketAnswer[]> {
  const answers: BucketAnswer[] = [];
  for (let i = 0; i < times; i += 1) answers.push(await from.take(key, 1));
  return answers;
}

describeTokenBucketContract('token buckets in memory', async () => ({ store: { kind: 'memory' }, cleanup: async () => undefined }));

describeWithRedis('token buckets on Redis', () => {
  const openConnections: Redis[] = [];

  async function connect(): Promise<Redis> {
    const connection = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    openConnections.push(connection);
    await connection.connect();
    return connection;
  }

  afterEach(async () => {
    const connections = openConnections.splice(0);
    await Promise.all(connections.map((c) => (c.status === 'end' ? Promise.resolve() : c.quit().then(() => undefined))));
  });

  const unexpectedOutage = () => {
    throw new Error('Redis was reachable, but a bucket fell back to memory');
  };

  describeTokenBucketContract('the shared contract', async () => {
    const client = await connect();
    return { store: { kind: 'redis', client, timeoutMs: 2_000, onUnreachable: unexpectedOutage }, cleanup: async () => undefined };
  });

  it('gives two gateway replicas on one Redis one budget per caller', async () => {
    const keyPrefix = `lattice:test:${randomUUID()}:ratelimit:user`;
    const [first, second] = await Promise.all([connect(), connect()]);
    const replicas = [first, second].map((client) => tokenBucket({ perSecond: 5, burst: 10 }, { store: { kind: 'redis', client, timeoutMs: 2_000, onUnreachable: unexpectedOutage }, keyPrefix }));
    const answers: BucketAnswer[] = [];
    for (let i = 0; i < 14; i += 1) answers.push(await replicas[i % 2]!.take('u1', 1));
    expect(allowedCount(answers)).toBe(10);
    expect(answers.slice(10).every((a) => !a.allowed)).toBe(true);
  });

  it('keeps its counts under the key prefix it was given', async () => {
    const client = await connect();
    const keyPrefix = `lattice:test:${randomUUID()}:ratelimit:user`;
    const limited = tokenBucket({ perSecond: 5, burst: 10 }, { store: { kind: 'redis', client, timeoutMs: 2_000, onUnreachable: unexpectedOutage }, keyPrefix });
    await takeEach(limited, 'u1', 7);
    expect((await client.keys(`${keyPrefix}:*`)).sort()).toEqual([`${keyPrefix}:burst:u1`, `${keyPrefix}:second:u1`]);
  });
});

describe('token buckets when Redis does not answer', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  const clients: Redis[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  /** A bucket over `client` that records every fall-back to memory. */
  const bucketOver = (client: Redis) => {
    const outages: number[] = [];
    const limited = tokenBucket(
      { perSecond: 5, burst: 10 },
      { store: { kind: 'redis', client, timeoutMs: 100, onUnreachable: () => outages.push(Date.now()) }, keyPrefix: `lattice:test:${randomUUID()}:ratelimit:user` },
    );
    return { limited, outages };
  };

  it('counts in memory, without waiting, while nothing listens where Redis should be', async () => {
    const client = new Redis(await freePort(), '127.0.0.1', { lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    client.on('error', () => undefined);
    clients.push(client);
    const { limited, outages } = bucketOver(client);
    const started = Date.now();
    const answers = await takeEach(limited, 'u1', 11);
    expect(Date.now() - started).toBeLessThan(1_000);
    // Not every request refused, and not every request let through: this replica keeps the bucket itself.
    expect(allowedCount(answers)).toBe(10);
    expect(answers[10]).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(outages.length).toBeGreaterThan(0);
  });

  it('answers from memory once Redis is slower than the timeout', async () => {
    // Accepts the connection and never answers a command: a Redis that hangs (no ready check or client info to wait on).
    const server = createServer((socket) => sockets.push(socket));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const client = new Redis(port, '127.0.0.1', { lazyConnect: true, enableReadyCheck: false, disableClientInfo: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    clients.push(client);
    await client.connect();
    expect(client.status).toBe('ready');
    const { limited, outages } = bucketOver(client);
    const started = Date.now();
    await expect(limited.take('u1', 1)).resolves.toEqual({ allowed: true });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(outages.length).toBeGreaterThan(0);
  });
});
