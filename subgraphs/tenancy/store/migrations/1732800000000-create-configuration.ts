import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateConfiguration1732800000000 implements MigrationInterface {
  name = 'CreateConfiguration1732800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE configuration_entries (
        id uuid PRIMARY KEY,
        level text NOT NULL CHECK (level IN ('GLOBAL', 'TENANT', 'ORGANIZATION', 'DEPARTMENT')),
        scope_id uuid,
        tenant_id uuid REFERENCES tenants (id),
        key text NOT NULL,
        value jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text,
        -- GLOBAL entries belong to no object and no tenant; every other level names both, and a TENANT entry's object is its tenant.
        CONSTRAINT configuration_entries_scope_check CHECK (
          (level = 'GLOBAL') = (scope_id IS NULL) AND (level = 'GLOBAL') = (tenant_id IS NULL) AND (level <> 'TENANT' OR scope_id = tenant_id)
        )
      )`);
    // One value per key and scope; NULLS NOT DISTINCT makes the GLOBAL scope (scope_id NULL) one scope too.
    await q.query(`CREATE UNIQUE INDEX configuration_entries_scope_key ON configuration_entries (level, scope_id, key) NULLS NOT DISTINCT`);
    await q.query(`CREATE INDEX configuration_entries_tenant_idx ON configuration_entries (tenant_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE configuration_entries`);
  }
}
