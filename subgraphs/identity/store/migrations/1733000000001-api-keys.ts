import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, isolateByTenant, removeIsolation } from '../../../../infrastructure/database/row-level-security';

/** API keys for machine clients: tenant-owned, so isolated by tenant like users. Only a hash of each key is kept. */
export class ApiKeys1733000000001 implements MigrationInterface {
  name = 'ApiKeys1733000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL,
        permissions text[] NOT NULL,
        secret_hash text NOT NULL UNIQUE,
        last4 text NOT NULL,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        last_used_at timestamptz,
        version integer NOT NULL DEFAULT 1
      )`);
    await q.query(`CREATE INDEX api_keys_tenant_id_idx ON api_keys (tenant_id, id)`);
    // Default privileges already cover new tables when the same owner migrates; said explicitly in case it does not.
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON api_keys TO ${APP_ROLE}`);
    await isolateByTenant(q, 'api_keys', { column: 'tenant_id' });
  }

  async down(q: QueryRunner): Promise<void> {
    await removeIsolation(q, 'api_keys');
    await q.query(`DROP TABLE api_keys`);
  }
}
