import { LruMap } from '../../infrastructure/cache/lru-map';
import type { TokenBucketSettings } from '../../infrastructure/config/config';
import type { RateLimitScope } from './rate-limit-scopes';
import { tokenBucket, type BucketStore, type TokenBucket } from './token-bucket';

/** Distinct bucket sizes kept at once; tenants' overrides rarely make more than a handful. */
const MAX_DISTINCT_SIZES = 1_000;

/**
 * The limiters of every scope, one per distinct (perSecond, burst), made on first use and reused by every request of
 * that size. A bucket's Redis keys (`<namespace>:ratelimit:<scope>:second|burst:<id>`) name its scope and id but not
 * its size, so a tenant whose overrides change keeps what it has spent. In memory (embedded) each limiter counts on
 * its own, so a changed size starts its callers with a full bucket.
 */
export class TokenBucketPool {
  private readonly buckets = new LruMap<string, TokenBucket>(MAX_DISTINCT_SIZES);

  constructor(
    private readonly store: BucketStore,
    /** The deployment's namespace (LATTICE_EVENT_NAMESPACE), so deployments sharing one Redis keep apart. */
    private readonly namespace: string,
  ) {}

  bucket(scope: RateLimitScope, size: TokenBucketSettings): TokenBucket {
    const id = `${scope}:${size.perSecond}:${size.burst}`;
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = tokenBucket(size, { store: this.store, keyPrefix: `${this.namespace}:ratelimit:${scope}` });
      this.buckets.set(id, bucket);
    }
    return bucket;
  }
}
