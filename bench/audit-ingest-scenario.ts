import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startEmbeddedPostgres } from '../infrastructure/database/embedded-postgres';
import { uuid7 } from '../infrastructure/events/uuid7';
import type { AuditRecordInput } from '../subgraphs/audit/store/audit-store';
import { AUDIT_MIGRATIONS } from '../subgraphs/audit/store/postgres-audit-schema';
import { PostgresAuditStore } from '../subgraphs/audit/store/postgres-audit-store';
import { throwawayPostgres } from './throwaway-postgres';

export interface AuditIngestOptions {
  /** Records appended in batches of `batchSize` (what the stream consumer hands the store at once). */
  records: number;
  tenants: number;
  batchSize: number;
  /** Records appended one per call, for the batching ratio. */
  singles: number;
}

const DEFAULTS: AuditIngestOptions = { records: 50_000, tenants: 20, batchSize: 500, singles: 2_000 };

/** A throwaway audit database at the current schema: real PostgreSQL when reachable, otherwise PGlite. */
async function auditDatabase(): Promise<{ label: string; dataSource: DataSource; drop(): Promise<void> }> {
  const server = await throwawayPostgres(['audit']);
  let url: string;
  let label: string;
  let release: () => Promise<void>;
  if (server.available) {
    url = server.databases.urls.audit;
    label = 'PostgreSQL server (throwaway database)';
    release = () => server.databases.drop();
  } else {
    const dataDir = mkdtempSync(join(tmpdir(), 'lattice-bench-audit-'));
    const embedded = await startEmbeddedPostgres({ dataDir });
    url = embedded.url;
    label = `PGlite, embedded (${server.reason})`;
    release = async () => {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  // The same pool size the audit service gets against a server (infrastructure/modules/database-modules.ts).
  const dataSource = await new DataSource({ type: 'postgres', url, migrations: AUDIT_MIGRATIONS, migrationsTableName: 'lattice_migrations', logging: false, extra: { max: 10 } }).initialize();
  await dataSource.runMigrations();
  return {
    label,
    dataSource,
    async drop() {
      await dataSource.destroy();
      await release();
    },
  };
}

/** Records shaped like the ones the consumer makes from tenancy's events, spread round-robin over the tenants. */
function auditRecords(count: number, tenantIds: readonly string[]): AuditRecordInput[] {
  const occurredAt = Date.now();
  return Array.from({ length: count }, (_, i) => ({
    eventId: uuid7(),
    type: 'tenancy.organization.created',
    schemaVersion: 1,
    source: 'tenancy',
    aggregateType: 'Organization',
    aggregateId: uuid7(),
    aggregateVersion: 1,
    tenantId: tenantIds[i % tenantIds.length]!,
    actorKind: 'USER',
    actorId: randomUUID(),
    requestId: randomUUID(),
    ipAddress: '127.0.0.1',
    userAgent: 'lattice-bench',
    occurredAt: new Date(occurredAt + i),
    data: { name: `Bench Org ${i}`, status: 'ACTIVE' },
  }));
}

/** Appends `records` in sequential calls of `batchSize` (one consumer); returns events/s and how many were new. */
async function appendAll(store: PostgresAuditStore, records: readonly AuditRecordInput[], batchSize: number): Promise<{ perSecond: number; appended: number; seconds: number }> {
  let appended = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < records.length; i += batchSize) appended += (await store.append(records.slice(i, i + batchSize))).length;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSecond: records.length / seconds, appended, seconds };
}

/**
 * How fast the audit subgraph's PostgreSQL store takes events: one writer appending hash-chained records for many
 * tenants, in the consumer's batches and one at a time, into the same database in the same run.
 */
export async function benchAuditIngest(options: Partial<AuditIngestOptions> = {}): Promise<void> {
  const { records, tenants, batchSize, singles } = { ...DEFAULTS, ...options };
  const database = await auditDatabase();
  try {
    const store = new PostgresAuditStore(database.dataSource);
    const tenantIds = Array.from({ length: tenants }, () => randomUUID());
    // Warm-up: creates every tenant's chain head and warms the pool and the plan cache; not counted.
    await appendAll(store, auditRecords(tenants * 5, tenantIds), batchSize);

    const batched = await appendAll(store, auditRecords(records, tenantIds), batchSize);
    const single = await appendAll(store, auditRecords(singles, tenantIds), 1);
    if (batched.appended !== records || single.appended !== singles) {
      throw new Error(`audit ingest: expected ${records} + ${singles} new records, the store reported ${batched.appended} + ${single.appended}`);
    }
    const [stored] = await database.dataSource.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM audit_records');
    const broken = await Promise.all(tenantIds.slice(0, 3).map((tenantId) => store.verifyChain(tenantId)));
    console.log(`audit ingest into PostgresAuditStore.append, ${database.label}`);
    console.log(
      `  ${records} records, ${tenants} tenants, batches of ${batchSize}, one writer: ${batched.perSecond.toFixed(0)} events/s (${batched.seconds.toFixed(2)} s; target >= 5000)`,
    );
    console.log(`  ${singles} records, batches of 1, one writer:   ${single.perSecond.toFixed(0)} events/s (${single.seconds.toFixed(2)} s)`);
    console.log(
      `  batching gain: ${(batched.perSecond / single.perSecond).toFixed(1)}x; rows stored ${stored?.count ?? '?'}; chains verified (3 of ${tenants}): ${broken.every((v) => v.ok) ? 'ok' : 'BROKEN'}`,
    );
  } finally {
    await database.drop();
  }
}
