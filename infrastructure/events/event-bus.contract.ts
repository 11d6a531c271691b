/// <reference types="jest" />
// The reference keeps this file compiling under tsconfig.build.json, which drops the jest types.
import { randomUUID } from 'node:crypto';
import { createDomainEvent, type DomainEvent } from './domain-event';
import { EventBusClosedError, type EventBus, type EventHandler, type EventSubscriptionOptions } from './event-bus';

export interface EventBusContractHooks {
  /** Pass this to the bus as onHandlerError so the suite can see what the bus reports. */
  onHandlerError: (error: unknown, event: DomainEvent) => void;
}

export type MakeEventBus = (
  hooks: EventBusContractHooks,
) => Promise<{ bus: EventBus; cleanup: () => Promise<void> }>;

/** The behaviour every EventBus implementation promises; call once per implementation. */
export function describeEventBusContract(name: string, makeBus: MakeEventBus): void {
  describe(name, () => {
    let bus: EventBus;
    let cleanup: () => Promise<void>;
    let reported: Array<{ error: unknown; event: DomainEvent }>;
    let aggregateId: string;

    beforeEach(async () => {
      reported = [];
      aggregateId = randomUUID();
      ({ bus, cleanup } = await makeBus({ onHandlerError: (error, event) => reported.push({ error, event }) }));
    });

    afterEach(async () => {
      await cleanup();
    });

    function event(type: string, aggregateVersion = 1, data: Record<string, unknown> = {}): DomainEvent {
      return createDomainEvent({
        type,
        source: 'event-bus-contract',
        aggregateType: 'Widget',
        aggregateId,
        aggregateVersion,
        tenantId: randomUUID(),
        actor: { kind: 'USER', id: randomUUID() },
        requestId: randomUUID(),
        ipAddress: '203.0.113.7',
        userAgent: 'contract-test',
        data,
      });
    }

    function tenantEvent(tenantId: string | null, type: string): DomainEvent {
      return { ...event(type), tenantId };
    }

    async function collect(pattern: string, handler?: EventHandler, options?: EventSubscriptionOptions) {
      const events: DomainEvent[] = [];
      const unsubscribe = await bus.subscribe(
        pattern,
        async (received) => {
          events.push(received);
          await handler?.(received);
        },
        options,
      );
      return { events, unsubscribe, types: () => events.map((e) => e.type) };
    }

    it('delivers an event published after subscribing, deep-equal to what was published', async () => {
      const { events } = await collect('tenancy.tenant.created');
      const published = event('tenancy.tenant.created', 3, {
        slug: 'acme',
        nested: { list: [1, 'two', null, { three: true }] },
        unicode: 'Zürich ✓',
      });

      await bus.publish(published);

      await waitFor(() => events.length === 1, 'the event to arrive');
      expect(events[0]).toEqual(published);
    });

    it('does not deliver events published before subscribing', async () => {
      await bus.publish(event('tenancy.tenant.created', 1));
      const { events } = await collect('tenancy.tenant.created');
      await bus.publish(event('tenancy.tenant.created', 2));

      await waitFor(() => events.length >= 1, 'the later event');
      await settle();
      expect(events.map((e) => e.aggregateVersion)).toEqual([2]);
    });

    it('delivers only the exact type to an exact pattern', async () => {
      const exact = await collect('tenancy.tenant.created');

      for (const type of ['tenancy.tenant.updated', 'tenancy.tenant.created.v2', 'tenancy', 'identity.user.created']) {
        await bus.publish(event(type));
      }
      await bus.publish(event('tenancy.tenant.created'));

      await waitFor(() => exact.events.length >= 1, 'the matching event');
      await settle();
      expect(exact.types()).toEqual(['tenancy.tenant.created']);
    });

    it("delivers every type under a prefix to 'prefix.*' and nothing else", async () => {
      const prefix = await collect('tenancy.*');
      const types = ['tenancy.tenant.created', 'tenancy', 'tenancyx.tenant.created', 'identity.user.created', 'tenancy.member.added'];

      for (const type of types) {
        await bus.publish(event(type));
      }

      await waitFor(() => prefix.events.length >= 2, 'both tenancy.* events');
      await settle();
      expect(prefix.types()).toEqual(['tenancy.tenant.created', 'tenancy.member.added']);
    });

    it("delivers every event to '*'", async () => {
      const all = await collect('*');
      const types = ['tenancy.tenant.created', 'identity.user.created', 'audit', 'x.y.z.w'];

      for (const type of types) {
        await bus.publish(event(type));
      }

      await waitFor(() => all.events.length >= types.length, 'all events');
      await settle();
      expect(all.types()).toEqual(types);
    });

    it('delivers to every subscriber, including several on the same pattern', async () => {
      const first = await collect('tenancy.tenant.created');
      const second = await collect('tenancy.tenant.created');
      const prefix = await collect('tenancy.*');
      const all = await collect('*');
      const published = event('tenancy.tenant.created');

      await bus.publish(published);

      await waitFor(
        () => [first, second, prefix, all].every((s) => s.events.length === 1),
        'every subscriber to get the event',
      );
      for (const subscriber of [first, second, prefix, all]) {
        expect(subscriber.events[0]).toEqual(published);
      }
    });

    it('gives each handler its own copy of the event', async () => {
      const mutating = await collect('tenancy.tenant.created', (received) => {
        received.data['slug'] = 'changed by a handler';
      });
      const reading = await collect('tenancy.tenant.created');
      const published = event('tenancy.tenant.created', 1, { slug: 'acme' });

      await bus.publish(published);
      published.data['slug'] = 'changed by the publisher';

      await waitFor(() => mutating.events.length === 1 && reading.events.length === 1, 'both handlers');
      expect(reading.events[0]?.data).toEqual({ slug: 'acme' });
    });

    it('stops delivering to a subscription once its unsubscribe resolves, and keeps delivering to others', async () => {
      const leaving = await collect('tenancy.tenant.created');
      const staying = await collect('tenancy.tenant.created');
      await bus.publish(event('tenancy.tenant.created', 1));
      await waitFor(() => leaving.events.length === 1 && staying.events.length === 1, 'the first event');

      await leaving.unsubscribe();
      await leaving.unsubscribe(); // a second call is harmless
      await bus.publish(event('tenancy.tenant.created', 2));

      await waitFor(() => staying.events.length === 2, 'the second event');
      await settle();
      expect(leaving.events.map((e) => e.aggregateVersion)).toEqual([1]);
    });

    it('delivers again after unsubscribing the last subscriber and subscribing anew', async () => {
      const first = await collect('tenancy.*');
      await first.unsubscribe();
      const second = await collect('tenancy.*');

      await bus.publish(event('tenancy.tenant.created'));

      await waitFor(() => second.events.length === 1, 'the event');
      expect(first.events).toEqual([]);
    });

    it('reports a throwing handler to onHandlerError and keeps delivering to it and to others', async () => {
      const failure = new Error('handler broke');
      const throwing = await collect('tenancy.tenant.created', () => {
        throw failure;
      });
      const healthy = await collect('tenancy.tenant.created');
      const first = event('tenancy.tenant.created', 1);
      const second = event('tenancy.tenant.created', 2);

      await bus.publish(first);
      await bus.publish(second);

      await waitFor(() => healthy.events.length === 2 && reported.length === 2, 'both events and both reports');
      expect(throwing.events.map((e) => e.id)).toEqual([first.id, second.id]);
      expect(reported.map((r) => r.error)).toEqual([failure, failure]);
      expect(reported.map((r) => r.event)).toEqual([first, second]);
    });

    it('reports a handler whose promise rejects', async () => {
      const failure = new Error('async handler broke');
      await collect('tenancy.tenant.created', async () => {
        await Promise.resolve();
        throw failure;
      });
      const published = event('tenancy.tenant.created');

      await bus.publish(published);

      await waitFor(() => reported.length === 1, 'the report');
      expect(reported[0]).toEqual({ error: failure, event: published });
    });

    it('delivers events for one aggregate in publish order', async () => {
      const { events } = await collect('tenancy.*', async () => {
        // Uneven handler times must not reorder delivery.
        await new Promise((resolve) => setTimeout(resolve, Math.random() < 0.2 ? 3 : 0));
      });

      for (let version = 1; version <= 50; version += 1) {
        await bus.publish(event(version % 2 ? 'tenancy.tenant.updated' : 'tenancy.tenant.renamed', version));
      }

      await waitFor(() => events.length === 50, '50 events');
      expect(events.map((e) => e.aggregateVersion)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    it('runs one handler call at a time per subscription', async () => {
      let running = 0;
      let mostAtOnce = 0;
      const { events } = await collect('tenancy.*', async () => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await new Promise((resolve) => setTimeout(resolve, 2));
        running -= 1;
      });

      await Promise.all(Array.from({ length: 10 }, (_, i) => bus.publish(event('tenancy.tenant.updated', i + 1))));

      await waitFor(() => events.length === 10 && running === 0, 'all handler calls to finish');
      expect(mostAtOnce).toBe(1);
    });

    it('resolves publish without waiting for a slow handler', async () => {
      const gate = deferred();
      let finished = false;
      const { events } = await collect('tenancy.tenant.created', async () => {
        await gate.promise;
        finished = true;
      });

      await bus.publish(event('tenancy.tenant.created'));

      expect(finished).toBe(false);
      await waitFor(() => events.length === 1, 'the handler to start');
      expect(finished).toBe(false);
      gate.resolve();
      await waitFor(() => finished, 'the handler to finish');
    });

    it("delivers only one tenant's events to a subscription for that tenant, whatever the pattern", async () => {
      const [mine, other] = [randomUUID(), randomUUID()];
      const exact = await collect('tenancy.tenant.created', undefined, { tenantId: mine });
      const prefix = await collect('tenancy.*', undefined, { tenantId: mine });
      const all = await collect('*', undefined, { tenantId: mine });
      const published = [
        tenantEvent(other, 'tenancy.tenant.created'),
        tenantEvent(null, 'tenancy.tenant.created'),
        tenantEvent(mine, 'identity.user.created'),
        tenantEvent(mine, 'tenancy.tenant.updated'),
        tenantEvent(mine, 'tenancy.tenant.created'),
      ];

      for (const e of published) {
        await bus.publish(e);
      }

      await waitFor(() => exact.events.length >= 1 && prefix.events.length >= 2 && all.events.length >= 3, "my tenant's events");
      await settle();
      expect(exact.events).toEqual([published[4]]);
      expect(prefix.events).toEqual([published[3], published[4]]);
      expect(all.events).toEqual(published.slice(2));
    });

    it('delivers only platform events to a subscription with tenantId null', async () => {
      const platformOnly = await collect('*', undefined, { tenantId: null });
      const exact = await collect('identity.signing-key.rotated', undefined, { tenantId: null });
      const tenantScoped = tenantEvent(randomUUID(), 'identity.signing-key.rotated');
      const platform = tenantEvent(null, 'identity.signing-key.rotated');

      await bus.publish(tenantScoped);
      await bus.publish(platform);

      await waitFor(() => platformOnly.events.length >= 1 && exact.events.length >= 1, 'the platform event');
      await settle();
      expect(platformOnly.events).toEqual([platform]);
      expect(exact.events).toEqual([platform]);
    });

    it('delivers every tenant and platform events to a subscription without a tenant filter', async () => {
      const exact = await collect('tenancy.tenant.created');
      const emptyOptions = await collect('tenancy.tenant.created', undefined, {});
      const published = [tenantEvent(randomUUID(), 'tenancy.tenant.created'), tenantEvent(null, 'tenancy.tenant.created'), tenantEvent(randomUUID(), 'tenancy.tenant.created')];

      for (const e of published) {
        await bus.publish(e);
      }

      await waitFor(() => exact.events.length === 3 && emptyOptions.events.length === 3, 'all three events');
      expect(exact.events).toEqual(published);
      expect(emptyOptions.events).toEqual(published);
    });

    it('rejects subscribing with a tenantId that is neither a string nor null', async () => {
      const tenantId = 42 as unknown as string;

      await expect(bus.subscribe('*', () => undefined, { tenantId })).rejects.toThrow(/Invalid tenantId 42/);
    });

    it('rejects publishing an invalid envelope and says what is wrong', async () => {
      const invalid = { ...event('tenancy.tenant.created'), aggregateVersion: -1 };

      await expect(bus.publish(invalid)).rejects.toThrow(/aggregateVersion must be a non-negative integer/);
    });

    it('rejects subscribing with an unsupported pattern', async () => {
      await expect(bus.subscribe('tenancy*', () => undefined)).rejects.toThrow(/Invalid event pattern "tenancy\*"/);
      await expect(bus.subscribe('a.*.b', () => undefined)).rejects.toThrow(/Invalid event pattern/);
    });

    it('reports itself connected, with no outage behind it, while it delivers', async () => {
      const { events } = await collect('tenancy.tenant.created');
      await bus.publish(event('tenancy.tenant.created'));
      await waitFor(() => events.length === 1, 'the event to arrive');

      expect(bus.connectivity.connected()).toBe(true);
      expect(bus.connectivity.disconnectedSince()).toBeNull();
      expect(bus.connectivity.reconnectedAt()).toBeNull();
    });

    it('rejects publish and subscribe after close with an EventBusClosedError', async () => {
      await bus.close();

      const published = event('tenancy.tenant.created');
      await expect(bus.publish(published)).rejects.toThrow(EventBusClosedError);
      await expect(bus.publish(published)).rejects.toThrow(
        `EventBus is closed: cannot publish event tenancy.tenant.created ${published.id} after close()`,
      );
      await expect(bus.subscribe('*', () => undefined)).rejects.toThrow(/EventBus is closed: cannot subscribe/);
      await expect(bus.close()).resolves.toBeUndefined();
    });

    it('waits in close for a handler that is running, then delivers nothing more', async () => {
      const gate = deferred();
      let finished = false;
      const { events } = await collect('tenancy.tenant.created', async () => {
        await gate.promise;
        finished = true;
      });
      await bus.publish(event('tenancy.tenant.created', 1));
      await bus.publish(event('tenancy.tenant.created', 2));
      await waitFor(() => events.length === 1, 'the first handler call to start');

      let closed = false;
      const closing = bus.close().then(() => {
        closed = true;
      });
      await settle();
      expect(closed).toBe(false);

      gate.resolve();
      await closing;
      expect(finished).toBe(true);
      await settle();
      expect(events.map((e) => e.aggregateVersion)).toEqual([1]);
    });
  });
}

/** Polls until `condition` holds; fails with `what` after 5 s. */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after 5000ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Gives a wrongly delivered event time to show up. Deliveries keep publish order within a
 * subscription, so most tests already know by the time their last expected event arrives.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
