import type { TenantEntity } from '../store/tenant.entity';
import type { Tenant } from './tenant';

export function toTenant(row: TenantEntity): Tenant {
  return { id: row.id, slug: row.slug, name: row.name, status: row.status, version: row.version, createdAt: row.createdAt };
}
