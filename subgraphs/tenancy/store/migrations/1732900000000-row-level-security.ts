import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantAppRole, isolateByTenant, removeIsolation } from '../../../../infrastructure/database/row-level-security';

/**
 * Row-level security on every tenant-owned table: a tenant sees its own tenant row, organizations, departments
 * and configuration; GLOBAL configuration (no tenant) is readable by all and written only in platform scope.
 */
export class TenancyRowLevelSecurity1732900000000 implements MigrationInterface {
  name = 'TenancyRowLevelSecurity1732900000000';

  async up(q: QueryRunner): Promise<void> {
    await grantAppRole(q, 'lattice_migrations');
    await isolateByTenant(q, 'tenants', { column: 'id' });
    await isolateByTenant(q, 'organizations', { column: 'tenant_id' });
    await isolateByTenant(q, 'departments', { column: 'tenant_id' });
    await isolateByTenant(q, 'configuration_entries', { column: 'tenant_id', sharedWhenNull: true });
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['configuration_entries', 'departments', 'organizations', 'tenants']) await removeIsolation(q, table);
  }
}
