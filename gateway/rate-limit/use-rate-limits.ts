import type { Redis } from 'ioredis';
import { PERMISSIONS } from '../../infrastructure/authorization/permissions';
import { GATEWAY_DEFAULTS, type RateLimitSettings } from '../../infrastructure/config/config';
import type { EventBus } from '../../infrastructure/events';
import { SystemSubgraphClient } from '../../infrastructure/graphql/system-subgraph-client';
import type { Logger } from '../../infrastructure/logging/logger';
import type { GatewayFeature } from '../core/feature';
import { CONFIGURATION_EVENTS, RateLimitOverridesCache } from './overrides-cache';
import { fetchOverridesFrom, NO_OVERRIDES, type RateLimitOverrides } from './rate-limit-overrides';
import { RequestRateLimiter } from './request-rate-limiter';
import { storeOutageWarning } from './store-outage-warning';
import type { BucketStore } from './token-bucket';
import { TokenBucketPool } from './token-bucket-pool';

// Not in GatewaySettings yet (this folder is all this change may touch): each belongs in config with a README row.
/** A bucket's Redis call slower than this is answered from the replica's memory instead. */
const REDIS_TIMEOUT_MS = 500;
/** While Redis is down, at most one warning per this. */
const OUTAGE_WARNING_EVERY_MS = 10_000;
/** The first request of a tenant waits on its overrides at most this long, then runs with the defaults. */
const OVERRIDES_TIMEOUT_MS = 1_000;
/** After tenancy failed to answer, the defaults stand in this long (at most the TTL) before it is asked again. */
const OVERRIDES_RETRY_MS = 5_000;

export interface RateLimitsOptions {
  settings: RateLimitSettings;
  /** Distributed: the Redis every replica shares, so a caller has one budget. Null (embedded): buckets in memory. */
  redis: Redis | null;
  /** LATTICE_EVENT_NAMESPACE: prefixes every key, so deployments sharing one Redis keep apart. */
  namespace: string;
  /** Where tenants' overrides are read; null: the defaults apply to every tenant. */
  tenancy: { graphqlUrl: () => string; contextSecret: string } | null;
  bus: EventBus;
  logger: Logger;
}

/**
 * `useRateLimits`: every request (an HTTP request, or a WebSocket connection once) is charged one token per
 * operation from its caller's token buckets: the tenant's, and the user's or API key's own (anonymous callers: their
 * client address's); SYSTEM callers never. An empty bucket refuses the request with 429 RATE_LIMITED and
 * `retryAfterSeconds`. Tenants override the sizes in scoped configuration (`gateway.rate_limit.*`). Runs after
 * authentication: it reads the principal the features before it set.
 */
export async function useRateLimits(options: RateLimitsOptions): Promise<GatewayFeature> {
  const { settings } = options;
  if (!settings.enabled) return { name: 'rate-limits' };
  const logger = options.logger.child({ component: 'rate-limits' });
  const store: BucketStore = options.redis
    ? { kind: 'redis', client: options.redis, timeoutMs: REDIS_TIMEOUT_MS, onUnreachable: storeOutageWarning(logger, { everyMs: OUTAGE_WARNING_EVERY_MS }) }
    : { kind: 'memory' };
  let overridesOf: (tenantId: string) => Promise<RateLimitOverrides> = async () => NO_OVERRIDES;
  let stop = async (): Promise<void> => undefined;
  if (options.tenancy) {
    const tenancy = new SystemSubgraphClient({
      service: 'tenancy',
      graphqlUrl: options.tenancy.graphqlUrl,
      contextSecret: options.tenancy.contextSecret,
      caller: 'gateway',
      // config:read for the field; platform:admin to read any tenant's configuration (configuration-scopes.ts).
      permissions: [PERMISSIONS.configRead, PERMISSIONS.platformAdmin],
      timeoutMs: OVERRIDES_TIMEOUT_MS,
    });
    const overrides = new RateLimitOverridesCache(fetchOverridesFrom(tenancy, logger), {
      ttlMs: settings.overridesTtlMs,
      retryMs: Math.min(OVERRIDES_RETRY_MS, settings.overridesTtlMs),
      // One entry per tenant, as many as the gateway keeps tenant statuses for.
      maxEntries: GATEWAY_DEFAULTS.caches.tenantStatuses,
      logger,
    });
    // Live before the first request is served: every replica hears every change of a gateway.rate_limit. key.
    stop = await options.bus.subscribe(CONFIGURATION_EVENTS, (event) => overrides.apply(event));
    overridesOf = (tenantId) => overrides.overridesFor(tenantId);
  }
  const limiter = new RequestRateLimiter({ buckets: new TokenBucketPool(store, options.namespace), defaults: settings, overridesOf });
  return {
    name: 'rate-limits',
    // A subscription's re-check before each event is no new request: it is charged once, when its socket connects.
    context: (input, context) => (input.recheck ? undefined : limiter.charge(context.request.principal, input.ipAddress, input.operationCount ?? 1)),
    stop,
  };
}
