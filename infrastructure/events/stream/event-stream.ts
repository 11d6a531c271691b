import type { DomainEvent } from '../domain-event';
import { EVENT_TYPES, isEventType } from '../event-types';

/** An entry that was taken out of delivery: it could not be read, was refused, or kept failing. */
export interface DeadLetter {
  /** Stream entry id of the original message (Redis) or a sequence (in-process). */
  entryId: string;
  group: string;
  /** e.g. 'malformed: payload is not JSON (...)', 'unknown event type x.y', 'failed 5 deliveries: <last error message>'. */
  reason: string;
  deliveries: number;
  /** The raw message as received. */
  payload: string;
  /** ISO timestamp. */
  deadAt: string;
}

export interface StreamConsumerOptions {
  /** e.g. 'audit'. A group created for the first time starts at the beginning of the stream. */
  group: string;
  /** Unique per process, e.g. `${hostname}-${pid}-${random}`. */
  consumer: string;
  /**
   * Called with a batch of valid events in stream order. Resolving acknowledges all of them. Throwing: the consumer
   * retries the events of that batch one at a time, acknowledging those that succeed; one that keeps failing is
   * delivered again later and after maxDeliveries goes to the dead-letter stream with the last error as reason.
   * Delivery is at least once, so handlers must be idempotent.
   */
  handle(events: readonly DomainEvent[]): Promise<void>;
  /** Default 200. */
  batchSize?: number;
  /** Default 5. */
  maxDeliveries?: number;
  /** Entries pending longer than this with any consumer (a crashed one, or a failed delivery) are claimed. Default 30_000. */
  claimIdleMs?: number;
  /** Longest wait for new entries before checking again. Default 1000 so stop() is prompt. */
  blockMs?: number;
  /** Reason to refuse an event, or null to accept. Default: `validateRegisteredEvent`. */
  validate?(event: DomainEvent): string | null;
  /** Told about failed handler calls and storage errors; the consumer carries on. */
  onError?(error: unknown, detail: Record<string, unknown>): void;
  /** Told of every entry this consumer moved to the dead-letter stream, once it is stored there (logs, alerts). */
  onDeadLetter?(letter: DeadLetter): void;
}

export interface StreamConsumer {
  /** Stops reading; resolves after the batch being handled (if any) finished and was acknowledged. */
  stop(): Promise<void>;
}

/** What a stream holds for its readers right now (metrics): per consumer group, and its dead letters. */
export interface StreamInspection {
  readonly groups: readonly {
    readonly name: string;
    /** Entries delivered to the group's consumers and not acknowledged yet (XPENDING). */
    readonly pending: number;
    /** Entries not yet delivered to the group at all; null when the stream cannot tell (Redis after some trims). */
    readonly lag: number | null;
  }[];
  /** Entries in the dead-letter stream. */
  readonly deadLetters: number;
}

/** A durable, ordered stream of domain events read through consumer groups, at least once. */
export interface EventStream {
  /** Appends in the given order; resolves once the stream holds them. Rejects (does not drop) when the server is unreachable. */
  append(events: readonly DomainEvent[]): Promise<void>;
  consume(options: StreamConsumerOptions): Promise<StreamConsumer>;
  /** The most recent dead letters, newest first. Default limit 100. */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /**
   * Called whenever the stream is found to have lost what it held: for Redis, when on (re)connect a marker key this
   * stream sets is missing (a Redis restarted without persistence, or a first start). The relay then re-appends its
   * recent window; consumers are idempotent. A loss found before anyone listened is told to the first listener, so a
   * relay that subscribes after constructing the stream still hears about it. Returns an unsubscribe function.
   */
  onDataLoss(listener: () => void): () => void;
  /** Resolves when the stream's server answers now (readiness); rejects when it does not. Optional, like `inspect`. */
  ping?(): Promise<void>;
  /** Read-only: what the stream holds for its consumer groups now. Optional, so wrappers and test doubles need not. */
  inspect?(): Promise<StreamInspection>;
  /** Stops every consumer (waiting for their running batches). Leaves connections it was given open. */
  close(): Promise<void>;
}

/** Default validate: unknown type (not in EVENT_TYPES) or a schemaVersion other than the registered one → a reason. */
export function validateRegisteredEvent(event: DomainEvent): string | null {
  if (!isEventType(event.type)) {
    return `unknown event type ${event.type}`;
  }
  const current = EVENT_TYPES[event.type];
  if (event.schemaVersion !== current) {
    return `schemaVersion ${event.schemaVersion} of ${event.type} is not supported (current ${current})`;
  }
  return null;
}

export const DEFAULT_DEAD_LETTER_LIMIT = 100;

/**
 * What a log line says of a dead letter: where it was, why, and which event it held as far as the payload can be
 * read (id, type, tenant, source), never the payload itself.
 */
export function describeDeadLetter(letter: DeadLetter): Record<string, unknown> {
  let held: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(letter.payload);
    if (typeof parsed === 'object' && parsed !== null) {
      const { id, type, tenantId, source } = parsed as Record<string, unknown>;
      held = Object.fromEntries(Object.entries({ eventId: id, eventType: type, tenantId, source }).filter(([, v]) => typeof v === 'string' || v === null));
    }
  } catch {
    // Not JSON: the reason already says so.
  }
  return { entryId: letter.entryId, group: letter.group, reason: letter.reason, deliveries: letter.deliveries, ...held };
}
