import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { eventually } from '../../test/foreign/eventually';
import { parseMetricsText, samplesOf, valueOf } from '../../test/support/metrics-text';
import { canReachRedis } from '../../test/support/redis-reachable';
import { createDomainEvent, type DomainEvent } from '../events/domain-event';
import type { EventStream } from '../events/stream/event-stream';
import { InProcessEventStream } from '../events/stream/in-process-event-stream';
import { RedisEventStream } from '../events/stream/redis-event-stream';
import { loggerOver } from '../logging/logger';
import { ProcessMetrics } from './process-metrics';
import { trackConsumerGroups, watchStreamGroups } from './stream-metrics';

const silent = loggerOver({ write: () => undefined });
const redisUrl = process.env.LATTICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisReachable = canReachRedis(redisUrl, 1000);

interface StreamUnderTest {
  stream: EventStream;
  cleanup(): Promise<void>;
}

/** Both streams an audit service can consume, the same tests for each (the in-process one of the embedded platform, Redis). */
const IMPLEMENTATIONS: { name: string; available: boolean; open(): Promise<StreamUnderTest> }[] = [
  {
    name: 'the in-process stream',
    available: true,
    open: async () => {
      const stream = new InProcessEventStream({ onError: () => undefined });
      return { stream, cleanup: () => stream.close() };
    },
  },
  {
    name: 'a Redis stream',
    available: redisReachable,
    open: async () => {
      const key = `lattice:test:metrics:${randomUUID()}`;
      const connections: Redis[] = [];
      const connect = (lazy: boolean) => {
        const redis = new Redis(redisUrl, { maxRetriesPerRequest: 0, lazyConnect: lazy });
        redis.on('error', () => undefined);
        connections.push(redis);
        return redis;
      };
      const connection = connect(true);
      await connection.connect();
      const stream = new RedisEventStream({ connection, createBlockingConnection: () => connect(false), key, logger: silent });
      // A new key's first check reports a first start, and refuses appends that waited for it: let it pass first.
      await new Promise<void>((resolve) => {
        const off = stream.onDataLoss(() => {
          off();
          resolve();
        });
      });
      return {
        stream,
        cleanup: async () => {
          await stream.close();
          await connection.del(key, `${key}:dead`, `${key}:marker`);
          await Promise.all(connections.map((redis) => (redis.status === 'ready' ? redis.quit() : Promise.resolve(redis.disconnect()))));
        },
      };
    },
  },
];

function event(data: Record<string, unknown> = {}): DomainEvent {
  return createDomainEvent({
    type: 'tenancy.organization.renamed',
    source: 'stream-metrics-test',
    aggregateType: 'Organization',
    aggregateId: randomUUID(),
    aggregateVersion: 1,
    tenantId: null,
    actor: { kind: 'SYSTEM', id: null },
    requestId: null,
    data,
  });
}

describe.each(IMPLEMENTATIONS)('stream metrics on $name', (implementation) => {
  const suite = implementation.available ? describe : describe.skip;

  suite('', () => {
    let opened: StreamUnderTest;
    let metrics: ProcessMetrics;
    let tracked: ReturnType<typeof trackConsumerGroups>;
    let unwatch: () => void;
    const scrape = async () => parseMetricsText(await metrics.text());

    beforeEach(async () => {
      opened = await implementation.open();
      metrics = new ProcessMetrics({ defaultMetrics: false });
      tracked = trackConsumerGroups(opened.stream);
      unwatch = watchStreamGroups(metrics, { service: 'audit', streamName: 'test:stream:events', stream: opened.stream, groups: tracked.groups, logger: silent });
    });

    afterEach(async () => {
      unwatch();
      await opened.cleanup();
    });

    it('shows nothing for a service that consumes no group', async () => {
      await opened.stream.append([event()]);
      const samples = await scrape();
      expect(samplesOf(samples, 'lattice_stream_pending')).toEqual([]);
      expect(samplesOf(samples, 'lattice_stream_dead_letters')).toEqual([]);
      expect(samplesOf(samples, 'lattice_audit_consumer_lag')).toEqual([]);
    });

    it("counts the entries the service's group holds unacknowledged and those not yet delivered to it", async () => {
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const handled: DomainEvent[] = [];
      await opened.stream.append([event(), event(), event()]);
      await tracked.stream.consume({
        group: 'audit',
        consumer: 'audit-1',
        batchSize: 1,
        blockMs: 20,
        handle: async (events) => {
          await held;
          handled.push(...events);
        },
      });

      // The first entry is delivered and held; the two behind it are not delivered yet.
      const holding = await eventually(async () => {
        const samples = await scrape();
        return valueOf(samples, 'lattice_stream_pending', { stream: 'test:stream:events', group: 'audit' }) === 1 ? samples : undefined;
      }, { what: 'one pending entry' });
      expect(valueOf(holding, 'lattice_audit_consumer_lag', { group: 'audit' })).toBe(2);
      expect(valueOf(holding, 'lattice_stream_dead_letters', { stream: 'test:stream:events' })).toBe(0);

      release();
      await eventually(async () => (handled.length === 3 ? true : undefined), { what: 'every event handled' });
      const drained = await eventually(async () => {
        const samples = await scrape();
        return valueOf(samples, 'lattice_stream_pending', { group: 'audit' }) === 0 ? samples : undefined;
      }, { what: 'nothing pending' });
      expect(valueOf(drained, 'lattice_audit_consumer_lag', { group: 'audit' })).toBe(0);
    });

    it('counts the dead letters of an event the consumer could not handle', async () => {
      await tracked.stream.consume({
        group: 'audit',
        consumer: 'audit-1',
        blockMs: 20,
        claimIdleMs: 20,
        maxDeliveries: 1,
        handle: async (events) => {
          if (events.some((e) => e.data.poison === true)) throw new Error('cannot record this one');
        },
      });
      await opened.stream.append([event({ poison: true }), event()]);
      await eventually(async () => (valueOf(await scrape(), 'lattice_stream_dead_letters', { stream: 'test:stream:events' }) === 1 ? true : undefined), {
        what: 'one dead letter',
      });
      expect((await opened.stream.deadLetters()).length).toBe(1);
    });
  });
});

describe('stream metrics of a stream that cannot answer', () => {
  it('leaves its gauges out of the scrape, without failing it', async () => {
    const working = new InProcessEventStream();
    // A Redis that went away: what RedisEventStream.inspect answers when its connection is not ready.
    const unreachable: EventStream = {
      append: (events) => working.append(events),
      consume: (options) => working.consume(options),
      deadLetters: (limit) => working.deadLetters(limit),
      onDataLoss: (listener) => working.onDataLoss(listener),
      inspect: () => Promise.reject(new Error('Redis is not connected (status reconnecting)')),
      close: () => working.close(),
    };
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    metrics.counter({ name: 'lattice_test_total', help: 'x', labelNames: [] }).inc();
    watchStreamGroups(metrics, { service: 'audit', streamName: 's', stream: unreachable, groups: () => ['audit'], logger: silent });
    const samples = parseMetricsText(await metrics.text());
    expect(samplesOf(samples, 'lattice_stream_pending')).toEqual([]);
    expect(valueOf(samples, 'lattice_test_total')).toBe(1);
    await working.close();
  });
});
