import { Client } from 'pg';
import { returningRows } from '../../database/returning-rows';
import type { ScopedDatabase } from '../../database/scoped-database';
import type { Logger } from '../../logging/logger';
import type { DomainEvent } from '../domain-event';
import type { EventBus } from '../event-bus';
import type { EventStream } from '../stream/event-stream';
import { EVENT_COLUMNS, eventFromRow, type EventRow } from './event-store';
import { OUTBOX_CHANNEL } from './event-store-schema';
import type { OutboxSignal } from './outbox-signal';

export interface OutboxRelayOptions {
  /** Platform scope: the relay reads every tenant's events. */
  database: ScopedDatabase;
  /** The durable stream every committed event is appended to, in position order. */
  stream: EventStream;
  /** The live bus, published to after the stream has the events (best effort: live consumers may miss some). */
  bus: EventBus;
  signal: OutboxSignal;
  /** Where to LISTEN for other processes' commits (real PostgreSQL); omitted in embedded mode, where one process writes. */
  listenUrl?: string;
  /** Unique per relay (process). */
  holder: string;
  logger: Logger;
  /** How long a relay's lease lasts without renewal; another replica takes over after it. Default 10 s. */
  leaseMs?: number;
  batchSize?: number;
  /** Fallback wake-up when no notification arrives (default 1 s). */
  pollMs?: number;
  /** After the stream lost its data (a Redis restarted without persistence), events published this recently are published again. Default 10 min. */
  replayWindowMs?: number;
}

const LEASE = 'relay';

/**
 * Moves committed events from a subgraph's event store to the stream and the live bus. Any number of replicas run
 * one each; a lease row makes exactly one of them the mover at a time. The mover keeps the lease row locked for the
 * whole transaction that reads, appends and marks a batch, so a replica taking over waits for it and can neither
 * publish the same events again nor overtake them: the stream holds each event once, in position order.
 */
export class OutboxRelay {
  private stopped = false;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private rang = false;
  private listener: Client | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly replayWindowMs: number;
  private replayRequested = false;
  private lossesHeard = 0;
  /** Counters for operators and tests. */
  readonly stats = { relayed: 0, batches: 0, failures: 0, replays: 0 };

  constructor(private readonly options: OutboxRelayOptions) {
    this.leaseMs = options.leaseMs ?? 10_000;
    this.batchSize = options.batchSize ?? 500;
    this.pollMs = options.pollMs ?? 1_000;
    this.replayWindowMs = options.replayWindowMs ?? 600_000;
  }

  async start(): Promise<void> {
    this.unsubscribe.push(this.options.signal.listen(() => this.ring()));
    this.unsubscribe.push(
      this.options.stream.onDataLoss(() => {
        this.lossesHeard += 1;
        this.replayRequested = true;
        this.ring();
      }),
    );
    if (this.options.listenUrl) {
      const url = this.options.listenUrl;
      await this.listen(url).catch((error: unknown) => this.relisten(url, error));
    }
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe.splice(0).forEach((off) => off());
    this.ring();
    await this.running;
    // Whatever the last requests committed is still moved, unless the stream is unreachable (then the next start does).
    for (let round = 0; round < 20; round += 1) {
      const moved = await this.relayOnce().catch(() => 0);
      if (moved < this.batchSize && !this.replayRequested) break;
    }
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
    // Let another replica take over at once instead of after the lease runs out.
    await this.options.database.query(`DELETE FROM outbox_relay_lease WHERE name = $1 AND holder = $2`, [LEASE, this.options.holder]).catch(() => undefined);
  }

  /** Moves at most one batch; returns how many events it moved (0 when another replica holds the lease). */
  async relayOnce(): Promise<number> {
    if (this.replayRequested) {
      this.replayRequested = false;
      // A replay that failed is still owed; a loss heard while it ran asks for another.
      await this.replay().catch((error: unknown) => {
        this.replayRequested = true;
        throw error;
      });
    }
    const { database, stream, holder } = this.options;
    const moved = await database.run(async (manager): Promise<DomainEvent[]> => {
      // One round trip: take or renew the lease (its row stays locked until COMMIT) and, only if it is ours, read the batch.
      const rows = await manager.query<(EventRow & { position: string })[]>(
        `WITH lease AS (
           INSERT INTO outbox_relay_lease (name, holder, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
           ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
           WHERE outbox_relay_lease.holder = EXCLUDED.holder OR outbox_relay_lease.expires_at < now()
           RETURNING holder
         )
         SELECT position, ${EVENT_COLUMNS} FROM event_store
         WHERE published_at IS NULL AND EXISTS (SELECT 1 FROM lease)
         ORDER BY position LIMIT $4`,
        [LEASE, holder, this.leaseMs, this.batchSize],
      );
      // A loss heard since the replay above: this batch may be newer than what was lost, so the replay goes first.
      if (rows.length === 0 || this.replayRequested) return [];
      const events = rows.map(eventFromRow);
      // Inside the transaction: if the append fails, nothing is marked and the batch is moved again later.
      await stream.append(events);
      await manager.query(`UPDATE event_store SET published_at = now() WHERE position = ANY($1::bigint[])`, [rows.map((r) => r.position)]);
      return events;
    });
    if (moved.length > 0) {
      this.stats.relayed += moved.length;
      this.stats.batches += 1;
      // Sent in order on one connection without waiting for each reply: the next batch is not held up by the live bus.
      await Promise.all(
        moved.map((event) => this.options.bus.publish(event).catch((error: unknown) => this.options.logger.warn('live bus publish failed', { type: event.type, error }))),
      );
    }
    return moved.length;
  }

  /** Marks recently published events unpublished again, so they reach a stream that lost them. Consumers are idempotent. */
  private async replay(): Promise<void> {
    const replayed = await this.options.database.run((manager) =>
      returningRows<{ position: string }>(
        manager,
        `UPDATE event_store SET published_at = NULL WHERE published_at > now() - $1 * interval '1 millisecond' RETURNING position`,
        [this.replayWindowMs],
      ),
    );
    this.stats.replays += 1;
    this.options.logger.warn('event stream lost its data; publishing recent events again', { events: replayed.length, windowMs: this.replayWindowMs });
  }

  private ring(): void {
    this.rang = true;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      this.rang = false;
      const lossesBefore = this.lossesHeard;
      let moved = 0;
      try {
        moved = await this.relayOnce();
        backoff = 100;
      } catch (error) {
        // The stream refused the batch because it lost data meanwhile: replay at once, then move the batch again.
        if (this.lossesHeard !== lossesBefore) continue;
        this.stats.failures += 1;
        this.options.logger.warn('outbox relay could not move events; retrying', { error, retryInMs: backoff });
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 2_000);
        continue;
      }
      if (moved === this.batchSize || this.rang) continue;
      await this.sleep(this.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  /** Until LISTEN works again the relay still polls every pollMs, so nothing waits longer than that. */
  private relisten(url: string, error: unknown): void {
    if (this.stopped) return;
    this.options.logger.warn('outbox LISTEN connection failed; polling until it is back', { error });
    setTimeout(() => void this.listen(url).catch((again: unknown) => this.relisten(url, again)), this.pollMs * 5).unref();
  }

  private async listen(url: string): Promise<void> {
    const client = new Client({ connectionString: url });
    client.on('notification', () => this.ring());
    client.on('error', (error) => {
      this.listener = null;
      this.relisten(url, error);
    });
    await client.connect();
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    if (this.stopped) await client.end();
    else this.listener = client;
  }
}
