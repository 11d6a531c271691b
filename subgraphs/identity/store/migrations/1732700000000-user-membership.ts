import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users may belong to one organization and one department of their tenant (tenancy owns both). */
export class UserMembership1732700000000 implements MigrationInterface {
  name = 'UserMembership1732700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN organization_id uuid, ADD COLUMN department_id uuid`);
    await q.query(`CREATE INDEX users_tenant_organization_idx ON users (tenant_id, organization_id, id)`);
    await q.query(`CREATE INDEX users_tenant_department_idx ON users (tenant_id, department_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN department_id, DROP COLUMN organization_id`);
  }
}
