import { deliverBatch, type ConsumerSettings, type EntrySettlement, type StreamEntry } from './deliver-batch';
import type { StreamConsumer } from './event-stream';

/** Where a consumer loop gets entries from; each EventStream implementation provides one per consumer. */
export interface EntrySource extends EntrySettlement {
  /** Takes over entries idle for claimIdleMs with any consumer of the group; `more` when the scan is not finished. */
  claim(): Promise<{ entries: StreamEntry[]; more: boolean }>;
  /** New entries for this consumer, waiting up to waitMs for some to arrive. */
  read(waitMs: number): Promise<StreamEntry[]>;
  /** stop() was called: end a read that is waiting, now or once it cannot end by itself within blockMs. */
  interrupt(): void;
  /** After a failed round, before the next (e.g. recreate a group a restarted server lost). */
  recover(error: unknown): Promise<void>;
  /** After the loop ended: release what the source owns. */
  close(): Promise<void>;
}

const LONGEST_BACKOFF_MS = 1000;

/** Claims, reads and delivers until stopped; errors are reported and retried with a backoff of at most 1 s. */
export function startConsumerLoop(source: EntrySource, settings: ConsumerSettings): StreamConsumer {
  const loop = new ConsumerLoop(source, settings);
  return { stop: () => loop.stop() };
}

class ConsumerLoop {
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private endSleep: (() => void) | null = null;
  private nextClaimAt = 0;
  private claimMore = false;
  private readonly claimEveryMs: number;
  private readonly finished: Promise<void>;

  constructor(
    private readonly source: EntrySource,
    private readonly settings: ConsumerSettings,
  ) {
    // Claims find both crashed consumers' entries and failed deliveries waiting for a retry.
    this.claimEveryMs = Math.min(Math.max(Math.floor(settings.claimIdleMs / 2), 10), 5000);
    this.finished = this.run();
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.endSleep?.();
    this.source.interrupt();
    await this.finished;
    await this.source.close();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const entries = await this.next();
        // Entries read are delivered even when stop() came meanwhile, so they are not left waiting for a claim.
        if (entries.length > 0) await deliverBatch(entries, this.settings, this.source);
        failures = 0;
      } catch (error) {
        if (this.stopping) break; // the read was ended by stop()
        failures += 1;
        this.settings.report(error, { group: this.settings.group, consumer: this.settings.consumer, stage: 'read', failures });
        try {
          await this.source.recover(error);
        } catch (recoverError) {
          this.settings.report(recoverError, { group: this.settings.group, consumer: this.settings.consumer, stage: 'recover' });
        }
        await this.sleep(Math.min(LONGEST_BACKOFF_MS, 25 * 2 ** failures));
      }
    }
  }

  private async next(): Promise<StreamEntry[]> {
    if (this.claimMore || Date.now() >= this.nextClaimAt) {
      const { entries, more } = await this.source.claim();
      this.claimMore = more;
      if (!more) this.nextClaimAt = Date.now() + this.claimEveryMs;
      if (entries.length > 0) return entries;
    }
    if (this.stopping) return [];
    const untilClaim = this.claimMore ? 1 : this.nextClaimAt - Date.now();
    return this.source.read(Math.max(1, Math.min(this.settings.blockMs, untilClaim)));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      this.endSleep = done;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}
