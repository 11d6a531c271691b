/// <reference types="jest" />
// The reference keeps this file compiling under tsconfig.build.json, which drops the jest types.
import { randomUUID } from 'node:crypto';
import { createDomainEvent, type DomainEvent } from '../domain-event';
import type { DeadLetter, EventStream, StreamConsumer, StreamConsumerOptions } from './event-stream';

export interface EventStreamHarness {
  /** A stream holding nothing yet, seen by no other test. */
  stream: EventStream;
  /** Stores a payload as a foreign producer could, without append()'s envelope check. */
  appendRaw(payload: string): Promise<void>;
  cleanup(): Promise<void>;
}

export type MakeEventStream = () => Promise<EventStreamHarness>;

/** Handler calls seen by one consumer: every attempt, and the events of calls that succeeded. */
interface Collector {
  handle: (events: readonly DomainEvent[]) => Promise<void>;
  handled: DomainEvent[];
  calls: DomainEvent[][];
  attempts: (event: DomainEvent) => number;
}

/** The behaviour every EventStream implementation promises; call once per implementation. */
export function describeEventStreamContract(name: string, makeStream: MakeEventStream): void {
  describe(name, () => {
    let harness: EventStreamHarness;
    let stream: EventStream;
    let aggregateId: string;
    const releaseAtEnd: Array<() => void> = [];

    beforeEach(async () => {
      aggregateId = randomUUID();
      harness = await makeStream();
      stream = harness.stream;
    });

    afterEach(async () => {
      releaseAtEnd.splice(0).forEach((release) => release());
      await harness.cleanup();
    });

    function event(aggregateVersion: number, type = 'tenancy.organization.renamed', schemaVersion = 1): DomainEvent {
      return createDomainEvent({
        type,
        schemaVersion,
        source: 'event-stream-contract',
        aggregateType: 'Tenant',
        aggregateId,
        aggregateVersion,
        tenantId: randomUUID(),
        actor: { kind: 'USER', id: randomUUID() },
        requestId: randomUUID(),
        data: { version: aggregateVersion, nested: { list: [1, 'two', null] }, unicode: 'Zürich ✓' },
      });
    }

    function events(from: number, to: number): DomainEvent[] {
      return Array.from({ length: to - from + 1 }, (_, i) => event(from + i));
    }

    /** `failing(event, attempt)` decides whether the call holding that event throws; attempts count from 1. */
    function collector(failing: (event: DomainEvent, attempt: number) => boolean = () => false): Collector {
      const attempts = new Map<string, number>();
      const collected: Collector = {
        handled: [],
        calls: [],
        attempts: (e) => attempts.get(e.id) ?? 0,
        handle: async (batch) => {
          collected.calls.push([...batch]);
          let failure: DomainEvent | undefined;
          for (const e of batch) {
            const attempt = (attempts.get(e.id) ?? 0) + 1;
            attempts.set(e.id, attempt);
            if (failing(e, attempt)) failure ??= e;
          }
          if (failure) throw new Error(`cannot handle version ${failure.aggregateVersion}`);
          collected.handled.push(...batch);
        },
      };
      return collected;
    }

    function consume(options: Partial<StreamConsumerOptions> & Pick<StreamConsumerOptions, 'handle'>): Promise<StreamConsumer> {
      return stream.consume({ group: 'audit', consumer: `consumer-${randomUUID()}`, blockMs: 20, onError: () => undefined, ...options });
    }

    function gate(): { promise: Promise<void>; open: () => void } {
      let open!: () => void;
      const promise = new Promise<void>((resolve) => (open = resolve));
      releaseAtEnd.push(open);
      return { promise, open };
    }

    it('delivers every appended event to a group once, deep-equal and in append order', async () => {
      const audit = collector();
      await consume({ handle: audit.handle, batchSize: 7 });
      const appended = events(1, 30);

      await stream.append(appended.slice(0, 10));
      await stream.append(appended.slice(10, 25));
      await stream.append(appended.slice(25));

      await waitFor(() => audit.handled.length >= 30, '30 events');
      await settle();
      expect(audit.handled).toEqual(appended);
      expect(Math.max(...audit.calls.map((batch) => batch.length))).toBeLessThanOrEqual(7);
    });

    it('gives each group every event', async () => {
      const audit = collector();
      const cache = collector();
      await consume({ group: 'audit', handle: audit.handle });
      await consume({ group: 'cache', handle: cache.handle });
      const appended = events(1, 12);

      await stream.append(appended);

      await waitFor(() => audit.handled.length >= 12 && cache.handled.length >= 12, 'both groups to get all events');
      await settle();
      expect(audit.handled).toEqual(appended);
      expect(cache.handled).toEqual(appended);
    });

    it("splits a group's events between its consumers, none delivered to both", async () => {
      const first = collector();
      const second = collector();
      await consume({ handle: first.handle, batchSize: 5 });
      await consume({ handle: second.handle, batchSize: 5 });
      const appended = events(1, 40);

      for (let i = 0; i < 40; i += 8) await stream.append(appended.slice(i, i + 8));

      await waitFor(() => first.handled.length + second.handled.length >= 40, 'all 40 events');
      await settle();
      const ids = [...first.handled, ...second.handled].map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(appended.map((e) => e.id).sort());
    });

    it("delivers events appended before the group's first consumer started", async () => {
      const appended = events(1, 5);
      await stream.append(appended);

      const audit = collector();
      await consume({ handle: audit.handle });
      await stream.append([event(6)]);

      await waitFor(() => audit.handled.length >= 6, 'all six events');
      expect(audit.handled.map((e) => e.aggregateVersion)).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('retries a failed batch one event at a time, so a handler that throws once handles every event once', async () => {
      const appended = events(1, 6);
      const audit = collector((e, attempt) => e.aggregateVersion === 3 && attempt === 1);
      await stream.append(appended);

      await consume({ handle: audit.handle });

      await waitFor(() => audit.handled.length >= 6, 'all six events');
      await settle();
      expect(audit.handled).toEqual(appended);
      expect(audit.attempts(appended[2]!)).toBe(2);
      expect(await stream.deadLetters()).toEqual([]);
    });

    it('delivers an event that keeps failing again later, without handing over the rest of its batch again', async () => {
      const appended = events(1, 5);
      const audit = collector((e, attempt) => e.aggregateVersion === 3 && attempt <= 2);
      await stream.append(appended);

      await consume({ handle: audit.handle, claimIdleMs: 100 });

      await waitFor(() => audit.handled.length >= 5, 'all five events');
      await settle(150);
      expect(audit.handled.map((e) => e.aggregateVersion)).toEqual([1, 2, 4, 5, 3]);
      // The failed batch, then each event alone; only version 3 came back after that.
      expect(appended.map((e) => audit.attempts(e))).toEqual([2, 2, 3, 2, 2]);
      expect(await stream.deadLetters()).toEqual([]);
    });

    it('dead-letters an event that fails maxDeliveries times, naming the last error, and keeps delivering later events', async () => {
      const appended = events(1, 3);
      const poison = appended[1]!;
      const audit = collector((e) => e.id === poison.id);
      await stream.append(appended);

      await consume({ handle: audit.handle, claimIdleMs: 50, maxDeliveries: 3 });
      await waitFor(() => audit.attempts(poison) >= 3, 'the third delivery of the failing event');
      const later = event(4);
      await stream.append([later]);

      await waitFor(() => audit.handled.some((e) => e.id === later.id), 'the later event');
      const letters = await waitForDeadLetters(stream, 1);
      expect(letters[0]).toEqual({
        entryId: expect.any(String),
        group: 'audit',
        reason: 'failed 3 deliveries: cannot handle version 2',
        deliveries: 3,
        payload: expect.any(String),
        deadAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      });
      expect(JSON.parse(letters[0]!.payload)).toEqual(poison);
      await settle(150);
      expect(audit.handled.map((e) => e.aggregateVersion)).toEqual([1, 3, 4]);
      // Three deliveries; the first was also tried alone after its batch of three failed.
      expect(audit.attempts(poison)).toBe(4);
    });

    it('dead-letters a payload that is not JSON or not an envelope at once, tells onDeadLetter, and keeps consuming', async () => {
      const audit = collector();
      const told: DeadLetter[] = [];
      await consume({ handle: audit.handle, maxDeliveries: 5, onDeadLetter: (letter) => told.push(letter) });
      const valid = event(1);

      await harness.appendRaw('not json');
      await harness.appendRaw(JSON.stringify({ type: 'tenancy.organization.renamed' }));
      await stream.append([valid]);

      await waitFor(() => audit.handled.length >= 1, 'the valid event');
      const letters = await waitForDeadLetters(stream, 2);
      expect(letters.map(({ reason, deliveries, payload, group }) => ({ reason, deliveries, payload, group }))).toEqual([
        { reason: 'malformed: id must be a UUID (got undefined)', deliveries: 1, payload: '{"type":"tenancy.organization.renamed"}', group: 'audit' },
        { reason: expect.stringMatching(/^malformed: payload is not JSON \(.+\)$/), deliveries: 1, payload: 'not json', group: 'audit' },
      ]);
      expect(audit.handled).toEqual([valid]);
      // Told once per letter, after it was stored: the same letters the dead-letter stream holds.
      expect([...told].sort((a, b) => a.entryId.localeCompare(b.entryId))).toEqual([...letters].sort((a, b) => a.entryId.localeCompare(b.entryId)));
    });

    it('dead-letters an unknown event type or an unsupported schemaVersion at once, and keeps consuming', async () => {
      const audit = collector();
      await consume({ handle: audit.handle });
      const unknownType = event(1, 'tenancy.tenant.exploded');
      const futureVersion = event(2, 'identity.user.created', 7);
      const valid = [event(3), event(4)];

      await stream.append([unknownType, valid[0]!, futureVersion]);
      await stream.append([valid[1]!]);

      await waitFor(() => audit.handled.length >= 2, 'the two valid events');
      const letters = await waitForDeadLetters(stream, 2);
      expect(letters.map((letter): [string, unknown] => [letter.reason, JSON.parse(letter.payload)])).toEqual([
        ['schemaVersion 7 of identity.user.created is not supported (current 1)', futureVersion],
        ['unknown event type tenancy.tenant.exploded', unknownType],
      ]);
      expect(audit.handled).toEqual(valid);
    });

    it('dead-letters what a custom validate refuses, with its reason', async () => {
      const audit = collector();
      await consume({ handle: audit.handle, validate: (e) => (e.aggregateVersion === 2 ? 'version 2 is refused here' : null) });

      await stream.append(events(1, 3));

      await waitFor(() => audit.handled.length >= 2, 'the accepted events');
      const letters = await waitForDeadLetters(stream, 1);
      expect(letters[0]?.reason).toBe('version 2 is refused here');
      expect(audit.handled.map((e) => e.aggregateVersion)).toEqual([1, 3]);
    });

    it('hands entries held by a consumer that stopped responding to another consumer after claimIdleMs', async () => {
      const hung = gate();
      const stuck: DomainEvent[][] = [];
      await consume({
        handle: async (batch) => {
          stuck.push([...batch]);
          await hung.promise;
        },
      });
      const appended = events(1, 4);
      await stream.append(appended);
      await waitFor(() => stuck.length === 1, 'the first consumer to take the batch');

      const rescuer = collector();
      await consume({ handle: rescuer.handle, claimIdleMs: 100 });

      await waitFor(() => rescuer.handled.length >= 4, 'the claimed events');
      expect(stuck[0]).toEqual(appended);
      expect(rescuer.handled).toEqual(appended);
    });

    it('waits in stop() for the running batch, which is then acknowledged, and delivers nothing more to it', async () => {
      const slow = gate();
      const started: DomainEvent[] = [];
      let finished = false;
      const consumer = await consume({
        handle: async (batch) => {
          started.push(...batch);
          await slow.promise;
          finished = true;
        },
      });
      const first = event(1);
      await stream.append([first]);
      await waitFor(() => started.length === 1, 'the handler to start');

      let stopped = false;
      const stopping = consumer.stop().then(() => {
        stopped = true;
      });
      await settle();
      expect(stopped).toBe(false);
      slow.open();
      await stopping;
      expect(finished).toBe(true);

      const second = event(2);
      await stream.append([second]);
      const successor = collector();
      await consume({ handle: successor.handle, claimIdleMs: 50 });
      await waitFor(() => successor.handled.length >= 1, 'the event appended after stop');
      await settle(200);
      expect(successor.handled).toEqual([second]);
      expect(started).toEqual([first]);
    });

    it('rejects appending an invalid envelope and appends none of the call', async () => {
      const valid = event(1);
      const invalid = { ...event(2), aggregateVersion: -1 };

      await expect(stream.append([valid, invalid])).rejects.toThrow(/aggregateVersion must be a non-negative integer/);

      const audit = collector();
      await consume({ handle: audit.handle });
      const marker = event(3);
      await stream.append([marker]);
      await waitFor(() => audit.handled.length >= 1, 'the marker event');
      await settle();
      expect(audit.handled).toEqual([marker]);
    });

    it('rejects consume options it cannot honour and says which', async () => {
      const handle = async (): Promise<void> => undefined;

      await expect(stream.consume({ group: '', consumer: 'c', handle })).rejects.toThrow(/group must be a non-empty string/);
      await expect(stream.consume({ group: 'audit', consumer: 'c', handle, batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer/);
    });

    it('stops its consumers on close and then rejects append and consume', async () => {
      const audit = collector();
      await consume({ handle: audit.handle });

      await stream.close();

      await expect(stream.append([event(1)])).rejects.toThrow(/EventStream is closed/);
      await expect(consume({ handle: audit.handle })).rejects.toThrow(/EventStream is closed/);
    });
  });
}

async function waitForDeadLetters(stream: EventStream, count: number) {
  let letters = await stream.deadLetters();
  const deadline = Date.now() + 5000;
  while (letters.length < count) {
    if (Date.now() > deadline) throw new Error(`Timed out after 5000ms waiting for ${count} dead letters (have ${letters.length})`);
    await settle(10);
    letters = await stream.deadLetters();
  }
  return letters;
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

/** Gives a wrongly delivered event time to show up. */
function settle(ms = 100): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
