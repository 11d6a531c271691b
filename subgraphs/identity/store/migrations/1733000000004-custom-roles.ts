import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateByTenant, removeIsolation } from '../../../../infrastructure/database/row-level-security';

/**
 * A tenant's custom roles (named sets of registered permissions) and role assignments: a user holds a role
 * (custom, or a built-in one by name) at a scope: the tenant, one organization or one department subtree.
 */
export class CustomRoles1733000000004 implements MigrationInterface {
  name = 'CustomRoles1733000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE roles (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL,
        permissions text[] NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX roles_tenant_name_key ON roles (tenant_id, lower(name))`);
    await q.query(`
      CREATE TABLE role_assignments (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        user_id uuid NOT NULL REFERENCES users (id),
        role_id text NOT NULL,
        scope_level text NOT NULL CHECK (scope_level IN ('TENANT', 'ORGANIZATION', 'DEPARTMENT')),
        scope_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by uuid
      )`);
    await q.query(`CREATE UNIQUE INDEX role_assignments_key ON role_assignments (user_id, role_id, scope_level, scope_id)`);
    await q.query(`CREATE INDEX role_assignments_role_idx ON role_assignments (tenant_id, role_id)`);
    await isolateByTenant(q, 'roles', { column: 'tenant_id' });
    await isolateByTenant(q, 'role_assignments', { column: 'tenant_id' });
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['role_assignments', 'roles']) await removeIsolation(q, table);
    await q.query(`DROP TABLE role_assignments`);
    await q.query(`DROP TABLE roles`);
  }
}
