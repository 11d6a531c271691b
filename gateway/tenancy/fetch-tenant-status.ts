import { errors } from '../../infrastructure/errors/error-codes';
import type { SystemSubgraphClient } from '../../infrastructure/graphql/system-subgraph-client';
import type { FetchTenantStatus, TenantStatusEntry } from './tenant-status-cache';

const TENANT_STATUS = 'query TenantStatus($id: ID!) { tenant(id: $id) { id slug status } }';

/** The cache's miss path: tenancy's own `tenant(id)` query, asked as the SYSTEM caller `gateway`. */
export function fetchTenantStatusFrom(tenancy: SystemSubgraphClient): FetchTenantStatus {
  return async (tenantId) => {
    const { tenant } = await tenancy.query<{ tenant: TenantStatusEntry | null }>(TENANT_STATUS, { id: tenantId });
    if (tenant === null) return null;
    // A status this gateway does not know is not ACTIVE; refusing to guess keeps the check closed.
    if (tenant.status !== 'ACTIVE' && tenant.status !== 'SUSPENDED') throw errors.unavailable('the tenancy service could not answer; try again shortly');
    return { id: tenant.id, slug: tenant.slug, status: tenant.status };
  };
}
