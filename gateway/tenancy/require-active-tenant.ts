import type { Principal } from '../../infrastructure/context/request-context';
import { errors } from '../../infrastructure/errors/error-codes';
import type { TenantStatusCache } from './tenant-status-cache';

/** Refuses a caller whose tenant is suspended, before the request is planned. */
export async function requireActiveTenant(principal: Principal, tenants: TenantStatusCache): Promise<void> {
  // Anonymous callers and platform users belong to no tenant.
  if (principal.tenantId === null) return;
  const tenant = await tenants.statusOf(principal.tenantId);
  if (tenant === null) throw errors.unauthenticated('the access token names a tenant that does not exist; sign in again');
  if (tenant.status !== 'ACTIVE') throw errors.tenantSuspended(tenant.slug);
}
