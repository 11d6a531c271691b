import type { Tenant } from '../service/tenant';
import { TenantStatus, TenantType } from './tenant.type';

export function toTenantType(tenant: Tenant): TenantType {
  return Object.assign(new TenantType(), {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    status: TenantStatus[tenant.status],
    createdAt: tenant.createdAt,
  });
}
