import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Persisted operations clients registered (the safelist): one row per operation id (sha256 of its body). */
export class PersistedOperations1764800000000 implements MigrationInterface {
  name = 'PersistedOperations1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registry_persisted_operations (
        position bigserial UNIQUE,
        id text PRIMARY KEY,
        name text,
        type text NOT NULL,
        body text NOT NULL,
        client_name text NOT NULL,
        registered_by text NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`GRANT USAGE, SELECT ON SEQUENCE registry_persisted_operations_position_seq TO lattice_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE registry_persisted_operations`);
  }
}
