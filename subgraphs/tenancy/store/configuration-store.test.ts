import type { DataSource } from 'typeorm';
import { openDatabase } from '../../../infrastructure/database/data-source';
import { TenantDatabase, type ScopedDatabase } from '../../../infrastructure/database/scoped-database';
import { queryCounterOf } from '../../../infrastructure/database/query-counter';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { loggerOver } from '../../../infrastructure/logging/logger';
import type { ConfigurationSlot } from '../service/configuration';
import { ConfigurationStore } from './configuration-store';
import { createTestDatabases, TEST_POSTGRES_URL, type TestDatabases } from '../../../test/support/infrastructure';
import { TENANCY_ENTITIES, TENANCY_MIGRATIONS } from './tenant-store';
import { distributedAvailable } from '../../../test/support/modes';

// PGlite cannot load inside Jest's module sandbox, so this suite needs the real PostgreSQL the distributed suites
// use (global setup probes it and announces a skip). The embedded end-to-end suite runs the same SQL on PGlite.
const postgresAvailable = distributedAvailable();

/** The store against real PostgreSQL with tenancy's real migrations. */
(postgresAvailable ? describe : describe.skip)('the configuration store', () => {
  let databases: TestDatabases<'tenancy'>;
  let dataSource: DataSource;
  let store: ConfigurationStore;
  let scoped: ScopedDatabase;
  let tenantId: string;

  beforeAll(async () => {
    databases = await createTestDatabases(TEST_POSTGRES_URL, ['tenancy']);
    dataSource = await openDatabase({
      name: 'tenancy',
      url: databases.urls.tenancy,
      poolSize: 2,
      logger: loggerOver({ write: () => undefined }),
      entities: TENANCY_ENTITIES,
      migrations: TENANCY_MIGRATIONS,
    });
    // GLOBAL entries are written only in platform scope; this suite is about the SQL, not the scope.
    scoped = new TenantDatabase(dataSource, loggerOver({ write: () => undefined })).asPlatform('store test');
    store = new ConfigurationStore(scoped);
    tenantId = uuid7();
    await dataSource.query(`INSERT INTO tenants (id, slug, name, status, version, created_at, updated_at) VALUES ($1, $2, 'T', 'ACTIVE', 1, now(), now())`, [
      tenantId,
      `t-${tenantId.slice(-8)}`,
    ]);
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await databases?.drop();
  });

  const set = (slot: ConfigurationSlot, value: unknown) =>
    store.upsert({ id: uuid7(), slot, tenantId: slot.level === 'GLOBAL' ? null : tenantId, json: JSON.stringify(value), updatedBy: 'u1' });

  it('inserts at version 1, then replaces the value and bumps the version on the same slot', async () => {
    const slot: ConfigurationSlot = { level: 'TENANT', scopeId: tenantId, key: 'upsert.tenant' };
    expect(await set(slot, { a: 1 })).toMatchObject({ ...slot, tenantId, value: { a: 1 }, version: 1, updatedBy: 'u1' });
    expect(await set(slot, [1, 'two'])).toMatchObject({ value: [1, 'two'], version: 2 });
    expect(await store.entriesAt([slot])).toEqual([expect.objectContaining({ value: [1, 'two'], version: 2 })]);
  });

  it('treats GLOBAL (no scope id) as one scope, so a second write replaces the first instead of adding a row', async () => {
    const slot: ConfigurationSlot = { level: 'GLOBAL', scopeId: null, key: 'upsert.global' };
    await set(slot, 'first');
    expect(await set(slot, 'second')).toMatchObject({ value: 'second', version: 2 });
    const rows = await dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM configuration_entries WHERE key = 'upsert.global'`);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('reads any mix of scoped and GLOBAL slots in one statement of a unit of work, returning only the ones that exist', async () => {
    const organizationId = uuid7();
    const slot: ConfigurationSlot = { level: 'ORGANIZATION', scopeId: organizationId, key: 'mix' };
    const global: ConfigurationSlot = { level: 'GLOBAL', scopeId: null, key: 'mix' };
    const absent: ConfigurationSlot = { level: 'DEPARTMENT', scopeId: uuid7(), key: 'mix' };
    await set(slot, 'org');
    await set(global, 'global');
    const counter = queryCounterOf(dataSource);
    // Inside an open unit of work, so only the store's own statements are counted.
    const { result, statements } = await scoped.run(() => counter.measure(() => store.entriesAt([absent, slot, global])));
    expect(statements).toBe(1);
    expect(result.map((e) => [e.level, e.value]).sort()).toEqual([
      ['GLOBAL', 'global'],
      ['ORGANIZATION', 'org'],
    ]);
  });

  it('deletes the one entry at a slot and hands it back; nothing there is null', async () => {
    const slot: ConfigurationSlot = { level: 'GLOBAL', scopeId: null, key: 'gone' };
    await set(slot, 1);
    await set({ level: 'TENANT', scopeId: tenantId, key: 'gone' }, 2);
    expect(await store.delete(slot)).toMatchObject({ level: 'GLOBAL', key: 'gone', value: 1 });
    expect(await store.delete(slot)).toBeNull();
    expect(await store.entriesAt([{ level: 'TENANT', scopeId: tenantId, key: 'gone' }])).toHaveLength(1);
  });

  it('refuses rows whose level and scope disagree', async () => {
    await expect(
      dataSource.query(`INSERT INTO configuration_entries (id, level, scope_id, tenant_id, key, value) VALUES ($1, 'GLOBAL', $2, $2, 'k', '1')`, [uuid7(), tenantId]),
    ).rejects.toThrow(/configuration_entries_scope_check/);
    await expect(
      dataSource.query(`INSERT INTO configuration_entries (id, level, scope_id, tenant_id, key, value) VALUES ($1, 'TENANT', $2, $3, 'k', '1')`, [uuid7(), uuid7(), tenantId]),
    ).rejects.toThrow(/configuration_entries_scope_check/);
  });

  it('counts every statement sent, and attributes to a measurement only its own', async () => {
    const counter = queryCounterOf(dataSource);
    const before = counter.total;
    const [mine, theirs] = await Promise.all([
      counter.measure(async () => {
        await store.entriesAt([{ level: 'GLOBAL', scopeId: null, key: 'a' }]);
        await store.entriesAt([{ level: 'GLOBAL', scopeId: null, key: 'b' }]);
      }),
      counter.measure(() => dataSource.transaction(async (manager) => manager.query<unknown[]>('SELECT 1'))),
    ]);
    // Each store call is its own unit of work: BEGIN, the row scope, the SELECT, COMMIT.
    expect(mine.statements).toBe(8);
    // BEGIN, SELECT, COMMIT: each one a round trip.
    expect(theirs.statements).toBe(3);
    expect(counter.total - before).toBe(11);
  });
});
