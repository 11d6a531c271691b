import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantAppRole } from '../../../infrastructure/database/row-level-security';
import { createEventStoreTables, dropEventStoreTables } from '../../../infrastructure/events/outbox/event-store-schema';

/**
 * The schema registry's tables. None holds tenant data (schemas and operation signatures are the platform's), so
 * they carry no row-level policy; the event store beside them (publishes are audited) has the usual ones.
 */
export class CreateRegistry1764700000000 implements MigrationInterface {
  name = 'CreateRegistry1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registry_subgraph_versions (
        id uuid PRIMARY KEY,
        subgraph text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        routing_url text NOT NULL,
        sdl text NOT NULL,
        author text NOT NULL,
        commit_sha text,
        published_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT registry_subgraph_version UNIQUE (subgraph, version)
      )`);
    await q.query(`
      CREATE TABLE registry_supergraphs (
        position bigserial PRIMARY KEY,
        id text NOT NULL,
        sdl text NOT NULL,
        subgraphs jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // What an operation is, once per signature; how often each client ran it, per day.
    await q.query(`
      CREATE TABLE registry_operations (
        signature_hash text PRIMARY KEY,
        signature text NOT NULL,
        operation_name text,
        coordinates text[] NOT NULL
      )`);
    await q.query(`
      CREATE TABLE registry_operation_counts (
        signature_hash text NOT NULL REFERENCES registry_operations (signature_hash),
        client_name text NOT NULL,
        client_version text NOT NULL,
        day date NOT NULL,
        count bigint NOT NULL CHECK (count > 0),
        PRIMARY KEY (signature_hash, client_name, client_version, day)
      )`);
    await q.query(`CREATE INDEX registry_operation_counts_day ON registry_operation_counts (day)`);
    // The app role first: the event store's grants name it.
    await grantAppRole(q, 'lattice_migrations');
    await q.query(`GRANT USAGE, SELECT ON SEQUENCE registry_supergraphs_position_seq TO lattice_app`);
    await createEventStoreTables(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropEventStoreTables(q);
    for (const table of ['registry_operation_counts', 'registry_operations', 'registry_supergraphs', 'registry_subgraph_versions']) await q.query(`DROP TABLE ${table}`);
  }
}
