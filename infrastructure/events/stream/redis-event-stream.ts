import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logging/logger';
import { serializeDomainEvent, type DomainEvent } from '../domain-event';
import { startConsumerLoop } from './consumer-loop';
import { errorMessage, resolveConsumerOptions } from './deliver-batch';
import { DEFAULT_DEAD_LETTER_LIMIT, type DeadLetter, type EventStream, type StreamConsumer, type StreamConsumerOptions, type StreamInspection } from './event-stream';
import { createGroup, RedisEntrySource } from './redis-entry-source';

export interface RedisEventStreamOptions {
  /**
   * For XADD, XACK, XAUTOCLAIM and the marker. Owned by the caller: close() leaves it open. Created with
   * maxRetriesPerRequest: 0, so an append cut off by a disconnect fails instead of arriving late.
   */
  connection: Redis;
  /** Called once per consumer for its XREADGROUP BLOCK; the consumer owns it and disconnects it when stopped. */
  createBlockingConnection: () => Redis;
  /** Default 'lattice:stream:events'; the dead letters live in `${key}:dead`, the marker in `${key}:marker`. */
  key?: string;
  /** XADD MAXLEN ~ (approximate trim): entries beyond this are dropped, read or not. Default 1_000_000. */
  maxLength?: number;
  /** Told about consumer errors when a consumer gives no onError, and about marker checks that failed. */
  logger?: Logger;
}

/**
 * An EventStream on a Redis stream. Each entry carries the serialized envelope in field `event`, plus `type` and
 * `tenant` for people reading the stream by hand. Consumers survive a Redis restart: they recreate their group and
 * carry on, and onDataLoss tells the relay to re-append what the restart lost.
 */
export class RedisEventStream implements EventStream {
  private readonly connection: Redis;
  private readonly createBlockingConnection: () => Redis;
  private readonly key: string;
  private readonly deadKey: string;
  private readonly markerKey: string;
  private readonly maxLength: number;
  private readonly logger: Logger | undefined;
  private readonly consumers = new Set<StreamConsumer>();
  private readonly lossListeners = new Set<() => void>();
  /** A loss found before anyone listened; the first listener hears of it, so a relay that starts late still re-appends. */
  private unheardLoss = false;
  /** The marker value this instance last saw; a different one means another process found the marker gone. */
  private markerSeen: string | null = null;
  /**
   * The marker check of the current connection; null from a disconnect until the next 'ready' has started one.
   * Nothing is appended to a (re)connected Redis before its check has told the loss listeners, so the relay replays
   * what a restart lost before anything newer reaches the stream, and the stream keeps each aggregate's order.
   */
  private markerCheck: Promise<void> | null = null;
  /** Data losses this instance has found; an append that waited through one is refused. */
  private lossesFound = 0;
  private readonly onReady = (): void => {
    this.markerCheck = this.checkMarker();
  };
  private readonly onClose = (): void => {
    this.markerCheck = null;
  };
  private closing: Promise<void> | null = null;

  constructor(options: RedisEventStreamOptions) {
    this.connection = options.connection;
    this.createBlockingConnection = options.createBlockingConnection;
    this.key = options.key ?? 'lattice:stream:events';
    this.deadKey = `${this.key}:dead`;
    this.markerKey = `${this.key}:marker`;
    this.maxLength = options.maxLength ?? 1_000_000;
    this.logger = options.logger;
    if (this.key === '') throw new TypeError("RedisEventStream: key must not be empty (default 'lattice:stream:events')");
    if (!Number.isSafeInteger(this.maxLength) || this.maxLength < 1) {
      throw new TypeError(`RedisEventStream: maxLength must be a positive integer (got ${String(options.maxLength)})`);
    }
    if (this.connection.options.maxRetriesPerRequest !== 0) {
      // Otherwise ioredis keeps an append that was in flight at a disconnect and either resends it on reconnect,
      // before the marker check (to a Redis that lost its data it would overtake the replay of what was lost), or,
      // with autoResendUnfulfilledCommands off, never settles it. With 0 it fails at the disconnect and the relay
      // sends it again after any replay.
      throw new TypeError('RedisEventStream: the connection must be created with maxRetriesPerRequest: 0');
    }
    this.connection.on('ready', this.onReady);
    this.connection.on('close', this.onClose);
    if (this.connection.status === 'ready') this.onReady();
  }

  /** Fails at once while the connection is down (no queueing for a reconnect): readiness wants the answer now. */
  async ping(): Promise<void> {
    if (this.connection.status !== 'ready') throw new Error(`Redis connection is ${this.connection.status}`);
    await this.connection.ping();
  }

  async append(events: readonly DomainEvent[]): Promise<void> {
    this.assertOpen('append');
    // Every envelope is checked before anything is sent, so a bad one appends nothing.
    const payloads = events.map((event) => serializeDomainEvent(event));
    if (payloads.length === 0) return;
    const check = this.markerCheck;
    if (this.connection.status !== 'ready' || check === null) throw this.notConnected(payloads.length);
    const lossesBefore = this.lossesFound;
    await check;
    if (this.lossesFound !== lossesBefore) {
      // These events may be newer than ones the restart lost: appended now, they would overtake the replay.
      throw new Error(`EventStream: Redis lost its data while ${payloads.length} event(s) waited to be appended; nothing was appended`);
    }
    if (this.connection.status !== 'ready' || this.markerCheck !== check) throw this.notConnected(payloads.length);
    const pipeline = this.connection.pipeline();
    events.forEach((event, index) => {
      pipeline.xadd(this.key, 'MAXLEN', '~', this.maxLength, '*', 'event', payloads[index] ?? '', 'type', event.type, 'tenant', event.tenantId ?? 'platform');
    });
    const results = await pipeline.exec();
    const failure = results === null ? new Error('the pipeline was discarded') : results.find(([error]) => error !== null)?.[0];
    if (failure) {
      throw new Error(`EventStream: appending ${payloads.length} event(s) failed, some may be stored: ${errorMessage(failure)}`);
    }
  }

  async consume(options: StreamConsumerOptions): Promise<StreamConsumer> {
    this.assertOpen('consume');
    const settings = resolveConsumerOptions(options, (error, detail) => this.reportConsumerError(error, detail));
    await createGroup(this.connection, this.key, settings.group);
    const blocking = this.createBlockingConnection();
    if (blocking.listenerCount('error') === 0) {
      // Read failures reach onError through the consumer loop; without a listener ioredis would also print each one.
      blocking.on('error', () => undefined);
    }
    const source = new RedisEntrySource(this.connection, blocking, { key: this.key, deadKey: this.deadKey, maxLength: this.maxLength }, settings);
    const consumer = startConsumerLoop(source, settings);
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
    const rows = await this.connection.xrevrange(this.deadKey, '+', '-', 'COUNT', limit);
    return rows.map(([, fields]) => {
      const field = (name: string): string => {
        const index = fields.indexOf(name);
        return index % 2 === 0 ? (fields[index + 1] ?? '') : '';
      };
      return {
        entryId: field('entryId'),
        group: field('group'),
        reason: field('reason'),
        deliveries: Number(field('deliveries')),
        payload: field('payload'),
        deadAt: field('deadAt'),
      };
    });
  }

  /** XINFO GROUPS (each group's pending count and, on Redis 7, its lag) and XLEN of the dead-letter stream. */
  async inspect(): Promise<StreamInspection> {
    // Not queued for a reconnect: a scrape must answer now, and an unreachable Redis is what it should show.
    if (this.connection.status !== 'ready') throw new Error(`Redis is not connected (status ${this.connection.status})`);
    const [groups, deadLetters] = await Promise.all([
      this.connection.xinfo('GROUPS', this.key).catch((error: unknown) => {
        // No stream yet (nothing appended, no group created): no groups either.
        if (errorMessage(error).includes('no such key')) return [];
        throw error;
      }),
      this.connection.xlen(this.deadKey),
    ]);
    return { groups: (Array.isArray(groups) ? groups : []).map(groupInfo), deadLetters };
  }

  onDataLoss(listener: () => void): () => void {
    this.lossListeners.add(listener);
    if (this.unheardLoss) {
      this.unheardLoss = false;
      queueMicrotask(() => this.tell(listener));
    }
    return () => {
      this.lossListeners.delete(listener);
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.connection.removeListener('ready', this.onReady);
      this.connection.removeListener('close', this.onClose);
      await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
    })();
    return this.closing;
  }

  /** Queued commands would wait for a reconnect the caller cannot see; the relay retries instead. */
  private notConnected(count: number): Error {
    return new Error(`EventStream: cannot append ${count} event(s): Redis is not connected (status ${this.connection.status})`);
  }

  private assertOpen(attempt: string): void {
    if (this.closing) throw new Error(`EventStream is closed: cannot ${attempt} after close()`);
  }

  /**
   * SET NX a marker on every connect. Created now: the stream lost everything (or never held anything). Changed since
   * this instance last looked: another process found it missing first, so this one lost the same data.
   */
  private async checkMarker(): Promise<void> {
    let created: boolean;
    let current: string | null;
    try {
      const results = await this.connection.multi().set(this.markerKey, randomUUID(), 'NX').get(this.markerKey).exec();
      const [setReply, getReply] = results ?? [];
      if (!setReply || !getReply || setReply[0] || getReply[0]) throw setReply?.[0] ?? getReply?.[0] ?? new Error('MULTI was discarded');
      created = setReply[1] === 'OK';
      current = typeof getReply[1] === 'string' ? getReply[1] : null;
    } catch (error) {
      this.logger?.warn('event stream marker check failed; a data loss may go unnoticed until the next reconnect', {
        key: this.key,
        error: errorMessage(error),
      });
      return;
    }
    const lost = created || (this.markerSeen !== null && current !== this.markerSeen);
    this.markerSeen = current;
    if (!lost) return;
    this.lossesFound += 1;
    this.logger?.warn('event stream found empty: Redis lost its data or this is a first start', { key: this.key });
    if (this.lossListeners.size === 0) {
      this.unheardLoss = true;
      return;
    }
    [...this.lossListeners].forEach((listener) => this.tell(listener));
  }

  private tell(listener: () => void): void {
    try {
      listener();
    } catch (error) {
      this.logger?.error('an onDataLoss listener threw', { key: this.key, error: errorMessage(error) });
    }
  }

  private reportConsumerError(error: unknown, detail: Record<string, unknown>): void {
    if (this.logger) {
      this.logger.error('event stream consumer error', { ...detail, key: this.key, error: errorMessage(error) });
    } else {
      console.error('EventStream: consumer error', { ...detail, key: this.key }, error);
    }
  }
}

/** One group of an XINFO GROUPS reply: a flat list of field names and values. */
function groupInfo(reply: unknown): StreamInspection['groups'][number] {
  const fields = Array.isArray(reply) ? (reply as unknown[]) : [];
  const field = (name: string): unknown => {
    const index = fields.findIndex((value, i) => i % 2 === 0 && value === name);
    return index < 0 ? undefined : fields[index + 1];
  };
  const lag = field('lag');
  const name = field('name');
  return {
    name: typeof name === 'string' ? name : '',
    pending: Number(field('pending') ?? 0),
    // Before Redis 7 there is no lag field; a nil lag means Redis cannot tell (entries were deleted or trimmed).
    lag: lag === undefined || lag === null ? null : Number(lag),
  };
}
