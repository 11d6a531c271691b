import type { ConfigurationLevel } from './configuration';
import { LruMap } from '../../../infrastructure/cache/lru-map';

export type ScopeLevel = Exclude<ConfigurationLevel, 'GLOBAL'>;

/** Which tenant (and, for a department, which organization) a scope object belongs to. */
export interface ScopeOwner {
  id: string;
  tenantId: string;
  organizationId: string | null;
}

/**
 * A tenancy replica's memory of which tenant and organization each scope object belongs to, so a warm
 * `effectiveConfiguration` costs no database round trip. Safe to keep without invalidation because these facts
 * never change: organizations stay in their tenant, departments move only within their organization, tenants,
 * organizations and departments are archived but never deleted. Only objects that exist are remembered. Whoever
 * reads an owner from here must still apply the visibility rule to it.
 */
export class ScopeAncestry {
  private readonly owners: LruMap<string, ScopeOwner>;

  constructor(maxEntries = 50_000) {
    this.owners = new LruMap(maxEntries);
  }

  get(level: ScopeLevel, id: string): ScopeOwner | undefined {
    return this.owners.get(`${level}:${id}`);
  }

  remember(level: ScopeLevel, owner: ScopeOwner): void {
    this.owners.set(`${level}:${owner.id}`, owner);
  }
}
