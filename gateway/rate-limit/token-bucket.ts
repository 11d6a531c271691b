import type { Redis } from 'ioredis';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { TokenBucketSettings } from '../../infrastructure/config/config';

/** What taking tokens from a bucket answered: go ahead, or come back after a whole number of seconds (at least 1). */
export type BucketAnswer = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/** One bucket configuration, holding one bucket per key (a tenant id, a user id, …). */
export interface TokenBucket {
  readonly settings: TokenBucketSettings;
  /** Takes `tokens` (a whole number ≥ 1) from `key`'s bucket. */
  take(key: string, tokens: number): Promise<BucketAnswer>;
}

/**
 * Where buckets keep their counts: this process's memory (embedded mode), or one Redis that every gateway replica
 * shares, so a caller has one budget whichever replica serves it.
 */
export type BucketStore =
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'redis';
      readonly client: Redis;
      /** A Redis call slower than this is answered from memory instead, as if Redis were down. */
      readonly timeoutMs: number;
      /** Called whenever Redis could not answer and this replica's memory answered instead. */
      readonly onUnreachable: () => void;
    };

const ALLOWED: BucketAnswer = Object.freeze({ allowed: true });

/**
 * A token bucket of `burst` tokens refilled at `perSecond`, built from rate-limiter-flexible, which has only fixed
 * windows: a BurstyRateLimiter over a one-second window of `perSecond` tokens and a burst pool of
 * `burst − perSecond` tokens, drawn only once the second's tokens are gone, that refills all at once
 * D = ⌈burst / perSecond⌉ seconds after it was first drawn (the time an empty token bucket takes to fill).
 *
 * What that allows: from rest, `burst` requests in the first second; then `perSecond` a second, plus the pool again
 * every D seconds; a caller idle for D seconds has its whole burst back, as with a token bucket. Where it is looser
 * than a token bucket: the pool refills even under load, so a caller that keeps it drained averages up to
 * perSecond + (burst − perSecond) / D a second (user and API key defaults 100/200: 150/s; tenant 500/1000: 750/s);
 * and one second that straddles both windows' ends can see up to 2 × burst (a token bucket: burst + perSecond).
 * A refused request counts in its windows too (the library counts attempts), so a caller retrying while refused
 * stays refused until they end: at most 1 s for the second's tokens, D for the pool.
 *
 * With burst ≤ perSecond there is no pool: one window of `perSecond` a second (nothing is finer than a second).
 */
export function tokenBucket(settings: TokenBucketSettings, options: { store: BucketStore; keyPrefix: string }): TokenBucket {
  const { perSecond, burst } = settings;
  const { store, keyPrefix } = options;
  const second = windowLimiter(store, `${keyPrefix}:second`, perSecond, 1);
  const pool = burst - perSecond;
  const limiter = pool > 0 ? new BurstyRateLimiter(second, windowLimiter(store, `${keyPrefix}:burst`, pool, Math.ceil(burst / perSecond))) : second;
  return {
    settings,
    take: async (key, tokens) => {
      try {
        await limiter.consume(key, tokens);
        return ALLOWED;
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) };
        // A store that cannot count must not refuse every request: let it through, and say so.
        if (store.kind === 'redis') {
          store.onUnreachable();
          return ALLOWED;
        }
        throw refusal;
      }
    },
  };
}

/**
 * One fixed window. On Redis, with a memory limiter of the same size as its insuranceLimiter: while Redis is down
 * (not ready, an error, or slower than timeoutMs) each replica keeps limiting on its own, so a caller gets at most
 * one budget per replica instead of none at all, and no request waits on a Redis that is not there.
 */
function windowLimiter(store: BucketStore, keyPrefix: string, points: number, duration: number): RateLimiterAbstract {
  if (store.kind === 'memory') return new RateLimiterMemory({ keyPrefix, points, duration });
  const insuranceLimiter = new ReportingMemoryLimiter({ keyPrefix, points, duration }, store.onUnreachable);
  // rejectIfRedisNotReady: ioredis would otherwise queue the call until it reconnects, holding the request.
  const redis = new RateLimiterRedis({ storeClient: store.client, keyPrefix, points, duration, rejectIfRedisNotReady: true, insuranceLimiter });
  return new RLWrapperTimeouts({ limiter: redis, timeoutMs: store.timeoutMs });
}

/** The insurance limiter: it is only asked when Redis could not answer, so each use is reported. */
class ReportingMemoryLimiter extends RateLimiterMemory {
  constructor(
    options: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly onUse: () => void,
  ) {
    super(options);
  }

  override consume(...args: Parameters<RateLimiterMemory['consume']>): ReturnType<RateLimiterMemory['consume']> {
    this.onUse();
    return super.consume(...args);
  }
}
