import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ConnectivityChange } from './bus-connectivity';
import { createDomainEvent, type DomainEvent } from './domain-event';
import { RedisEventBus } from './redis-event-bus';
import { REDIS_HEARTBEAT_DEFAULTS } from './redis-subscriber-heartbeat';
import { canReachRedis } from '../../test/support/redis-reachable';
import { startTcpProxy, type TcpProxy } from '../../test/support/tcp-proxy';

const redisUrl = process.env.LATTICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisReachable = canReachRedis(redisUrl, 1000);
const describeWithRedis = redisReachable ? describe : describe.skip;

/** The stall bound the docs promise: one heartbeat interval, then one answer timeout. */
const STALL_BOUND_MS = REDIS_HEARTBEAT_DEFAULTS.intervalMs + REDIS_HEARTBEAT_DEFAULTS.timeoutMs;

describeWithRedis("the Redis event bus's connectivity, through a proxy that can fail", () => {
  let proxy: TcpProxy;
  let bus: RedisEventBus;
  let sender: RedisEventBus;
  const connections: Redis[] = [];
  let changes: ConnectivityChange[];
  let received: DomainEvent[];

  async function connect(url: string): Promise<Redis> {
    // As the event-bus module connects, but retrying quickly so the test does not wait on backoff.
    const connection = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: () => 50 });
    connection.on('error', () => undefined);
    connections.push(connection);
    await connection.connect();
    return connection;
  }

  beforeEach(async () => {
    const target = new URL(redisUrl);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const channelPrefix = `lattice:test:${randomUUID()}:`;
    // Only the receiving bus's subscriber goes through the proxy: the outage is on its path alone.
    bus = new RedisEventBus({ publisher: await connect(redisUrl), subscriber: await connect(proxy.url(redisUrl)), channelPrefix });
    sender = new RedisEventBus({ publisher: await connect(redisUrl), subscriber: await connect(redisUrl), channelPrefix });
    changes = [];
    received = [];
    bus.connectivity.onChange((change) => changes.push(change));
    await bus.subscribe('tenancy.*', (event) => void received.push(event));
  });

  afterEach(async () => {
    // close() unsubscribes on the connection, which waits for it to be back.
    proxy.restore();
    await Promise.all([bus.close(), sender.close()]);
    await proxy.close();
    for (const connection of connections.splice(0)) connection.disconnect();
  });

  function event(): DomainEvent {
    return createDomainEvent({
      type: 'tenancy.tenant.suspended',
      source: 'connectivity-test',
      aggregateType: 'Tenant',
      aggregateId: randomUUID(),
      aggregateVersion: 1,
      tenantId: null,
      actor: { kind: 'SYSTEM', id: null },
      requestId: null,
      data: {},
    });
  }

  it('counts as disconnected the moment its subscriber connection drops, and says since when', async () => {
    expect(bus.connectivity.connected()).toBe(true);
    const before = Date.now();

    proxy.cut();

    await waitFor(() => !bus.connectivity.connected(), 1_000);
    expect(bus.connectivity.disconnectedSince()).toBeGreaterThanOrEqual(before);
    expect(changes).toEqual([{ connected: false, since: bus.connectivity.disconnectedSince() }]);
  });

  it('counts as reconnected, with the gap, only once it is subscribed again, so the next event arrives', async () => {
    proxy.cut();
    await waitFor(() => !bus.connectivity.connected(), 1_000);
    const lost = event();
    await sender.publish(lost);

    proxy.restore();

    await waitFor(() => bus.connectivity.connected(), 5_000);
    const [down, up] = changes;
    expect(up).toEqual({ connected: true, gap: { from: (down as { since: number }).since, to: bus.connectivity.reconnectedAt() } });
    const heard = event();
    await sender.publish(heard);
    await waitFor(() => received.length > 0, 2_000);
    // Pub/sub is at most once: what was published in the gap never comes.
    expect(received.map((e) => e.id)).toEqual([heard.id]);
  });

  it(`counts a silently stalled connection as disconnected within ${STALL_BOUND_MS} ms, and as connected once it answers again`, async () => {
    const stalledAt = Date.now();

    proxy.stall();

    await waitFor(() => !bus.connectivity.connected(), STALL_BOUND_MS + 250);
    const detectedAfterMs = Date.now() - stalledAt;
    expect(detectedAfterMs).toBeLessThanOrEqual(STALL_BOUND_MS + 250);
    proxy.restore();
    await waitFor(() => bus.connectivity.connected(), 3_000);
    expect(changes.map((c) => c.connected)).toEqual([false, true]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
