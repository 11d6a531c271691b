import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantAppRole, isolateByTenant, removeIsolation, restrictToPlatform } from '../../../../infrastructure/database/row-level-security';

/**
 * Row-level security: a tenant sees only its own users and refresh tokens. Platform users (no tenant) and the
 * signing keys are reachable only from platform scope.
 */
export class IdentityRowLevelSecurity1732900000000 implements MigrationInterface {
  name = 'IdentityRowLevelSecurity1732900000000';

  async up(q: QueryRunner): Promise<void> {
    await grantAppRole(q, 'lattice_migrations');
    await isolateByTenant(q, 'users', { column: 'tenant_id' });
    await isolateByTenant(q, 'refresh_tokens', { column: 'tenant_id' });
    await restrictToPlatform(q, 'signing_keys');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['signing_keys', 'refresh_tokens', 'users']) await removeIsolation(q, table);
  }
}
