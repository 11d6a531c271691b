import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { parseConfig } from '../config/config';
import { createDomainEvent, RedisEventBus, type DomainEvent, type EventBus } from '../events';
import { defineModule, LifecycleKernel } from '../lifecycle';
import { configModule, EVENT_BUS, eventBusModule, logSinkModule } from './core-modules';

const redisUrl = process.env.LATTICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const event = (type: string): DomainEvent =>
  createDomainEvent({
    type,
    source: 'test',
    aggregateType: 'Thing',
    aggregateId: randomBytes(4).toString('hex'),
    aggregateVersion: 1,
    tenantId: null,
    actor: { kind: 'SYSTEM', id: null },
    requestId: null,
    data: {},
  });

async function eventually(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

// Global setup probes Redis once and announces a skip; see test/support/global-setup.ts.
const redisAvailable = process.env.LATTICE_TEST_REDIS === 'available';

(redisAvailable ? describe : describe.skip)('the event-bus module upgraded from in-process to Redis', () => {
  const connections: Redis[] = [];

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.quit()));
  });

  it('moves subscriptions made during bootstrap to Redis and publishes through the same handle', async () => {
    const namespace = `t-${randomBytes(4).toString('hex')}`;
    const config = parseConfig({ REDIS_URL: redisUrl, LOG_LEVEL: 'silent', LATTICE_EVENT_NAMESPACE: namespace }, 'platform');
    const heard: string[] = [];
    let captured: EventBus | undefined;
    // A dependent that subscribes and keeps its handle while the bus is still in-process.
    const listener = defineModule({
      name: 'listener',
      bootstrap: {
        deps: [EVENT_BUS],
        start: async (ctx) => {
          captured = ctx.get<EventBus>(EVENT_BUS);
          await captured.subscribe('test.*', (e) => void heard.push(e.type));
          return {};
        },
      },
    });
    const kernel = new LifecycleKernel([configModule(config), logSinkModule(), eventBusModule(config), listener]);
    await kernel.start();
    try {
      // Another process's bus on the same Redis: it must reach the subscription made before the upgrade...
      const [publisher, subscriber] = [new Redis(redisUrl), new Redis(redisUrl)];
      connections.push(publisher, subscriber);
      const outside = new RedisEventBus({ publisher, subscriber, channelPrefix: `${namespace}:events:` });
      const outsideHeard: string[] = [];
      await outside.subscribe('test.*', (e) => void outsideHeard.push(e.type));
      await outside.publish(event('test.from-outside'));
      await eventually(() => heard.includes('test.from-outside'));

      // ...and the handle captured during bootstrap now publishes to Redis, where the outside bus hears it.
      await captured!.publish(event('test.from-inside'));
      await eventually(() => outsideHeard.includes('test.from-inside'));
      await outside.close();
    } finally {
      await kernel.stop();
    }
  });
});
