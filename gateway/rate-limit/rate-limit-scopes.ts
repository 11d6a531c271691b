import { clientNetworkOf } from '../../infrastructure/http/client-network';
import type { RateLimitSettings, TokenBucketSettings } from '../../infrastructure/config/config';
import type { Principal } from '../../infrastructure/context/request-context';
import { LatticeError } from '../../infrastructure/errors/error-codes';

/** Whose bucket a request is charged to; `extensions.scope` of a refusal. */
export type RateLimitScope = 'tenant' | 'user' | 'api_key' | 'address';

/** The three bucket sizes a request can meet, after a tenant's overrides. */
export type BucketSizes = Pick<RateLimitSettings, 'tenant' | 'user' | 'apiKey'>;

export interface ChargedBucket {
  readonly scope: RateLimitScope;
  /** The tenant id, user id, API key id or client address. */
  readonly id: string;
}

/**
 * The buckets one request is charged to, the caller's own first: a user who spends their own budget is refused
 * before taking anything from their tenant's, so one busy user cannot drain it for the others. SYSTEM callers (the
 * platform's own services) are never limited. An ANONYMOUS caller has no id to charge, so its client address is
 * charged instead, with the user settings (no address known: nothing is charged); everyone behind one NAT shares it.
 */
export function bucketsFor(principal: Principal, ipAddress: string | null): ChargedBucket[] {
  const buckets: ChargedBucket[] = [];
  switch (principal.kind) {
    case 'SYSTEM':
      return buckets;
    case 'ANONYMOUS': {
      // By network: an IPv6 client by its /64, so rotating addresses within it gets no fresh bucket.
      const network = clientNetworkOf(ipAddress);
      if (network) buckets.push({ scope: 'address', id: network });
      return buckets;
    }
    case 'USER':
      if (principal.subject !== null) buckets.push({ scope: 'user', id: principal.subject });
      break;
    case 'API_KEY':
      if (principal.subject !== null) buckets.push({ scope: 'api_key', id: principal.subject });
      break;
  }
  if (principal.tenantId !== null) buckets.push({ scope: 'tenant', id: principal.tenantId });
  return buckets;
}

/** The size of a scope's buckets; client addresses use the user settings, never a tenant's (they have none). */
export function sizeOf(scope: RateLimitScope, sizes: BucketSizes, defaults: BucketSizes): TokenBucketSettings {
  switch (scope) {
    case 'tenant':
      return sizes.tenant;
    case 'user':
      return sizes.user;
    case 'api_key':
      return sizes.apiKey;
    case 'address':
      return defaults.user;
  }
}

const WHOSE: Record<RateLimitScope, string> = { tenant: 'this tenant', user: 'this user', api_key: 'this API key', address: 'this client address' };

/** RATE_LIMITED (HTTP 429): the bucket that refused, its size, and when to come back (the core sends it as Retry-After). */
export function rateLimitExceeded(scope: RateLimitScope, size: TokenBucketSettings, retryAfterSeconds: number): LatticeError {
  return new LatticeError(
    'RATE_LIMITED',
    `rate limit exceeded for ${WHOSE[scope]}: ${size.perSecond} requests per second (burst ${size.burst}); retry after ${retryAfterSeconds} s`,
    { retryAfterSeconds, limit: size.perSecond, burst: size.burst, scope },
  );
}
