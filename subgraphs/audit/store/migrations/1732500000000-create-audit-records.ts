import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAuditRecords1732500000000 implements MigrationInterface {
  name = 'CreateAuditRecords1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_records (
        event_id uuid PRIMARY KEY,
        tenant_id uuid,
        type text NOT NULL,
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        actor_kind text NOT NULL,
        actor_id text,
        request_id text,
        occurred_at timestamptz NOT NULL,
        data jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_records_tenant_idx ON audit_records (tenant_id, event_id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_records`);
  }
}
