import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS } from '../../../subgraphs/identity/store/identity-store';
import { startEmbeddedDatabase } from '../../../test/support/embedded-database';
import { appLoginUrl, createTestDatabases, TEST_POSTGRES_URL } from '../../../test/support/infrastructure';
import { distributedAvailable } from '../../../test/support/modes';
import { openDatabase } from '../../database/data-source';
import { TenantDatabase, type ScopedDatabase } from '../../database/scoped-database';
import { LatticeError } from '../../errors/error-codes';
import { loggerOver } from '../../logging/logger';
import type { DomainEvent } from '../domain-event';
import { InProcessEventBus } from '../in-process-event-bus';
import { InProcessEventStream } from '../stream/in-process-event-stream';
import type { EventStream } from '../stream/event-stream';
import { EventStore, type PendingEvent } from './event-store';
import { OutboxRelay } from './outbox-relay';
import { OutboxSignal } from './outbox-signal';
import { SnapshottingStream } from './snapshotting-stream';

/**
 * The event store is each subgraph's transactional outbox. Run on identity's real schema, on PostgreSQL (truly
 * concurrent transactions) and on PGlite (the embedded mode).
 */
const logger = loggerOver({ write: () => undefined });

const BACKENDS = [
  {
    name: 'PostgreSQL',
    available: distributedAvailable(),
    concurrent: true,
    async open() {
      const databases = await createTestDatabases(TEST_POSTGRES_URL, ['identity']);
      return { ownerUrl: databases.urls.identity, appUrl: appLoginUrl(databases.urls.identity), poolSize: 8, close: () => databases.drop() };
    },
  },
  {
    name: 'PGlite (embedded mode)',
    available: true,
    concurrent: false,
    async open() {
      const server = await startEmbeddedDatabase();
      return { ownerUrl: server.url, appUrl: undefined, poolSize: 4, close: () => server.stop() };
    },
  },
];

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe.each(BACKENDS)('event store and outbox relay on $name', (backend) => {
  const suite = backend.available ? describe : describe.skip;

  suite('', () => {
    let dataSource: DataSource;
    let database: TenantDatabase;
    let ownerUrl: string;
    let close: () => Promise<void>;
    const tenantId = randomUUID();
    let db: ScopedDatabase;

    beforeAll(async () => {
      const opened = await backend.open();
      close = opened.close;
      ownerUrl = opened.ownerUrl;
      dataSource = await openDatabase({ name: 'identity', url: opened.ownerUrl, appUrl: opened.appUrl, poolSize: opened.poolSize, logger, entities: IDENTITY_ENTITIES, migrations: IDENTITY_MIGRATIONS });
      database = new TenantDatabase(dataSource, logger);
      db = database.forTenant(tenantId);
    }, 90_000);

    afterAll(async () => {
      await dataSource?.destroy();
      await close?.();
    });

    function pending(aggregateId: string, data: Record<string, unknown> = {}, tenant: string = tenantId): PendingEvent {
      return { type: 'identity.user.updated', aggregateType: 'User', aggregateId, tenantId: tenant, actor: { kind: 'SYSTEM', id: 'test' }, requestId: null, data };
    }

    async function errorOf(promise: Promise<unknown>): Promise<unknown> {
      return promise.then(() => null, (error: unknown) => error);
    }

    it('numbers each aggregate’s events 1, 2, 3 and reads them back in order', async () => {
      const store = new EventStore('identity');
      const id = randomUUID();
      await store.append(db, [pending(id, { n: 1 }), pending(id, { n: 2 })]);
      await store.append(db, [pending(id, { n: 3 })]);
      const stream = await store.readStream(db, 'User', id);
      expect(stream.map((e) => [e.aggregateVersion, e.data.n])).toEqual([[1, 1], [2, 2], [3, 3]]);
      expect(stream[0]).toMatchObject({ source: 'identity', schemaVersion: 1, tenantId, type: 'identity.user.updated' });
      expect((await store.readStream(db, 'User', id, 3)).map((e) => e.aggregateVersion)).toEqual([3]);
      expect(await store.streamVersion(db, 'User', id)).toBe(3);
    });

    it('keeps no event of a change that rolled back', async () => {
      const store = new EventStore('identity');
      const id = randomUUID();
      const failure = await errorOf(
        db.run(async () => {
          await store.append(db, [pending(id)]);
          throw new Error('the change failed after its event was appended');
        }),
      );
      expect(failure).toBeInstanceOf(Error);
      expect(await store.readStream(db, 'User', id)).toEqual([]);
    });

    it('refuses an append at a stale expected version with CONFLICT and keeps the stream as it was', async () => {
      const store = new EventStore('identity');
      const id = randomUUID();
      await store.append(db, [pending(id)], { expectedVersion: 0 });
      const conflict = await errorOf(store.append(db, [pending(id, { late: true })], { expectedVersion: 0 }));
      expect(conflict).toBeInstanceOf(LatticeError);
      expect((conflict as LatticeError).code).toBe('CONFLICT');
      expect((await store.readStream(db, 'User', id)).map((e) => e.data)).toEqual([{}]);
    });

    it('lets exactly one of two writers who read the same version append the next one', async () => {
      const store = new EventStore('identity');
      const id = randomUUID();
      await store.append(db, [pending(id)]);
      const results = await Promise.allSettled([1, 2].map((writer) => store.append(db, [pending(id, { writer })], { expectedVersion: 1 })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect((refused.reason as LatticeError).code).toBe('CONFLICT');
      expect((await store.readStream(db, 'User', id)).map((e) => e.aggregateVersion)).toEqual([1, 2]);
    });

    (backend.concurrent ? it : it.skip)('gives CONFLICT to a writer whose transaction overlapped another append to the same aggregate', async () => {
      const store = new EventStore('identity');
      const id = randomUUID();
      let releaseFirst!: () => void;
      const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
      const first = db.run(async () => {
        await store.append(db, [pending(id, { writer: 1 })]);
        await firstHolds;
      });
      // Let the first insert happen, then start the second while the first transaction is still open.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const second = errorOf(store.append(database.forTenant(tenantId), [pending(id, { writer: 2 })]));
      await new Promise((resolve) => setTimeout(resolve, 200));
      releaseFirst();
      await first;
      expect(((await second) as LatticeError).code).toBe('CONFLICT');
      expect((await store.readStream(db, 'User', id)).map((e) => e.data)).toEqual([{ writer: 1 }]);
    });

    it('keeps one tenant’s events out of another tenant’s reads (row-level security)', async () => {
      const store = new EventStore('identity');
      const id = randomUUID();
      await store.append(db, [pending(id)]);
      expect(await store.readStream(database.forTenant(randomUUID()), 'User', id)).toEqual([]);
      const refused = await errorOf(store.append(database.forTenant(randomUUID()), [pending(randomUUID())]));
      expect(String(refused)).toMatch(/row-level security/);
    });

    it('stores a snapshot and replaces it only with a newer one', async () => {
      const store = new EventStore('identity');
      const aggregate = { type: 'User', id: randomUUID(), tenantId };
      await store.saveSnapshot(db, aggregate, { aggregateVersion: 10, state: { roles: 3 } });
      await store.saveSnapshot(db, aggregate, { aggregateVersion: 5, state: { roles: 1 } });
      expect(await store.loadSnapshot(db, 'User', aggregate.id)).toEqual({ aggregateVersion: 10, state: { roles: 3 } });
      await store.saveSnapshot(db, aggregate, { aggregateVersion: 20, state: { roles: 4 } });
      expect(await store.loadSnapshot(db, 'User', aggregate.id)).toEqual({ aggregateVersion: 20, state: { roles: 4 } });
    });

    it('snapshots every N events and rebuilds from the snapshot plus the events after it', async () => {
      const store = new EventStore('identity');
      const counter = new SnapshottingStream<{ total: number }>(store, { aggregateType: 'User', initial: () => ({ total: 0 }), apply: (state, event) => ({ total: state.total + Number(event.data.add) }) }, 3);
      const aggregate = { id: randomUUID(), tenantId };
      const add = (n: number) => ({ type: 'identity.user.updated' as const, actor: { kind: 'SYSTEM' as const, id: 'test' }, requestId: null, data: { add: n } });
      for (const n of [1, 2, 3, 4]) await counter.append(db, aggregate, [add(n)]);
      await counter.append(db, aggregate, [add(5), add(6), add(7)]);
      // Versions 1..7: snapshots were taken at 3 and at 7 (the append that crossed 6), each holding the state there.
      expect(await store.loadSnapshot(db, 'User', aggregate.id)).toEqual({ aggregateVersion: 7, state: { total: 28 } });
      await counter.append(db, aggregate, [add(8)]);
      expect(await counter.load(db, aggregate.id)).toEqual({ state: { total: 36 }, version: 8, replayed: 1 });
      // The same state as folding every event from the start.
      const all = await store.readStream(db, 'User', aggregate.id);
      expect(all.reduce((sum, e) => sum + Number(e.data.add), 0)).toBe(36);
    });

    describe('relay', () => {
      async function drained(stream: InProcessEventStream, expected: number): Promise<DomainEvent[]> {
        const received: DomainEvent[] = [];
        let done!: () => void;
        const all = new Promise<void>((resolve) => (done = resolve));
        const consumer = await stream.consume({
          group: `test-${randomUUID()}`,
          consumer: 'one',
          handle: async (events) => {
            received.push(...events);
            if (received.length >= expected) done();
          },
        });
        await all;
        await consumer.stop();
        return received;
      }

      it('moves every committed event to the stream exactly once, in order per aggregate, with two relays competing', async () => {
        const store = new EventStore('identity', new OutboxSignal());
        const stream = new InProcessEventStream();
        const bus = new InProcessEventBus();
        const relays = [1, 2].map(
          (n) =>
            new OutboxRelay({ database: database.asPlatform('relay test'), stream, bus, signal: new OutboxSignal(), holder: `relay-${n}-${randomUUID()}`, logger, leaseMs: 300, pollMs: 20, batchSize: 25 }),
        );
        // Earlier tests' events are in the store too: start from what is unpublished now.
        const before = await database.asPlatform('test').query<{ n: number }[]>(`SELECT count(*)::int AS n FROM event_store WHERE published_at IS NULL`);
        const aggregates: string[] = Array.from({ length: 10 }, () => randomUUID());
        await Promise.all(relays.map((r) => r.start()));
        await Promise.all(aggregates.map(async (id) => {
          for (let n = 1; n <= 20; n += 1) await store.append(db, [pending(id, { n })]);
        }));
        const received = await drained(stream, before[0]!.n + 200);
        await Promise.all(relays.map((r) => r.stop()));
        const mine = received.filter((e) => aggregates.includes(e.aggregateId));
        expect(mine).toHaveLength(200);
        expect(new Set(received.map((e) => e.id)).size).toBe(received.length);
        for (const id of aggregates) {
          expect(mine.filter((e) => e.aggregateId === id).map((e) => e.aggregateVersion)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        }
        const unpublished = await database.asPlatform('test').query<{ n: number }[]>(`SELECT count(*)::int AS n FROM event_store WHERE published_at IS NULL`);
        expect(unpublished[0]!.n).toBe(0);
        await bus.close();
      });

      it('wakes the relay at the commit instead of waiting for its next poll', async () => {
        const signal = new OutboxSignal();
        const store = new EventStore('identity', signal);
        const stream = new InProcessEventStream();
        const bus = new InProcessEventBus();
        // Polling once a minute: only the commit's wake-up can deliver within the test's time.
        const relay = new OutboxRelay({ database: database.asPlatform('relay test'), stream, bus, signal, holder: `relay-${randomUUID()}`, logger, pollMs: 60_000 });
        await relay.start();
        await new Promise((resolve) => setTimeout(resolve, 100));
        const id = randomUUID();
        await store.append(db, [pending(id)]);
        const received = await drained(stream, 1);
        expect(received.some((e) => e.aggregateId === id)).toBe(true);
        await relay.stop();
        await bus.close();
      }, 20_000);

      (backend.concurrent ? it : it.skip)('wakes a relay in another process through LISTEN/NOTIFY', async () => {
        const store = new EventStore('identity', new OutboxSignal()); // rings a doorbell nobody listens to
        const stream = new InProcessEventStream();
        const bus = new InProcessEventBus();
        const relay = new OutboxRelay({ database: database.asPlatform('relay test'), stream, bus, signal: new OutboxSignal(), listenUrl: ownerUrl, holder: `relay-${randomUUID()}`, logger, pollMs: 60_000 });
        await relay.start();
        await new Promise((resolve) => setTimeout(resolve, 100));
        const id = randomUUID();
        await store.append(db, [pending(id)]);
        const received = await drained(stream, 1);
        expect(received.some((e) => e.aggregateId === id)).toBe(true);
        await relay.stop();
        await bus.close();
      }, 20_000);

      /**
       * An in-process stream that records what it was given and lets the test make it report a data loss: at once
       * (lose) or, as RedisEventStream does when it finds Redis empty while an append waits, by refusing the next
       * append after telling the loss (refuseNextAppend).
       */
      function losingStream(): { stream: EventStream; appended: DomainEvent[]; lose: () => void; refuseNextAppend: () => void } {
        const inner = new InProcessEventStream();
        const appended: DomainEvent[] = [];
        let tell: () => void = () => undefined;
        let refuseNext = false;
        const stream: EventStream = {
          append: async (events) => {
            if (refuseNext) {
              refuseNext = false;
              tell();
              throw new Error(`EventStream: Redis lost its data while ${events.length} event(s) waited to be appended; nothing was appended`);
            }
            appended.push(...events);
            await inner.append(events);
          },
          consume: (options) => inner.consume(options),
          deadLetters: (limit) => inner.deadLetters(limit),
          onDataLoss: (listener) => {
            tell = listener;
            return () => undefined;
          },
          close: () => inner.close(),
        };
        return { stream, appended, lose: () => tell(), refuseNextAppend: () => (refuseNext = true) };
      }

      it('publishes recent events again when the stream reports it lost its data', async () => {
        const store = new EventStore('identity', new OutboxSignal());
        const bus = new InProcessEventBus();
        const { stream, appended, lose } = losingStream();
        const relay = new OutboxRelay({ database: database.asPlatform('relay test'), stream, bus, signal: new OutboxSignal(), holder: `relay-${randomUUID()}`, logger, pollMs: 20 });
        const id = randomUUID();
        await store.append(db, [pending(id)]);
        await relay.start();
        const copies = () => appended.filter((e) => e.aggregateId === id).length;
        await waitUntil(() => copies() === 1);
        lose();
        await waitUntil(() => copies() === 2);
        await relay.stop();
        expect(relay.stats.replays).toBe(1);
        await bus.close();
      }, 20_000);

      it('replays what the stream lost before the batch the stream refused because of that loss', async () => {
        const store = new EventStore('identity', new OutboxSignal());
        const bus = new InProcessEventBus();
        const { stream, appended, refuseNextAppend } = losingStream();
        const relay = new OutboxRelay({ database: database.asPlatform('relay test'), stream, bus, signal: new OutboxSignal(), holder: `relay-${randomUUID()}`, logger, pollMs: 20 });
        const id = randomUUID();
        await store.append(db, [pending(id)]);
        await relay.start();
        const versions = () => appended.filter((e) => e.aggregateId === id).map((e) => e.aggregateVersion);
        await waitUntil(() => versions().length === 1);
        refuseNextAppend();
        await store.append(db, [pending(id)]);
        await waitUntil(() => versions().includes(2));
        await relay.stop();

        // v1, lost with the stream, is appended again before v2; the refusal is not counted as a failure.
        expect(versions()).toEqual([1, 1, 2]);
        expect([relay.stats.replays, relay.stats.failures]).toEqual([1, 0]);
        await bus.close();
      }, 20_000);
    });
  });
});
