import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { loggerOver } from '../../../infrastructure/logging/logger';
import { createTestDatabases, TEST_POSTGRES_URL, type TestDatabases } from '../../../test/support/infrastructure';
import { distributedAvailable } from '../../../test/support/modes';
import type { AuditRecordInput } from '../store/audit-store';
import { AUDIT_MIGRATIONS } from '../store/postgres-audit-schema';
import { PostgresAuditStore } from '../store/postgres-audit-store';
import { AuditRetention, parseRetentionDays } from './audit-retention';

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-11-25T12:00:00Z');
const logger = loggerOver({ write: () => undefined });

function recordAt(tenantId: string, daysAgo: number): AuditRecordInput {
  return {
    eventId: uuid7(),
    type: 'tenancy.organization.created',
    schemaVersion: 1,
    source: 'retention-test',
    aggregateType: 'Organization',
    aggregateId: randomUUID(),
    aggregateVersion: 1,
    tenantId,
    actorKind: 'SYSTEM',
    actorId: null,
    requestId: null,
    ipAddress: null,
    userAgent: null,
    occurredAt: new Date(NOW.getTime() - daysAgo * DAY),
    data: { daysAgo },
  };
}

describe('reading audit.retention_days', () => {
  it('accepts a whole number of days from 1 and ignores anything else (records are then kept)', () => {
    expect(parseRetentionDays(30)).toBe(30);
    for (const value of [0, -1, 1.5, '30', null, undefined, 36_501, { days: 3 }]) expect(parseRetentionDays(value)).toBeNull();
  });
});

(distributedAvailable() ? describe : describe.skip)('the retention job on PostgreSQL', () => {
  let databases: TestDatabases<'audit'>;
  let dataSource: DataSource;
  let store: PostgresAuditStore;

  beforeAll(async () => {
    databases = await createTestDatabases(TEST_POSTGRES_URL, ['audit']);
    dataSource = await new DataSource({ type: 'postgres', url: databases.urls.audit, migrations: AUDIT_MIGRATIONS, migrationsTableName: 'lattice_migrations', logging: false }).initialize();
    await dataSource.runMigrations();
    store = new PostgresAuditStore(dataSource);
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await databases?.drop();
  });

  it("removes each tenant's records older than its own setting, keeps the rest, and leaves every chain verifiable", async () => {
    const [short, long, unset, unreadable] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    for (const tenant of [short, long, unset, unreadable]) await store.append([400, 100, 40, 10, 1].map((days) => recordAt(tenant, days)));
    const settings: Record<string, number | null> = { [short]: 30, [long]: 365, [unset]: null };
    const retention = new AuditRetention(
      store,
      (tenantId) => (tenantId === unreadable ? Promise.reject(new Error('tenancy is down')) : Promise.resolve(settings[tenantId] ?? null)),
      logger,
      () => NOW,
    );
    const result = await retention.runOnce();
    expect(result.removed).toBe(3 + 1);
    const daysLeft = async (tenantId: string) => (await store.list({ tenantId }, null, 100)).map((r) => r.data.daysAgo).sort((x, y) => Number(x) - Number(y));
    expect(await daysLeft(short)).toEqual([1, 10]);
    expect(await daysLeft(long)).toEqual([1, 10, 40, 100]);
    expect(await daysLeft(unset)).toEqual([1, 10, 40, 100, 400]);
    expect(await daysLeft(unreadable)).toEqual([1, 10, 40, 100, 400]);
    for (const tenant of [short, long, unset, unreadable]) expect((await store.verifyChain(tenant)).ok).toBe(true);
  });
});
