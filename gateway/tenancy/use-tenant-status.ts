import { PERMISSIONS } from '../../infrastructure/authorization/permissions';
import type { GatewaySettings } from '../../infrastructure/config/config';
import type { EventBus } from '../../infrastructure/events';
import { SystemSubgraphClient } from '../../infrastructure/graphql/system-subgraph-client';
import type { GatewayFeature } from '../core/feature';
import { forgetAfterMutation } from '../core/mutation-input-ids';
import { fetchTenantStatusFrom } from './fetch-tenant-status';
import { requireActiveTenant } from './require-active-tenant';
import { STATUS_MUTATIONS } from './status-change';
import { TENANT_STATUS_EVENTS, TenantStatusCache } from './tenant-status-cache';

/**
 * `useTenantStatus`: users and API keys of a suspended tenant are refused (403 TENANT_SUSPENDED) before their
 * request is planned. Each replica learns of suspensions from tenancy's events; the replica that served
 * `suspendTenant` or `reactivateTenant` forgets that tenant before it answers.
 */
export async function useTenantStatus(options: { tenancyGraphqlUrl: () => string; contextSecret: string; bus: EventBus; settings: GatewaySettings }): Promise<GatewayFeature> {
  const tenants = new TenantStatusCache(
    fetchTenantStatusFrom(
      new SystemSubgraphClient({
        service: 'tenancy',
        graphqlUrl: options.tenancyGraphqlUrl,
        contextSecret: options.contextSecret,
        caller: 'gateway',
        permissions: [PERMISSIONS.platformAdmin, PERMISSIONS.tenantsRead],
        // Callers wait on this; a slow tenancy fails the request closed rather than holding it.
        timeoutMs: options.settings.timeouts.tenantStatusMs,
      }),
    ),
    // While the bus is down an entry is trusted only for the outage window (docs/security.md, "Tenant suspension").
    { maxEntries: options.settings.caches.tenantStatuses, connectivity: options.bus.connectivity, outageWindowMs: options.settings.busOutageWindowMs },
  );
  // Live before the first request is served: every replica hears every suspension.
  const unsubscribe = await options.bus.subscribe(TENANT_STATUS_EVENTS, (event) => tenants.apply(event));
  return {
    name: 'tenant-status',
    context: (_input, context) => requireActiveTenant(context.request.principal, tenants),
    afterOperation: forgetAfterMutation(STATUS_MUTATIONS, (id) => tenants.invalidate(id)),
    stop: unsubscribe,
  };
}
