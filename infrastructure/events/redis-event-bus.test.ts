import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createDomainEvent, type DomainEvent } from './domain-event';
import { describeEventBusContract, type MakeEventBus } from './event-bus.contract';
import { MALFORMED_EVENT_MESSAGE_TYPE, MalformedEventMessageError, RedisEventBus } from './redis-event-bus';
import { canReachRedis } from '../../test/support/redis-reachable';

const redisUrl = process.env.LATTICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisReachable = canReachRedis(redisUrl, 1000);
if (!redisReachable) {
  console.warn(`Redis event bus contract SKIPPED: no Redis at ${redisUrl}`);
}
const describeWithRedis = redisReachable ? describe : describe.skip;

describeWithRedis('RedisEventBus', () => {
  const openConnections: Redis[] = [];

  async function connect(): Promise<Redis> {
    const connection = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    openConnections.push(connection);
    await connection.connect();
    return connection;
  }

  /** For tests that publish raw probes, which the bus rightly reports as malformed. */
  const ignoreReports = (): void => undefined;

  afterEach(async () => {
    const connections = openConnections.splice(0);
    await Promise.all(connections.map((connection) => (connection.status === 'end' ? Promise.resolve() : connection.quit().then(() => undefined))));
  });

  /** A fresh prefix per bus, so parallel runs and tests never hear each other. */
  function uniquePrefix(): string {
    return `lattice:test:${randomUUID()}:`;
  }

  const makeBus: MakeEventBus = async ({ onHandlerError }) => {
    const [publisher, subscriber] = await Promise.all([connect(), connect()]);
    const bus = new RedisEventBus({ publisher, subscriber, channelPrefix: uniquePrefix(), onHandlerError });
    return { bus, cleanup: () => bus.close() };
  };

  describeEventBusContract('EventBus contract', makeBus);

  function event(type: string, data: Record<string, unknown> = {}): DomainEvent {
    return createDomainEvent({
      type,
      source: 'redis-event-bus-test',
      aggregateType: 'Widget',
      aggregateId: randomUUID(),
      aggregateVersion: 1,
      tenantId: null,
      actor: { kind: 'SYSTEM', id: null },
      requestId: null,
      data,
    });
  }

  it('leaves the connections it was given open when closed', async () => {
    const [publisher, subscriber] = await Promise.all([connect(), connect()]);
    const bus = new RedisEventBus({ publisher, subscriber, channelPrefix: uniquePrefix(), onHandlerError: ignoreReports });
    await bus.subscribe('tenancy.*', () => undefined);

    await bus.close();

    expect(publisher.status).toBe('ready');
    expect(subscriber.status).toBe('ready');
    await expect(publisher.ping()).resolves.toBe('PONG');
  });

  it('unsubscribes every channel and pattern on close, so Redis has no receivers left', async () => {
    const [publisher, subscriber, probe] = await Promise.all([connect(), connect(), connect()]);
    const channelPrefix = uniquePrefix();
    const bus = new RedisEventBus({ publisher, subscriber, channelPrefix, onHandlerError: ignoreReports });
    await bus.subscribe('tenancy.tenant.created', () => undefined);
    await bus.subscribe('tenancy.*', () => undefined);
    await bus.subscribe('*', () => undefined);
    const channel = `${channelPrefix}platform:tenancy.tenant.created`;
    // PUBLISH answers with the number of receiving subscriptions, pattern ones included.
    expect(await probe.publish(channel, 'probe')).toBe(3);

    await bus.close();

    expect(await probe.publish(channel, 'probe')).toBe(0);
  });

  it('removes the message listeners it added to the subscriber connection when closed', async () => {
    const [publisher, subscriber] = await Promise.all([connect(), connect()]);
    const before = [subscriber.listenerCount('message'), subscriber.listenerCount('pmessage')];
    const bus = new RedisEventBus({ publisher, subscriber, channelPrefix: uniquePrefix(), onHandlerError: ignoreReports });
    expect(subscriber.listenerCount('message')).toBeGreaterThan(before[0] as number);

    await bus.close();

    expect([subscriber.listenerCount('message'), subscriber.listenerCount('pmessage')]).toEqual(before);
  });

  it('leaves other subscriptions on a shared subscriber connection alone when closed', async () => {
    const [publisher, subscriber, probe] = await Promise.all([connect(), connect(), connect()]);
    const otherChannel = `${uniquePrefix()}other`;
    await subscriber.subscribe(otherChannel);
    const bus = new RedisEventBus({ publisher, subscriber, channelPrefix: uniquePrefix(), onHandlerError: ignoreReports });
    await bus.subscribe('*', () => undefined);

    await bus.close();

    expect(await probe.publish(otherChannel, 'still here')).toBe(1);
  });

  it('delivers events between buses on separate connections, as between processes', async () => {
    const channelPrefix = uniquePrefix();
    const [publisherA, subscriberA, publisherB, subscriberB] = await Promise.all([connect(), connect(), connect(), connect()]);
    const sender = new RedisEventBus({ publisher: publisherA, subscriber: subscriberA, channelPrefix });
    const receiver = new RedisEventBus({ publisher: publisherB, subscriber: subscriberB, channelPrefix });
    const received: DomainEvent[] = [];
    await receiver.subscribe('identity.*', (e) => {
      received.push(e);
    });
    const published = event('identity.user.created', { email: 'ada@example.com' });

    await sender.publish(published);

    await waitFor(() => received.length === 1);
    expect(received[0]).toEqual(published);
    await Promise.all([sender.close(), receiver.close()]);
  });

  it('reports and skips messages that are not a DomainEvent for their channel', async () => {
    const [publisher, subscriber, rogue] = await Promise.all([connect(), connect(), connect()]);
    const channelPrefix = uniquePrefix();
    const reported: Array<{ error: unknown; event: DomainEvent }> = [];
    const bus = new RedisEventBus({
      publisher,
      subscriber,
      channelPrefix,
      onHandlerError: (error, reportedEvent) => reported.push({ error, event: reportedEvent }),
    });
    const received: DomainEvent[] = [];
    await bus.subscribe('tenancy.tenant.created', (e) => {
      received.push(e);
    });
    const channel = `${channelPrefix}platform:tenancy.tenant.created`;

    await rogue.publish(channel, 'not json');
    await rogue.publish(channel, JSON.stringify({ type: 'tenancy.tenant.created' }));
    await rogue.publish(channel, JSON.stringify(event('identity.user.created'))); // valid, but on the wrong channel
    await rogue.publish(channel, JSON.stringify({ ...event('tenancy.tenant.created'), tenantId: 'acme' })); // another tenant's channel
    const valid = event('tenancy.tenant.created');
    await bus.publish(valid);

    await waitFor(() => received.length === 1);
    expect(received).toEqual([valid]);
    expect(reported).toHaveLength(4);
    for (const { error, event: standIn } of reported) {
      expect(error).toBeInstanceOf(MalformedEventMessageError);
      expect(error).toMatchObject({ channel, message: expect.stringContaining(`Ignored a message on Redis channel ${channel}`) });
      expect(standIn).toMatchObject({ type: MALFORMED_EVENT_MESSAGE_TYPE, aggregateId: channel });
    }
    expect((reported[0]?.error as Error).message).toMatch(/payload is not JSON/);
    expect((reported[1]?.error as Error).message).toMatch(/id must be a UUID/);
    expect((reported[2]?.error as Error).message).toMatch(
      `its tenant platform and type identity.user.created belong on channel ${channelPrefix}platform:identity.user.created`,
    );
    expect((reported[3]?.error as Error).message).toMatch(`belong on channel ${channelPrefix}acme:tenancy.tenant.created`);
    await bus.close();
  });

  it('matches glob characters in the channel prefix literally', async () => {
    const [publisher, subscriber, probe] = await Promise.all([connect(), connect(), connect()]);
    const channelPrefix = `lattice:test:[${randomUUID()}]*?:`;
    const bus = new RedisEventBus({ publisher, subscriber, channelPrefix, onHandlerError: ignoreReports });
    await bus.subscribe('*', () => undefined);

    expect(await probe.publish(`${channelPrefix}platform:tenancy.tenant.created`, 'probe')).toBe(1);
    expect(await probe.publish(`${channelPrefix.replace('*?', 'xx')}platform:tenancy.tenant.created`, 'probe')).toBe(0);
    await bus.close();
  });

  it("publishes each event on its tenant's channel, and platform events on 'platform'", async () => {
    const [publisher, subscriber, listener] = await Promise.all([connect(), connect(), connect()]);
    const channelPrefix = uniquePrefix();
    const bus = new RedisEventBus({ publisher, subscriber, channelPrefix, onHandlerError: ignoreReports });
    const heard: Array<{ channel: string; payload: string }> = [];
    listener.on('pmessage', (_pattern: string, channel: string, payload: string) => heard.push({ channel, payload }));
    await listener.psubscribe(`${channelPrefix}*`);
    const tenantScoped = { ...event('tenancy.tenant.created'), tenantId: randomUUID() };
    const platform = event('identity.signing-key.rotated');

    await bus.publish(tenantScoped);
    await bus.publish(platform);

    await waitFor(() => heard.length === 2);
    expect(heard.map((h) => h.channel)).toEqual([
      `${channelPrefix}${tenantScoped.tenantId}:tenancy.tenant.created`,
      `${channelPrefix}platform:identity.signing-key.rotated`,
    ]);
    expect(JSON.parse(heard[0]?.payload ?? '')).toEqual(tenantScoped);
    await bus.close();
  });

  it("subscribes a tenant-filtered subscription to that tenant's channels only", async () => {
    const [publisher, subscriber, probe] = await Promise.all([connect(), connect(), connect()]);
    const channelPrefix = uniquePrefix();
    const [mine, other] = [randomUUID(), randomUUID()];
    const bus = new RedisEventBus({ publisher, subscriber, channelPrefix, onHandlerError: ignoreReports });
    await bus.subscribe('tenancy.tenant.created', () => undefined, { tenantId: mine });
    await bus.subscribe('tenancy.*', () => undefined, { tenantId: mine });
    await bus.subscribe('*', () => undefined, { tenantId: mine });

    // PUBLISH answers with the number of receiving subscriptions: Redis itself routes other tenants' traffic elsewhere.
    expect(await probe.publish(`${channelPrefix}${mine}:tenancy.tenant.created`, 'probe')).toBe(3);
    expect(await probe.publish(`${channelPrefix}${other}:tenancy.tenant.created`, 'probe')).toBe(0);
    expect(await probe.publish(`${channelPrefix}platform:tenancy.tenant.created`, 'probe')).toBe(0);
    await bus.close();
  });

  it('refuses an empty channelPrefix, which would subscribe to every channel on the server', async () => {
    const [publisher, subscriber] = await Promise.all([connect(), connect()]);

    expect(() => new RedisEventBus({ publisher, subscriber, channelPrefix: '' })).toThrow(/channelPrefix must not be empty/);
  });
});


async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('Timed out after 5000ms');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
