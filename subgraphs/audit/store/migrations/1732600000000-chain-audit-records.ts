import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { ActorKind } from '../../../../infrastructure/events/domain-event';
import { GENESIS, linkRecords } from '../../service/audit-chain';
import { chainKeyOf } from '../audit-input';

interface UnchainedRow {
  event_id: string;
  tenant_id: string | null;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  actor_kind: ActorKind;
  actor_id: string | null;
  request_id: string | null;
  occurred_at: Date;
  data: Record<string, unknown>;
  schema_version: number;
  source: string;
  aggregate_version: number;
  recorded_at: Date;
}

const BACKFILL_PAGE = 1_000;

/**
 * Turns audit_records into per-tenant hash chains. Rows written before this migration are kept and chained in
 * event-id (time) order, rather than dropped: an audit trail that loses its history on upgrade is not one. They had
 * no schema version, source or aggregate version, so they get 1, 'unknown' and 0, and recorded_at is the migration
 * time.
 */
export class ChainAuditRecords1732600000000 implements MigrationInterface {
  name = 'ChainAuditRecords1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE audit_records
        ADD COLUMN schema_version integer NOT NULL DEFAULT 1,
        ADD COLUMN source text NOT NULL DEFAULT 'unknown',
        ADD COLUMN aggregate_version integer NOT NULL DEFAULT 0,
        ADD COLUMN ip_address text,
        ADD COLUMN user_agent text,
        ADD COLUMN sequence bigint,
        ADD COLUMN previous_hash text,
        ADD COLUMN hash text,
        ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now()`);
    // The defaults only fill the rows above; the store always writes these columns.
    await q.query(`
      ALTER TABLE audit_records
        ALTER COLUMN schema_version DROP DEFAULT,
        ALTER COLUMN source DROP DEFAULT,
        ALTER COLUMN aggregate_version DROP DEFAULT`);
    await q.query(`
      CREATE TABLE audit_chain_heads (
        tenant_key uuid PRIMARY KEY,
        last_sequence bigint NOT NULL,
        last_hash text NOT NULL,
        anchor_sequence bigint NOT NULL,
        anchor_hash text NOT NULL
      )`);
    await q.query(`COMMENT ON COLUMN audit_chain_heads.tenant_key IS 'tenant id; the nil UUID for platform records (tenant_id NULL)'`);

    const tenants = (await q.query(`SELECT DISTINCT tenant_id FROM audit_records`)) as Array<{ tenant_id: string | null }>;
    for (const { tenant_id: tenantId } of tenants) await chainExistingRows(q, tenantId);

    await q.query(`
      ALTER TABLE audit_records
        ALTER COLUMN sequence SET NOT NULL,
        ALTER COLUMN previous_hash SET NOT NULL,
        ALTER COLUMN hash SET NOT NULL`);
    // NULLS NOT DISTINCT: the platform chain (tenant_id NULL) needs unique sequences too.
    await q.query(`CREATE UNIQUE INDEX audit_records_chain_idx ON audit_records (tenant_id, sequence) NULLS NOT DISTINCT`);
    await q.query(`CREATE INDEX audit_records_aggregate_idx ON audit_records (aggregate_id)`);
    await q.query(`CREATE INDEX audit_records_actor_idx ON audit_records (actor_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_records_actor_idx`);
    await q.query(`DROP INDEX audit_records_aggregate_idx`);
    await q.query(`DROP INDEX audit_records_chain_idx`);
    await q.query(`DROP TABLE audit_chain_heads`);
    await q.query(`
      ALTER TABLE audit_records
        DROP COLUMN schema_version, DROP COLUMN source, DROP COLUMN aggregate_version, DROP COLUMN ip_address,
        DROP COLUMN user_agent, DROP COLUMN sequence, DROP COLUMN previous_hash, DROP COLUMN hash, DROP COLUMN recorded_at`);
  }
}

async function chainExistingRows(q: QueryRunner, tenantId: string | null): Promise<void> {
  let head = GENESIS;
  let after: string | null = null;
  for (;;) {
    const rows = (await q.query(
      `SELECT event_id, tenant_id, type, aggregate_type, aggregate_id, actor_kind, actor_id, request_id, occurred_at,
              data, schema_version, source, aggregate_version, recorded_at
         FROM audit_records
        WHERE tenant_id IS NOT DISTINCT FROM $1::uuid AND ($2::uuid IS NULL OR event_id > $2::uuid)
        ORDER BY event_id
        LIMIT ${BACKFILL_PAGE}`,
      [tenantId, after],
    )) as UnchainedRow[];
    const last = rows[rows.length - 1];
    if (last === undefined) break;
    const chained = linkRecords(
      head,
      rows.map((row) => ({
        eventId: row.event_id,
        type: row.type,
        schemaVersion: row.schema_version,
        source: row.source,
        aggregateType: row.aggregate_type,
        aggregateId: row.aggregate_id,
        aggregateVersion: row.aggregate_version,
        tenantId: row.tenant_id,
        actorKind: row.actor_kind,
        actorId: row.actor_id,
        requestId: row.request_id,
        ipAddress: null,
        userAgent: null,
        occurredAt: row.occurred_at,
        data: row.data,
      })),
      last.recorded_at,
    );
    await q.query(
      `UPDATE audit_records r SET sequence = c.sequence, previous_hash = c.previous_hash, hash = c.hash
         FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[]) AS c(event_id, sequence, previous_hash, hash)
        WHERE r.event_id = c.event_id`,
      [chained.map((r) => r.eventId), chained.map((r) => r.sequence), chained.map((r) => r.previousHash), chained.map((r) => r.hash)],
    );
    const newest = chained[chained.length - 1];
    if (newest !== undefined) head = { sequence: newest.sequence, hash: newest.hash };
    after = last.event_id;
  }
  await q.query(
    `INSERT INTO audit_chain_heads (tenant_key, last_sequence, last_hash, anchor_sequence, anchor_hash) VALUES ($1, $2, $3, $4, $5)`,
    [chainKeyOf(tenantId), head.sequence, head.hash, GENESIS.sequence, GENESIS.hash],
  );
}
