import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateHierarchy1732700000000 implements MigrationInterface {
  name = 'CreateHierarchy1732700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        name text NOT NULL,
        archived_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Names are unique among a tenant's active organizations; an archived one frees its name.
    await q.query(`CREATE UNIQUE INDEX organizations_active_name_key ON organizations (tenant_id, lower(name)) WHERE archived_at IS NULL`);
    await q.query(`CREATE INDEX organizations_tenant_idx ON organizations (tenant_id, id)`);
    await q.query(`
      CREATE TABLE departments (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        organization_id uuid NOT NULL REFERENCES organizations (id),
        parent_id uuid REFERENCES departments (id),
        path uuid[] NOT NULL DEFAULT '{}',
        name text NOT NULL,
        archived_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX departments_active_name_key ON departments (organization_id, parent_id, lower(name)) NULLS NOT DISTINCT WHERE archived_at IS NULL`,
    );
    await q.query(`CREATE INDEX departments_organization_idx ON departments (organization_id, id)`);
    await q.query(`CREATE INDEX departments_path_idx ON departments USING gin (path)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE departments`);
    await q.query(`DROP TABLE organizations`);
  }
}
