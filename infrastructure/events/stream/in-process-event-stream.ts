import { serializeDomainEvent, type DomainEvent } from '../domain-event';
import { startConsumerLoop, type EntrySource } from './consumer-loop';
import { resolveConsumerOptions, type StreamEntry } from './deliver-batch';
import { DEFAULT_DEAD_LETTER_LIMIT, type DeadLetter, type EventStream, type StreamConsumer, type StreamConsumerOptions, type StreamInspection } from './event-stream';

export interface InProcessEventStreamOptions {
  /** Oldest entries beyond this many are dropped even if unread, as Redis MAXLEN would. Default 100_000. */
  maxLength?: number;
  /** Dead letters kept (newest). Default 10_000. */
  maxDeadLetters?: number;
  /** Used when a consumer gives no onError. Defaults to console.error. */
  onError?(error: unknown, detail: Record<string, unknown>): void;
}

interface Pending {
  consumer: string;
  deliveries: number;
  deliveredAt: number;
}

interface Group {
  /** Sequence of the next entry never delivered to this group. */
  cursor: number;
  /** By entry sequence, in sequence order. */
  pending: Map<number, Pending>;
}

/**
 * The EventStream for the embedded mode inside one process, with the same semantics as Redis: groups with a cursor,
 * pending entries with delivery counts, claims after claimIdleMs. Payloads are kept as JSON, as on Redis. Nothing is
 * ever lost, so onDataLoss listeners never fire.
 */
export class InProcessEventStream implements EventStream {
  private readonly entries = new Map<number, string>();
  /** Sequence of the oldest entry still held; entries are numbered from 1. */
  private firstSeq = 1;
  private nextSeq = 1;
  private readonly groups = new Map<string, Group>();
  private readonly waiting = new Set<() => void>();
  private readonly consumers = new Set<StreamConsumer>();
  private dead: DeadLetter[] = [];
  private closing: Promise<void> | null = null;
  private readonly maxLength: number;
  private readonly maxDeadLetters: number;
  private readonly report: (error: unknown, detail: Record<string, unknown>) => void;

  constructor(options: InProcessEventStreamOptions = {}) {
    this.maxLength = options.maxLength ?? 100_000;
    this.maxDeadLetters = options.maxDeadLetters ?? 10_000;
    const onError = options.onError?.bind(options);
    this.report = onError ?? ((error, detail) => console.error('EventStream: consumer error', detail, error));
  }

  async append(events: readonly DomainEvent[]): Promise<void> {
    this.assertOpen('append');
    // Every envelope is checked before any is stored, so a bad one appends nothing.
    this.appendPayloads(events.map((event) => serializeDomainEvent(event)));
  }

  /** Stores payloads as received, unchecked, as a foreign producer on Redis could; consumers dead-letter what they cannot read. */
  appendRaw(payload: string): void {
    this.assertOpen('append');
    this.appendPayloads([payload]);
  }

  async consume(options: StreamConsumerOptions): Promise<StreamConsumer> {
    this.assertOpen('consume');
    const settings = resolveConsumerOptions(options, this.report);
    const group = this.groupNamed(settings.group);
    const consumer = startConsumerLoop(this.sourceFor(group, settings.consumer, settings.claimIdleMs, settings.batchSize), settings);
    const tracked: StreamConsumer = {
      stop: async () => {
        await consumer.stop();
        this.consumers.delete(tracked);
      },
    };
    this.consumers.add(tracked);
    return tracked;
  }

  async deadLetters(limit = DEFAULT_DEAD_LETTER_LIMIT): Promise<DeadLetter[]> {
    return this.dead.slice(-limit).reverse().map((letter) => ({ ...letter }));
  }

  async inspect(): Promise<StreamInspection> {
    return {
      groups: [...this.groups].map(([name, group]) => ({ name, pending: group.pending.size, lag: this.nextSeq - Math.max(group.cursor, this.firstSeq) })),
      deadLetters: this.dead.length,
    };
  }

  onDataLoss(_listener: () => void): () => void {
    return () => undefined;
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([...this.consumers].map((consumer) => consumer.stop())).then(() => undefined);
    return this.closing;
  }

  private assertOpen(attempt: string): void {
    if (this.closing) throw new Error(`EventStream is closed: cannot ${attempt} after close()`);
  }

  private appendPayloads(payloads: readonly string[]): void {
    for (const payload of payloads) {
      this.entries.set(this.nextSeq, payload);
      this.nextSeq += 1;
    }
    this.dropBelow(this.nextSeq - this.maxLength);
    const waiting = [...this.waiting];
    this.waiting.clear();
    waiting.forEach((wake) => wake());
  }

  private groupNamed(name: string): Group {
    let group = this.groups.get(name);
    if (!group) {
      // A new group starts at the beginning of what the stream holds.
      group = { cursor: this.firstSeq, pending: new Map() };
      this.groups.set(name, group);
    }
    return group;
  }

  private sourceFor(group: Group, consumer: string, claimIdleMs: number, batchSize: number): EntrySource {
    let wakeRead: (() => void) | null = null;
    const deliver = (seq: number, pending: Pending): StreamEntry | null => {
      const payload = this.entries.get(seq);
      if (payload === undefined) {
        group.pending.delete(seq); // dropped by maxLength: as on Redis, nothing left to deliver
        return null;
      }
      pending.consumer = consumer;
      pending.deliveries += 1;
      pending.deliveredAt = Date.now();
      return { id: String(seq), payload, deliveries: pending.deliveries };
    };
    return {
      claim: async () => {
        const idleSince = Date.now() - claimIdleMs;
        const entries: StreamEntry[] = [];
        for (const [seq, pending] of group.pending) {
          if (entries.length >= batchSize) break;
          if (pending.deliveredAt > idleSince) continue;
          const entry = deliver(seq, pending);
          if (entry) entries.push(entry);
        }
        return { entries, more: false };
      },
      read: async (waitMs) => {
        if (group.cursor >= this.nextSeq) {
          await new Promise<void>((resolve) => {
            const wake = (): void => {
              clearTimeout(timer);
              this.waiting.delete(wake);
              wakeRead = null;
              resolve();
            };
            const timer = setTimeout(wake, waitMs);
            this.waiting.add(wake);
            wakeRead = wake;
          });
        }
        group.cursor = Math.max(group.cursor, this.firstSeq);
        const entries: StreamEntry[] = [];
        while (group.cursor < this.nextSeq && entries.length < batchSize) {
          const seq = group.cursor;
          group.cursor += 1;
          const pending: Pending = { consumer, deliveries: 0, deliveredAt: 0 };
          group.pending.set(seq, pending);
          const entry = deliver(seq, pending);
          if (entry) entries.push({ id: entry.id, payload: entry.payload });
        }
        return entries;
      },
      ack: async (ids) => {
        for (const id of ids) group.pending.delete(Number(id));
        this.dropAcknowledged();
      },
      deadLetter: async (letter) => {
        this.dead.push(letter);
        if (this.dead.length > this.maxDeadLetters) this.dead = this.dead.slice(-this.maxDeadLetters);
        group.pending.delete(Number(letter.entryId));
        this.dropAcknowledged();
      },
      deliveries: async (id) => group.pending.get(Number(id))?.deliveries ?? 0,
      interrupt: () => wakeRead?.(),
      recover: async () => undefined,
      close: async () => undefined,
    };
  }

  /** Entries every group has read and acknowledged are of no more use. */
  private dropAcknowledged(): void {
    let keepFrom = this.nextSeq;
    for (const group of this.groups.values()) {
      keepFrom = Math.min(keepFrom, group.cursor);
      const oldestPending = group.pending.keys().next();
      if (!oldestPending.done) keepFrom = Math.min(keepFrom, oldestPending.value);
    }
    this.dropBelow(keepFrom);
  }

  private dropBelow(seq: number): void {
    while (this.firstSeq < seq) {
      this.entries.delete(this.firstSeq);
      this.firstSeq += 1;
    }
  }
}
