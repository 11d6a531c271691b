import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, ensureAppRole } from '../../../../infrastructure/database/row-level-security';

/**
 * Lets audit run as an unprivileged login (AUDIT_DATABASE_APP_URL, a member of APP_ROLE) like the other services.
 * The grants are what the store does and no more: records are appended, read and cut by retention, never updated,
 * so a compromised audit process can neither rewrite a record nor drop, alter or truncate the tables. Tables later
 * migrations add are granted by those migrations (no default privileges here, unlike identity and tenancy).
 */
export class AuditAppRole1766000000000 implements MigrationInterface {
  name = 'AuditAppRole1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await ensureAppRole(q);
    await q.query(`GRANT USAGE ON SCHEMA public TO ${APP_ROLE}`);
    await q.query(`GRANT SELECT, INSERT, DELETE ON audit_records TO ${APP_ROLE}`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON audit_chain_heads TO ${APP_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`REVOKE ALL ON audit_records, audit_chain_heads FROM ${APP_ROLE}`);
  }
}
