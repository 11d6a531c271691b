import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { createTestDatabases, TEST_POSTGRES_URL, type TestDatabases } from '../../../test/support/infrastructure';
import { distributedAvailable } from '../../../test/support/modes';
import { describeAuditStoreContract, type AuditStoreHarness } from './audit-store.contract';
import type { AuditRecordInput } from './audit-store';
import { CreateAuditRecords1732500000000 } from './migrations/1732500000000-create-audit-records';
import { AUDIT_MIGRATIONS } from './postgres-audit-schema';
import { PostgresAuditStore } from './postgres-audit-store';

const postgresReady = distributedAvailable();
if (!postgresReady) process.stdout.write(`PostgresAuditStore tests SKIPPED: no PostgreSQL at ${TEST_POSTGRES_URL}\n`);
const describeWithPostgres = postgresReady ? describe : describe.skip;

// TypeORM's own signature for migration lists.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
function dataSourceFor(url: string, migrations: Function[] = AUDIT_MIGRATIONS): Promise<DataSource> {
  return new DataSource({ type: 'postgres', url, migrations, migrationsTableName: 'lattice_migrations', logging: false, extra: { max: 6 } }).initialize();
}

/** A fresh database at the current schema, with stores that each get their own pool (as separate replicas do). */
async function postgresHarness(): Promise<AuditStoreHarness & { url: string; sql: DataSource }> {
  const databases = await createTestDatabases(TEST_POSTGRES_URL, ['audit']);
  const sql = await dataSourceFor(databases.urls.audit);
  await sql.runMigrations();
  const pools: DataSource[] = [sql];
  return {
    url: databases.urls.audit,
    sql,
    async openStore() {
      const pool = await dataSourceFor(databases.urls.audit);
      pools.push(pool);
      return new PostgresAuditStore(pool);
    },
    async tamper(eventId) {
      await sql.query(`UPDATE audit_records SET data = data || '{"tampered": true}'::jsonb WHERE event_id = $1`, [eventId]);
    },
    async close() {
      await Promise.all(pools.map((pool) => pool.destroy()));
      await databases.drop();
    },
  };
}

if (postgresReady) describeAuditStoreContract('PostgresAuditStore', postgresHarness);

function record(tenantId: string | null, minute: number): AuditRecordInput {
  return {
    eventId: uuid7(),
    type: 'identity.user.created',
    schemaVersion: 1,
    source: 'postgres-audit-store-test',
    aggregateType: 'User',
    aggregateId: randomUUID(),
    aggregateVersion: 1,
    tenantId,
    actorKind: 'USER',
    actorId: randomUUID(),
    requestId: null,
    ipAddress: null,
    userAgent: null,
    occurredAt: new Date(Date.UTC(2024, 5, 1, 12, minute)),
    data: { minute },
  };
}

describeWithPostgres('PostgresAuditStore, tampered with in SQL', () => {
  let harness: Awaited<ReturnType<typeof postgresHarness>>;
  let store: PostgresAuditStore;

  beforeAll(async () => {
    harness = await postgresHarness();
    store = (await harness.openStore()) as PostgresAuditStore;
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('reports the record after one deleted from the middle of the chain', async () => {
    const tenant = randomUUID();
    const batch = [0, 1, 2, 3].map((m) => record(tenant, m));
    await store.append(batch);
    await harness.sql.query(`DELETE FROM audit_records WHERE event_id = $1`, [batch[1]!.eventId]);

    const verification = await store.verifyChain(tenant);
    expect(verification).toMatchObject({ ok: false, brokenAt: { eventId: batch[2]!.eventId, sequence: 3 } });
  });

  it('reports a chain whose newest record was deleted as broken', async () => {
    const tenant = randomUUID();
    const batch = [0, 1, 2].map((m) => record(tenant, m));
    await store.append(batch);
    await harness.sql.query(`DELETE FROM audit_records WHERE event_id = $1`, [batch[2]!.eventId]);

    expect(await store.verifyChain(tenant)).toEqual({ ok: false, brokenAt: null, checked: 2 });
  });

  it('reports a record inserted past the chain head, even with a correct hash', async () => {
    const tenant = randomUUID();
    const [first, forged] = [record(tenant, 0), record(tenant, 1)];
    await store.append([first, forged]);
    // Move the head back as if the second record had been slipped in without the store.
    await harness.sql.query(`UPDATE audit_chain_heads SET last_sequence = 1, last_hash = $2 WHERE tenant_key = $1`, [
      tenant,
      (await store.findByIds([first.eventId]))[0]!.hash,
    ]);

    expect(await store.verifyChain(tenant)).toMatchObject({ ok: false, brokenAt: { eventId: forged.eventId } });
  });

  it('reports a record whose occurredAt was changed', async () => {
    const tenant = randomUUID();
    const batch = [0, 1].map((m) => record(tenant, m));
    await store.append(batch);
    await harness.sql.query(`UPDATE audit_records SET occurred_at = occurred_at - interval '1 day' WHERE event_id = $1`, [batch[0]!.eventId]);

    expect(await store.verifyChain(tenant)).toMatchObject({ ok: false, brokenAt: { eventId: batch[0]!.eventId }, checked: 1 });
  });
});

describeWithPostgres('PostgresAuditStore migrations', () => {
  let databases: TestDatabases<'audit'>;

  beforeAll(async () => {
    databases = await createTestDatabases(TEST_POSTGRES_URL, ['audit']);
  });

  afterAll(async () => {
    await databases?.drop();
  });

  it('chains the records written before the hash chain existed, so they verify and new ones follow on', async () => {
    const before = await dataSourceFor(databases.urls.audit, [CreateAuditRecords1732500000000]);
    const tenant = randomUUID();
    const old = [0, 1, 2].map((m) => record(tenant, m));
    const oldPlatform = record(null, 3);
    try {
      await before.runMigrations();
      for (const r of [...old, oldPlatform]) {
        await before.query(
          `INSERT INTO audit_records (event_id, tenant_id, type, aggregate_type, aggregate_id, actor_kind, actor_id, request_id, occurred_at, data)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [r.eventId, r.tenantId, r.type, r.aggregateType, r.aggregateId, r.actorKind, r.actorId, r.requestId, r.occurredAt, JSON.stringify(r.data)],
        );
      }
    } finally {
      await before.destroy();
    }

    const after = await dataSourceFor(databases.urls.audit);
    try {
      await after.runMigrations();
      const store = new PostgresAuditStore(after);
      const next = record(tenant, 4);
      expect((await store.append([old[0]!, next])).map((r) => r.eventId)).toEqual([next.eventId]);

      const chain = await store.list({ tenantId: tenant }, null, 10);
      expect(chain.map((r) => [r.eventId, r.sequence])).toEqual([
        [next.eventId, 4],
        [old[2]!.eventId, 3],
        [old[1]!.eventId, 2],
        [old[0]!.eventId, 1],
      ]);
      expect(chain[3]).toMatchObject({ source: 'unknown', schemaVersion: 1, aggregateVersion: 0, data: { minute: 0 } });
      expect(await store.verifyChain(tenant)).toEqual({ ok: true, brokenAt: null, checked: 4 });
      expect(await store.verifyChain(null)).toEqual({ ok: true, brokenAt: null, checked: 1 });
    } finally {
      await after.destroy();
    }
  });
});
