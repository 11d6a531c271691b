import DataLoader from 'dataloader';
import { LruMap } from '../../../infrastructure/cache/lru-map';
import type { SystemSubgraphClient } from '../../../infrastructure/graphql/system-subgraph-client';
import { isUuid } from '../store/audit-input';
import type { ActorTenant } from './actor-kind';

/** Asks the owner of users which tenant each of `userIds` belongs to (null: a platform user); unknown ids are left out. */
export type UserTenantLookup = (userIds: readonly string[]) => Promise<ReadonlyMap<string, string | null>>;

/**
 * An audit replica's memory of which tenant each user actor belongs to. Safe to keep without invalidation: a user
 * never changes tenant, and identity never removes a user (deletion is soft), so an answer stays true. Only users
 * identity knows are remembered; an unknown id is asked again next time.
 */
export class ActorDirectory {
  private readonly tenants: LruMap<string, string | null>;

  /** `lookup` null: no identity to ask (distributed audit without IDENTITY_URL); every actor is then unknown. */
  constructor(
    private readonly lookup: UserTenantLookup | null,
    maxEntries = 50_000,
  ) {
    this.tenants = new LruMap(maxEntries);
  }

  /** The tenant of each id (undefined: unknown); ids that are no UUID are no user identity could know. */
  async tenantsOf(userIds: readonly string[]): Promise<ActorTenant[]> {
    const keys = userIds.map((id) => id.toLowerCase());
    const missing = [...new Set(keys.filter((id) => isUuid(id) && this.tenants.get(id) === undefined))];
    if (missing.length > 0 && this.lookup) {
      for (const [id, tenantId] of await this.lookup(missing)) this.tenants.set(id.toLowerCase(), tenantId);
    }
    return keys.map((id) => this.tenants.get(id));
  }

  /** One per request: every actor a response names costs one batched question, and none once remembered. */
  loader(): DataLoader<string, ActorTenant> {
    return new DataLoader((ids) => this.tenantsOf(ids));
  }
}

const MAX_REPRESENTATIONS = 100;

/**
 * Asks identity's entity endpoint, as the audit service, what the gateway would: each user's tenant. Identity
 * resolves a user for a caller with platform:admin only, so that is all the client holds.
 */
export function identityUserTenants(identity: SystemSubgraphClient): UserTenantLookup {
  return async (userIds) => {
    const found = new Map<string, string | null>();
    for (let start = 0; start < userIds.length; start += MAX_REPRESENTATIONS) {
      const representations = userIds.slice(start, start + MAX_REPRESENTATIONS).map((id) => ({ __typename: 'User', id }));
      const answer = await identity.query<{ _entities: ({ id: string; tenant: { id: string } | null } | null)[] }>(
        'query ActorTenants($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { id tenant { id } } } }',
        { representations },
      );
      for (const user of answer._entities) if (user) found.set(user.id, user.tenant?.id ?? null);
    }
    return found;
  };
}
