import { LruMap } from '../../infrastructure/cache/lru-map';
import { GATEWAY_DEFAULTS } from '../../infrastructure/config/config';
import { errors, isLatticeError } from '../../infrastructure/errors/error-codes';
import type { DomainEvent } from '../../infrastructure/events';
import { ALWAYS_CONNECTED, trustsConfirmation, type BusConnectivity } from '../../infrastructure/events/bus-connectivity';

export type TenantStatus = 'ACTIVE' | 'SUSPENDED';

export interface TenantStatusEntry {
  id: string;
  slug: string;
  status: TenantStatus;
}

/** Asks tenancy, the owner of tenants; null when there is no such tenant. */
export type FetchTenantStatus = (tenantId: string) => Promise<TenantStatusEntry | null>;

/** The events that move the cache, and the status each one leaves the tenant in. */
export const TENANT_STATUS_EVENTS = 'tenancy.tenant.*';
const STATUS_AFTER: Readonly<Record<string, TenantStatus>> = {
  'tenancy.tenant.created': 'ACTIVE',
  'tenancy.tenant.suspended': 'SUSPENDED',
  'tenancy.tenant.reactivated': 'ACTIVE',
};

interface Cached {
  entry: TenantStatusEntry;
  /** aggregateVersion of the event that set it; null when it was fetched (the query does not return versions). */
  version: number | null;
  /** When this was last true for certain: the fetch was sent, or the event arrived (epoch ms). */
  confirmedAt: number;
}

interface Flight {
  promise: Promise<TenantStatusEntry | null>;
  /** An event about this tenant arrived while the fetch was out, so what the fetch read may be stale. */
  superseded: boolean;
}

export interface TenantStatusCacheOptions {
  maxEntries?: number;
  /** The bus the events come over; while it is down, entries older than `outageWindowMs` are asked again. */
  connectivity?: BusConnectivity;
  outageWindowMs?: number;
  now?: () => number;
}

/**
 * Each gateway replica's memory of which tenants are suspended. Kept current by tenancy's events, not by a TTL:
 * a miss asks tenancy (one fetch per tenant however many requests wait), and `tenancy.tenant.*` events
 * overwrite entries as they arrive. While the bus is disconnected no event can arrive, so an entry confirmed longer
 * ago than the outage window is asked again, and after the bus reconnects every entry confirmed before that is asked
 * once more (an event of the gap may have been lost). If tenancy cannot answer, the caller gets SERVICE_UNAVAILABLE:
 * a request is never let through unchecked.
 */
export class TenantStatusCache {
  private readonly entries: LruMap<string, Cached>;
  private readonly inFlight = new Map<string, Flight>();
  private readonly connectivity: BusConnectivity;
  private readonly outageWindowMs: number;
  private readonly now: () => number;

  constructor(
    private readonly fetchStatus: FetchTenantStatus,
    options: TenantStatusCacheOptions = {},
  ) {
    this.entries = new LruMap(Math.max(1, options.maxEntries ?? GATEWAY_DEFAULTS.caches.tenantStatuses));
    this.connectivity = options.connectivity ?? ALWAYS_CONNECTED;
    this.outageWindowMs = options.outageWindowMs ?? GATEWAY_DEFAULTS.busOutageWindowMs;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  async statusOf(tenantId: string): Promise<TenantStatusEntry | null> {
    const cached = this.entries.get(tenantId);
    if (cached && trustsConfirmation(this.connectivity, cached.confirmedAt, this.outageWindowMs, this.now())) return cached.entry;
    // Untrusted is a miss: what it held is never answered in place of tenancy's word, so an outage fails closed.
    const flight = this.inFlight.get(tenantId) ?? this.fetch(tenantId);
    return flight.promise;
  }

  /** Applies one of tenancy's tenant events; anything else is ignored. */
  apply(event: DomainEvent): void {
    if (!event.type.startsWith('tenancy.tenant.')) return;
    const id = event.aggregateId;
    const flight = this.inFlight.get(id);
    if (flight) flight.superseded = true;
    const status = STATUS_AFTER[event.type];
    const slug = event.data.slug;
    if (status === undefined || typeof slug !== 'string') {
      // An event this gateway does not know how to read: forget the tenant, so the next request asks tenancy.
      this.entries.delete(id);
      return;
    }
    const cached = this.entries.get(id);
    // Two tenancy replicas may publish on different connections; the higher version is the later write.
    if (cached?.version != null && cached.version >= event.aggregateVersion) return;
    this.entries.set(id, { entry: { id, slug, status }, version: event.aggregateVersion, confirmedAt: this.now() });
  }

  /** Forgets one tenant, so its next request asks tenancy again. */
  invalidate(tenantId: string): void {
    const flight = this.inFlight.get(tenantId);
    if (flight) flight.superseded = true;
    this.entries.delete(tenantId);
  }

  private fetch(tenantId: string): Flight {
    const flight: Flight = { superseded: false, promise: Promise.resolve(null) };
    this.inFlight.set(tenantId, flight);
    flight.promise = this.settle(tenantId, flight);
    return flight;
  }

  private async settle(tenantId: string, flight: Flight): Promise<TenantStatusEntry | null> {
    // Sent now, so it tells the status as of no earlier than now.
    const confirmedAt = this.now();
    try {
      const fetched = await this.fetchStatus(tenantId);
      // An event is newer than what the fetch read; if the event only invalidated, answer this once without keeping it.
      if (flight.superseded) return this.entries.get(tenantId)?.entry ?? fetched;
      // An unknown tenant is not remembered: tenants are never deleted, so it is a rare, odd token.
      if (fetched) this.entries.set(tenantId, { entry: fetched, version: null, confirmedAt });
      return fetched;
    } catch (error) {
      if (isLatticeError(error) && error.code === 'SERVICE_UNAVAILABLE') throw error;
      throw errors.unavailable('cannot check the tenant right now: the tenancy service is not reachable; try again shortly');
    } finally {
      if (this.inFlight.get(tenantId) === flight) this.inFlight.delete(tenantId);
    }
  }
}
