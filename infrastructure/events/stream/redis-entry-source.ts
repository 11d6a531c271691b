import type { Redis } from 'ioredis';
import type { EntrySource } from './consumer-loop';
import type { ConsumerSettings, StreamEntry } from './deliver-batch';
import type { DeadLetter } from './event-stream';

export interface RedisStreamKeys {
  key: string;
  deadKey: string;
  maxLength: number;
}

/** Grace beyond blockMs for a read to come back by itself before stop() cuts its connection. */
const STOP_GRACE_MS = 1000;

/** One consumer's view of the Redis stream: XAUTOCLAIM and XREADGROUP in, XACK and the dead-letter stream out. */
export class RedisEntrySource implements EntrySource {
  private claimCursor = '0-0';
  private reading = false;
  private interrupted = false;
  private cutTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly connection: Redis,
    /** Owned by this source: only XREADGROUP BLOCK runs on it, so blocking never delays acks. */
    private readonly blocking: Redis,
    private readonly keys: RedisStreamKeys,
    private readonly settings: ConsumerSettings,
  ) {}

  /** Where this consumer's own pending entries are read from, until they are all read again (null: done). */
  private backlogCursor: string | null = '0';

  async claim(): Promise<{ entries: StreamEntry[]; more: boolean }> {
    const { key } = this.keys;
    const { group, consumer, claimIdleMs, batchSize } = this.settings;
    const reply = await this.connection.xautoclaim(key, group, consumer, claimIdleMs, this.claimCursor, 'COUNT', batchSize);
    const [next, rawEntries] = reply;
    this.claimCursor = typeof next === 'string' ? next : '0-0';
    const claimed = toEntries(rawEntries);
    const entries: StreamEntry[] = [];
    if (claimed.length > 0) {
      const counts = await this.pendingCounts(claimed[0]?.id ?? '-', claimed[claimed.length - 1]?.id ?? '+', claimed.length);
      for (const { id, fields } of claimed) {
        entries.push({ id, payload: payloadOf(fields), deliveries: counts.get(id) ?? 1 });
      }
    }
    return { entries, more: this.claimCursor !== '0-0' };
  }

  async read(waitMs: number): Promise<StreamEntry[]> {
    if (this.interrupted) return [];
    const { key } = this.keys;
    const { group, consumer, batchSize } = this.settings;
    if (this.backlogCursor !== null) {
      // A consumer restarted under the same name first finishes what it had read before it stopped, in stream
      // order, so nothing newer overtakes an entry it held when it crashed.
      const reply = await this.connection.xreadgroup('GROUP', group, consumer, 'COUNT', batchSize, 'STREAMS', key, this.backlogCursor);
      const streams: unknown[] = Array.isArray(reply) ? reply : [];
      const first = streams[0];
      const backlog = toEntries(Array.isArray(first) ? first[1] : undefined);
      const last = backlog[backlog.length - 1];
      if (!last) {
        this.backlogCursor = null;
      } else {
        this.backlogCursor = last.id;
        const counts = await this.pendingCounts(backlog[0]?.id ?? '-', last.id, backlog.length);
        return backlog.map(({ id, fields }) => ({ id, payload: payloadOf(fields), deliveries: counts.get(id) ?? 1 }));
      }
    }
    this.reading = true;
    try {
      const reply = await this.blocking.xreadgroup('GROUP', group, consumer, 'COUNT', batchSize, 'BLOCK', waitMs, 'STREAMS', key, '>');
      const streams: unknown[] = Array.isArray(reply) ? reply : [];
      const first = streams[0];
      return toEntries(Array.isArray(first) ? first[1] : undefined).map(({ id, fields }) => ({ id, payload: payloadOf(fields) }));
    } finally {
      this.reading = false;
      this.clearCutTimer();
    }
  }

  async ack(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.connection.xack(this.keys.key, this.settings.group, ...ids);
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    const { key, deadKey, maxLength } = this.keys;
    // Stored before the ack: a crash in between repeats the dead letter rather than losing the entry.
    await this.connection.xadd(
      deadKey,
      'MAXLEN',
      '~',
      maxLength,
      '*',
      'entryId',
      letter.entryId,
      'group',
      letter.group,
      'reason',
      letter.reason,
      'deliveries',
      String(letter.deliveries),
      'payload',
      letter.payload,
      'deadAt',
      letter.deadAt,
    );
    await this.connection.xack(key, letter.group, letter.entryId);
  }

  async deliveries(id: string): Promise<number> {
    const counts = await this.pendingCounts(id, id, 1);
    return counts.get(id) ?? 0;
  }

  interrupt(): void {
    this.interrupted = true;
    if (this.reading && this.cutTimer === null) {
      // A read normally returns within blockMs; one stuck on a connection waiting for Redis would hold stop() forever.
      this.cutTimer = setTimeout(() => this.blocking.disconnect(), this.settings.blockMs + STOP_GRACE_MS);
    }
  }

  async recover(error: unknown): Promise<void> {
    if (error instanceof Error && error.message.includes('NOGROUP')) {
      // The stream or group is gone (a Redis restarted without persistence): start the group again from the beginning.
      await createGroup(this.connection, this.keys.key, this.settings.group);
      this.claimCursor = '0-0';
    }
  }

  async close(): Promise<void> {
    this.clearCutTimer();
    this.blocking.disconnect();
  }

  private async pendingCounts(start: string, end: string, count: number): Promise<Map<string, number>> {
    const { key } = this.keys;
    const { group, consumer } = this.settings;
    const rows = await this.connection.xpending(key, group, start, end, count, consumer);
    const counts = new Map<string, number>();
    for (const row of rows) {
      // [id, consumer, idle ms, deliveries]
      if (Array.isArray(row) && typeof row[0] === 'string' && typeof row[3] === 'number') counts.set(row[0], row[3]);
    }
    return counts;
  }

  private clearCutTimer(): void {
    if (this.cutTimer !== null) clearTimeout(this.cutTimer);
    this.cutTimer = null;
  }
}

/** XGROUP CREATE from the beginning, creating the stream if needed; an existing group is left as it is. */
export async function createGroup(connection: Redis, key: string, group: string): Promise<void> {
  try {
    await connection.xgroup('CREATE', key, group, '0', 'MKSTREAM');
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
  }
}

function toEntries(raw: unknown): Array<{ id: string; fields: unknown }> {
  if (!Array.isArray(raw)) return [];
  const entries: Array<{ id: string; fields: unknown }> = [];
  for (const item of raw as unknown[]) {
    if (Array.isArray(item) && typeof item[0] === 'string') entries.push({ id: item[0], fields: item[1] });
  }
  return entries;
}

/** The `event` field of an entry, or null when it has none (a foreign writer, or an entry deleted since). */
function payloadOf(fields: unknown): string | null {
  if (!Array.isArray(fields)) return null;
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const value: unknown = fields[index + 1];
    if (fields[index] === 'event' && typeof value === 'string') return value;
  }
  return null;
}
