import { LruMap } from '../../infrastructure/cache/lru-map';
import type { DomainEvent } from '../../infrastructure/events';
import type { Logger } from '../../infrastructure/logging/logger';
import { NO_OVERRIDES, OVERRIDE_KEY_PREFIX, type FetchOverrides, type RateLimitOverrides } from './rate-limit-overrides';

/** tenancy's `tenancy.configuration.set` and `tenancy.configuration.deleted`. */
export const CONFIGURATION_EVENTS = 'tenancy.configuration.*';

export interface OverridesCacheOptions {
  /** How long a tenant's overrides are kept (settings.overridesTtlMs); an event forgets them sooner. */
  ttlMs: number;
  /** After tenancy failed to answer, how long the defaults stand in before it is asked again. */
  retryMs: number;
  maxEntries: number;
  logger: Logger;
  now?: () => number;
}

interface Cached {
  overrides: RateLimitOverrides;
  expiresAt: number;
}

interface Flight {
  promise: Promise<RateLimitOverrides>;
  /** A configuration event arrived while the fetch was out, so what it read may be stale: answer its waiters, keep nothing. */
  superseded: boolean;
}

/**
 * Each gateway replica's memory of tenants' rate-limit overrides: one question to tenancy per tenant however many
 * requests wait on it, kept for `ttlMs`, and forgotten at once when a configuration event for a
 * `gateway.rate_limit.` key arrives (GLOBAL: every tenant). While tenancy cannot answer, the defaults apply: a
 * request is never refused because its overrides are unknown.
 */
export class RateLimitOverridesCache {
  private readonly entries: LruMap<string, Cached>;
  private readonly inFlight = new Map<string, Flight>();
  private readonly now: () => number;

  constructor(
    private readonly fetchOverrides: FetchOverrides,
    private readonly options: OverridesCacheOptions,
  ) {
    this.entries = new LruMap(Math.max(1, options.maxEntries));
    this.now = options.now ?? Date.now;
  }

  async overridesFor(tenantId: string): Promise<RateLimitOverrides> {
    const cached = this.entries.get(tenantId);
    if (cached && cached.expiresAt > this.now()) return cached.overrides;
    const flight = this.inFlight.get(tenantId) ?? this.fetch(tenantId);
    return flight.promise;
  }

  /** Applies one of tenancy's configuration events; events for keys this feature does not read are ignored. */
  apply(event: DomainEvent): void {
    if (event.type !== 'tenancy.configuration.set' && event.type !== 'tenancy.configuration.deleted') return;
    const { key, level } = event.data;
    // An event whose key cannot be read may be about ours: forgetting costs one question to tenancy.
    if (typeof key === 'string' && !key.startsWith(OVERRIDE_KEY_PREFIX)) return;
    // A GLOBAL value is every tenant's fallback.
    if (level === 'GLOBAL' || event.tenantId === null) this.forgetAll();
    else this.forget(event.tenantId);
  }

  /** Forgets one tenant; a question already out is not kept, and the next request asks again. */
  forget(tenantId: string): void {
    const flight = this.inFlight.get(tenantId);
    if (flight) flight.superseded = true;
    this.inFlight.delete(tenantId);
    this.entries.delete(tenantId);
  }

  forgetAll(): void {
    for (const flight of this.inFlight.values()) flight.superseded = true;
    this.inFlight.clear();
    this.entries.clear();
  }

  private fetch(tenantId: string): Flight {
    const flight: Flight = { superseded: false, promise: Promise.resolve(NO_OVERRIDES) };
    this.inFlight.set(tenantId, flight);
    flight.promise = this.settle(tenantId, flight);
    return flight;
  }

  private async settle(tenantId: string, flight: Flight): Promise<RateLimitOverrides> {
    try {
      const overrides = await this.fetchOverrides(tenantId);
      if (!flight.superseded) this.entries.set(tenantId, { overrides, expiresAt: this.now() + this.options.ttlMs });
      return overrides;
    } catch (error) {
      this.options.logger.warn(`cannot read the rate-limit overrides of tenant ${tenantId}; the default limits apply for ${this.options.retryMs} ms`, {
        tenantId,
        error: error instanceof Error ? error.message : String(error),
      });
      // Remembered briefly, so a tenancy outage costs one question per tenant per retryMs, not one per request.
      if (!flight.superseded) this.entries.set(tenantId, { overrides: NO_OVERRIDES, expiresAt: this.now() + this.options.retryMs });
      return NO_OVERRIDES;
    } finally {
      if (this.inFlight.get(tenantId) === flight) this.inFlight.delete(tenantId);
    }
  }
}
