import type { Logger } from '../logging/logger';

export interface ScrapeReadingOptions<T> {
  /** What is read, for the log line when it fails (`identity outbox`). */
  what: string;
  read: () => Promise<T>;
  logger: Logger;
  /** A reading that takes longer counts as failed (default 3 s): the scrape must answer within Prometheus' timeout. */
  timeoutMs?: number;
  /** At most one warning per this long (default 60 s): a database that is down must not flood the log every scrape. */
  logEveryMs?: number;
  now?: () => number;
}

const DEFAULT_TIMEOUT_MS = 3_000;
const DEFAULT_LOG_EVERY_MS = 60_000;

/**
 * Some state read at scrape time (one query), shared by every gauge that shows part of it: calls made while a
 * reading is in flight get that reading. It never rejects, so a failing collector cannot fail the scrape: a reading
 * that fails or times out is null (its gauges show nothing this time) and is logged at most once per `logEveryMs`.
 */
export function scrapeReading<T>(options: ScrapeReadingOptions<T>): () => Promise<T | null> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const logEveryMs = options.logEveryMs ?? DEFAULT_LOG_EVERY_MS;
  const now = options.now ?? Date.now;
  let inFlight: Promise<T | null> | null = null;
  let lastLoggedAt: number | null = null;
  let unlogged = 0;

  const failed = (error: unknown): null => {
    const at = now();
    if (lastLoggedAt === null || at - lastLoggedAt >= logEveryMs) {
      options.logger.warn(`metrics: could not read the ${options.what}; its gauges are left out of this scrape`, {
        error,
        ...(unlogged > 0 ? { failuresSinceLastWarning: unlogged } : {}),
      });
      lastLoggedAt = at;
      unlogged = 0;
    } else {
      unlogged += 1;
    }
    return null;
  };

  const readOnce = async (): Promise<T | null> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([Promise.resolve().then(options.read), timeout]);
    } catch (error) {
      return failed(error);
    } finally {
      clearTimeout(timer);
    }
  };

  return () => {
    inFlight ??= readOnce().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}
