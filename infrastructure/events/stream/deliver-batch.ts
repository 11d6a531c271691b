import { parseDomainEvent, type DomainEvent } from '../domain-event';
import { validateRegisteredEvent, type DeadLetter, type StreamConsumerOptions } from './event-stream';

/** One stream entry as a consumer received it. */
export interface StreamEntry {
  id: string;
  /** The serialized envelope, or null when the entry carries none. */
  payload: string | null;
  /** Deliveries so far, this one included, when the source knows it up front (claimed entries). */
  deliveries?: number;
}

/** How a source records the outcome of a delivery. */
export interface EntrySettlement {
  ack(ids: readonly string[]): Promise<void>;
  /** Stores the dead letter, then acknowledges its entry. */
  deadLetter(letter: DeadLetter): Promise<void>;
  /** How many times a pending entry has been delivered; 0 if it is no longer pending. */
  deliveries(id: string): Promise<number>;
}

export type ConsumerSettings = Required<Omit<StreamConsumerOptions, 'validate' | 'onError' | 'onDeadLetter'>> & {
  validate(event: DomainEvent): string | null;
  report(error: unknown, detail: Record<string, unknown>): void;
  deadLettered(letter: DeadLetter): void;
};

export function resolveConsumerOptions(
  options: StreamConsumerOptions,
  fallbackReport: (error: unknown, detail: Record<string, unknown>) => void,
): ConsumerSettings {
  const settings = {
    group: options.group,
    consumer: options.consumer,
    handle: options.handle.bind(options),
    batchSize: options.batchSize ?? 200,
    maxDeliveries: options.maxDeliveries ?? 5,
    claimIdleMs: options.claimIdleMs ?? 30_000,
    blockMs: options.blockMs ?? 1000,
    validate: options.validate ? options.validate.bind(options) : validateRegisteredEvent,
    report: safeReporter(options.onError ? options.onError.bind(options) : fallbackReport, fallbackReport),
    deadLettered: (letter: DeadLetter) => {
      try {
        options.onDeadLetter?.(letter);
      } catch (error) {
        fallbackReport(error, { group: options.group, consumer: options.consumer, stage: 'onDeadLetter', entryId: letter.entryId });
      }
    },
  };
  for (const [name, value] of [['group', settings.group], ['consumer', settings.consumer]] as const) {
    if (typeof value !== 'string' || value === '') {
      throw new TypeError(`EventStream.consume: ${name} must be a non-empty string (got ${JSON.stringify(value)})`);
    }
  }
  for (const [name, value] of [
    ['batchSize', settings.batchSize],
    ['maxDeliveries', settings.maxDeliveries],
    ['claimIdleMs', settings.claimIdleMs],
    ['blockMs', settings.blockMs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(`EventStream.consume: ${name} must be a positive integer (got ${String(value)})`);
    }
  }
  return settings;
}

/**
 * Hands a batch to the handler and settles every entry: acknowledged, dead-lettered, or left pending to be
 * claimed and delivered again. Storage errors propagate (the entries stay pending); handler errors do not.
 */
export async function deliverBatch(entries: readonly StreamEntry[], settings: ConsumerSettings, settle: EntrySettlement): Promise<void> {
  const accepted: Array<{ entry: StreamEntry & { payload: string }; event: DomainEvent }> = [];
  for (const entry of entries) {
    const read = readEntry(entry, settings);
    if ('reason' in read) {
      await deadLetterEntry(settle, settings, deadLetter(entry, settings, read.reason, entry.deliveries ?? 1));
    } else if (entry.deliveries !== undefined && entry.deliveries > settings.maxDeliveries) {
      // Delivered maxDeliveries times without an outcome: whatever held it died or hung, perhaps because of it.
      const earlier = entry.deliveries - 1;
      await deadLetterEntry(settle, settings, deadLetter(entry, settings, `failed ${earlier} deliveries: never acknowledged (the consumer holding it stopped)`, earlier));
    } else {
      accepted.push({ entry: { ...entry, payload: read.payload }, event: read.event });
    }
  }
  if (accepted.length === 0) return;

  try {
    await settings.handle(accepted.map(({ event }) => event));
  } catch (error) {
    if (accepted.length === 1 && accepted[0]) {
      // A batch of one already says which event failed; calling the handler again now would add nothing.
      await settleFailure(accepted[0].entry, error, settings, settle);
      return;
    }
    settings.report(error, { group: settings.group, consumer: settings.consumer, stage: 'handle batch', entryIds: accepted.map(({ entry }) => entry.id) });
    await retryOneAtATime(accepted.map(({ entry }) => entry), settings, settle);
    return;
  }
  await settle.ack(accepted.map(({ entry }) => entry.id));
}

async function retryOneAtATime(
  entries: ReadonlyArray<StreamEntry & { payload: string }>,
  settings: ConsumerSettings,
  settle: EntrySettlement,
): Promise<void> {
  const handled: string[] = [];
  try {
    for (const entry of entries) {
      try {
        // Parsed again: the failed batch call may have changed the objects it was given.
        await settings.handle([parseDomainEvent(entry.payload)]);
        handled.push(entry.id);
      } catch (error) {
        await settleFailure(entry, error, settings, settle);
      }
    }
  } finally {
    // Even when settling a failure hit a storage error, what was handled is acknowledged.
    if (handled.length > 0) await settle.ack(handled);
  }
}

async function settleFailure(entry: StreamEntry & { payload: string }, error: unknown, settings: ConsumerSettings, settle: EntrySettlement): Promise<void> {
  settings.report(error, { group: settings.group, consumer: settings.consumer, stage: 'handle', entryId: entry.id });
  const deliveries = await settle.deliveries(entry.id);
  if (deliveries >= settings.maxDeliveries) {
    await deadLetterEntry(settle, settings, deadLetter(entry, settings, `failed ${deliveries} deliveries: ${errorMessage(error)}`, deliveries));
  }
  // Otherwise it stays pending, and is claimed and delivered again once idle for claimIdleMs.
}

function readEntry(entry: StreamEntry, settings: ConsumerSettings): { event: DomainEvent; payload: string } | { reason: string } {
  if (entry.payload === null) {
    return { reason: 'malformed: the entry has no event field' };
  }
  let event: DomainEvent;
  try {
    event = parseDomainEvent(entry.payload);
  } catch (error) {
    return { reason: `malformed: ${errorMessage(error).replace(/^Not a DomainEvent: /, '')}` };
  }
  let refusal: string | null;
  try {
    refusal = settings.validate(event);
  } catch (error) {
    refusal = `validate threw: ${errorMessage(error)}`;
  }
  return refusal === null ? { event, payload: entry.payload } : { reason: refusal };
}

/** Stores the dead letter, then tells the consumer's owner (after, so a letter it hears of is really stored). */
async function deadLetterEntry(settle: EntrySettlement, settings: ConsumerSettings, letter: DeadLetter): Promise<void> {
  await settle.deadLetter(letter);
  settings.deadLettered(letter);
}

function deadLetter(entry: StreamEntry, settings: ConsumerSettings, reason: string, deliveries: number): DeadLetter {
  return { entryId: entry.id, group: settings.group, reason, deliveries, payload: entry.payload ?? '', deadAt: new Date().toISOString() };
}

function safeReporter(
  report: (error: unknown, detail: Record<string, unknown>) => void,
  fallback: (error: unknown, detail: Record<string, unknown>) => void,
): (error: unknown, detail: Record<string, unknown>) => void {
  return (error, detail) => {
    try {
      report(error, detail);
    } catch (reportFailure) {
      // A broken onError must not stop the consumer; the fallback is the last place the failure can surface.
      fallback(reportFailure, { ...detail, stage: 'onError', original: errorMessage(error) });
    }
  };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
