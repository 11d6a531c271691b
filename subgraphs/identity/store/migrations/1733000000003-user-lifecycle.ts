import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Soft deletion: a deleted user keeps its row (audit trails still name it) with status DELETED, and its e-mail is
 * free again, since uniqueness now covers only users that are not deleted.
 */
export class UserLifecycle1733000000003 implements MigrationInterface {
  name = 'UserLifecycle1733000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_status_check`);
    await q.query(`ALTER TABLE users ADD CONSTRAINT users_status_check CHECK (status IN ('ACTIVE', 'SUSPENDED', 'DEACTIVATED', 'DELETED'))`);
    await q.query(`ALTER TABLE users ADD COLUMN deleted_at timestamptz`);
    await q.query(`DROP INDEX users_tenant_email_key`);
    await q.query(`CREATE UNIQUE INDEX users_tenant_email_key ON users (tenant_id, email_normalized) NULLS NOT DISTINCT WHERE status <> 'DELETED'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX users_tenant_email_key`);
    await q.query(`CREATE UNIQUE INDEX users_tenant_email_key ON users (tenant_id, email_normalized) NULLS NOT DISTINCT`);
    await q.query(`ALTER TABLE users DROP COLUMN deleted_at`);
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_status_check`);
    await q.query(`ALTER TABLE users ADD CONSTRAINT users_status_check CHECK (status IN ('ACTIVE', 'SUSPENDED', 'DEACTIVATED'))`);
  }
}
