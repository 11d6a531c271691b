import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, removeIsolation, restrictToPlatform } from '../../../../infrastructure/database/row-level-security';

/**
 * Sessions (refresh-token families) and sign-in throttling. A session is revoked by family, so the family needs
 * an index. Throttle counters are shared by every identity replica; they belong to no tenant (an unknown tenant
 * slug is counted too), so only platform-scope work ("sign-in throttling") may touch them.
 */
export class SessionsAndThrottling1733000000000 implements MigrationInterface {
  name = 'SessionsAndThrottling1733000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)`);
    await q.query(`
      CREATE TABLE sign_in_attempts (
        key_hash text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('account', 'ip')),
        attempts integer NOT NULL CHECK (attempts >= 0),
        window_started_at timestamptz NOT NULL,
        locked_until timestamptz
      )`);
    await q.query(`CREATE INDEX sign_in_attempts_window_idx ON sign_in_attempts (window_started_at)`);
    // Default privileges cover new tables when the same owner migrates; granted explicitly in case it does not.
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON sign_in_attempts TO ${APP_ROLE}`);
    await restrictToPlatform(q, 'sign_in_attempts');
  }

  async down(q: QueryRunner): Promise<void> {
    await removeIsolation(q, 'sign_in_attempts');
    await q.query(`DROP TABLE sign_in_attempts`);
    await q.query(`DROP INDEX refresh_tokens_family_idx`);
  }
}
