import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateIdentity1732500000000 implements MigrationInterface {
  name = 'CreateIdentity1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        tenant_id uuid,
        email text NOT NULL,
        email_normalized text NOT NULL,
        display_name text NOT NULL,
        password_hash text NOT NULL,
        status text NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'DEACTIVATED')),
        roles text[] NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One account per e-mail per tenant; platform users (tenant_id NULL) are one more scope of their own.
    await q.query(`CREATE UNIQUE INDEX users_tenant_email_key ON users (tenant_id, email_normalized) NULLS NOT DISTINCT`);
    await q.query(`CREATE INDEX users_tenant_id_idx ON users (tenant_id, id)`);
    await q.query(`
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        algorithm text NOT NULL,
        public_jwk text NOT NULL,
        private_jwk_encrypted text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id),
        tenant_id uuid,
        family_id uuid NOT NULL,
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE refresh_tokens`);
    await q.query(`DROP TABLE signing_keys`);
    await q.query(`DROP TABLE users`);
  }
}
