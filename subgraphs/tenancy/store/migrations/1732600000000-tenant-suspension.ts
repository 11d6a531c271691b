import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Why and since when a tenant is suspended; both are cleared on reactivation. */
export class TenantSuspension1732600000000 implements MigrationInterface {
  name = 'TenantSuspension1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants ADD COLUMN suspended_reason text NULL, ADD COLUMN suspended_at timestamptz NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants DROP COLUMN suspended_reason, DROP COLUMN suspended_at`);
  }
}
