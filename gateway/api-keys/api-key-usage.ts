import type { ApiKeyUseReport } from '../../infrastructure/authorization/api-key';
import type { Logger } from '../../infrastructure/logging/logger';

/** Uses per report, which is identity's limit too. */
export const API_KEY_USES_PER_REPORT = 1_000;
/** If identity stays unreachable, at most this many keys' uses wait; beyond that new ones are dropped. */
const MAX_PENDING = 10_000;

/**
 * Remembers the latest use of each API key this gateway served, and reports them to identity in one batch per
 * interval instead of one write per request. A crash loses at most one interval of uses; shutdown reports them.
 */
export class ApiKeyUsageRecorder {
  private pending = new Map<string, Date>();
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly report: (report: ApiKeyUseReport) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  record(keyId: string, at: Date = new Date()): void {
    if (this.pending.size >= MAX_PENDING && !this.pending.has(keyId)) return;
    this.pending.set(keyId, at);
    if (this.pending.size >= API_KEY_USES_PER_REPORT) void this.flush();
  }

  /** Reports everything pending; one flush at a time. A failed report keeps its uses for the next flush. */
  flush(): Promise<void> {
    this.flushing ??= this.send().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async send(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const uses = [...batch].map(([id, at]) => ({ id, at: at.toISOString() }));
    for (let start = 0; start < uses.length; start += API_KEY_USES_PER_REPORT) {
      const chunk = uses.slice(start, start + API_KEY_USES_PER_REPORT);
      try {
        await this.report({ uses: chunk });
      } catch (error) {
        this.logger.warn('could not report API key uses to identity; will retry', { keys: chunk.length, error });
        for (const use of uses.slice(start)) {
          const newer = this.pending.get(use.id);
          if (!newer && this.pending.size < MAX_PENDING) this.pending.set(use.id, new Date(use.at));
        }
        return;
      }
    }
  }
}
