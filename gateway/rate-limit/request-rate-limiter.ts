import type { RateLimitSettings } from '../../infrastructure/config/config';
import type { Principal } from '../../infrastructure/context/request-context';
import { NO_OVERRIDES, withOverrides, type RateLimitOverrides } from './rate-limit-overrides';
import { bucketsFor, rateLimitExceeded, sizeOf } from './rate-limit-scopes';
import type { TokenBucketPool } from './token-bucket-pool';

export interface RequestRateLimiterDependencies {
  buckets: TokenBucketPool;
  defaults: RateLimitSettings;
  /** A tenant's overrides; must not throw (the cache answers NO_OVERRIDES when tenancy cannot). */
  overridesOf: (tenantId: string) => Promise<RateLimitOverrides>;
}

/** Charges each request to the buckets that apply to its caller, and refuses it with RATE_LIMITED when one is empty. */
export class RequestRateLimiter {
  constructor(private readonly deps: RequestRateLimiterDependencies) {}

  /**
   * Takes `operations` tokens (a JSON-array batch costs one per operation) from each bucket in turn, the caller's
   * own first; stops at the first that refuses, so the buckets after it are not charged for a refused request.
   */
  async charge(principal: Principal, ipAddress: string | null, operations: number): Promise<void> {
    const charged = bucketsFor(principal, ipAddress);
    if (charged.length === 0) return;
    const { defaults } = this.deps;
    const overrides = principal.tenantId === null ? NO_OVERRIDES : await this.deps.overridesOf(principal.tenantId);
    const sizes = withOverrides(defaults, overrides);
    // The library counts whole points; anything else (absent, 0, NaN) is one request.
    const tokens = Number.isInteger(operations) && operations >= 1 ? operations : 1;
    for (const { scope, id } of charged) {
      const size = sizeOf(scope, sizes, defaults);
      const answer = await this.deps.buckets.bucket(scope, size).take(id, tokens);
      if (!answer.allowed) throw rateLimitExceeded(scope, size, answer.retryAfterSeconds);
    }
  }
}
