import type { Logger } from '../../infrastructure/logging/logger';

/**
 * What a bucket calls each time Redis could not answer: a warning at most once per `everyMs`, since during an outage
 * every request would otherwise log one.
 */
export function storeOutageWarning(logger: Logger, options: { everyMs: number; now?: () => number }): () => void {
  const now = options.now ?? Date.now;
  let lastWarnedAt: number | null = null;
  let since = 0;
  return () => {
    since += 1;
    const at = now();
    if (lastWarnedAt !== null && at - lastWarnedAt < options.everyMs) return;
    logger.warn('rate limits: Redis is not answering; each gateway replica counts the buckets in its own memory until it does', {
      fallbacks: since,
    });
    lastWarnedAt = at;
    since = 0;
  };
}
