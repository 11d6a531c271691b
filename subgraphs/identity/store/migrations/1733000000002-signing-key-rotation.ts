import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Key rotation: a new key is published at once but signs only from `activates_at`, so every gateway can have it
 * before the first token it signs arrives. Existing keys were active from their creation.
 */
export class SigningKeyRotation1733000000002 implements MigrationInterface {
  name = 'SigningKeyRotation1733000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE signing_keys ADD COLUMN activates_at timestamptz`);
    await q.query(`UPDATE signing_keys SET activates_at = created_at`);
    await q.query(`ALTER TABLE signing_keys ALTER COLUMN activates_at SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE signing_keys DROP COLUMN activates_at`);
  }
}
