import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys of the platform itself (no tenant), for a team's CI to use the schema registry: a platform admin may
 * create one holding only schema permissions. Row-level security already keeps rows without a tenant to platform
 * scope (`tenant_id = <acting tenant>` is never true for them).
 */
export class PlatformApiKeys1733200000000 implements MigrationInterface {
  name = 'PlatformApiKeys1733200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys ALTER COLUMN tenant_id DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM api_keys WHERE tenant_id IS NULL`);
    await q.query(`ALTER TABLE api_keys ALTER COLUMN tenant_id SET NOT NULL`);
  }
}
