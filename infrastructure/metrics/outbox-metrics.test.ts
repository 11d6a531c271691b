import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS } from '../../subgraphs/identity/store/identity-store';
import { appLoginUrl, createTestDatabases, TEST_POSTGRES_URL, type TestDatabases } from '../../test/support/infrastructure';
import { parseMetricsText, valueOf } from '../../test/support/metrics-text';
import { distributedAvailable } from '../../test/support/modes';
import { openDatabase } from '../database/data-source';
import { TenantDatabase } from '../database/scoped-database';
import { InProcessEventBus } from '../events/in-process-event-bus';
import { EventStore, type PendingEvent } from '../events/outbox/event-store';
import { OutboxRelay } from '../events/outbox/outbox-relay';
import { OutboxSignal } from '../events/outbox/outbox-signal';
import { InProcessEventStream } from '../events/stream/in-process-event-stream';
import { loggerOver } from '../logging/logger';
import { readOutbox, watchOutbox } from './outbox-metrics';
import { ProcessMetrics } from './process-metrics';

const silent = loggerOver({ write: () => undefined });
const suite = distributedAvailable() ? describe : describe.skip;

/**
 * On identity's real schema in real PostgreSQL, logged in as the services are (a member of lattice_app, neither
 * owner nor superuser), so row-level security applies to the collector exactly as in production.
 */
suite('outbox metrics', () => {
  let databases: TestDatabases<'identity'>;
  let dataSource: DataSource;
  let database: TenantDatabase;
  const store = new EventStore('identity');
  const tenantA = randomUUID();
  const tenantB = randomUUID();

  const pending = (tenantId: string): PendingEvent => ({
    type: 'identity.user.updated',
    aggregateType: 'User',
    aggregateId: randomUUID(),
    tenantId,
    actor: { kind: 'SYSTEM', id: 'test' },
    requestId: null,
    data: {},
  });

  /** As the database owner: what the test does behind the service's back. */
  async function asOwner(sql: string): Promise<void> {
    const client = new Client({ connectionString: databases.urls.identity });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    databases = await createTestDatabases(TEST_POSTGRES_URL, ['identity']);
    const url = databases.urls.identity;
    dataSource = await openDatabase({ name: 'identity', url, appUrl: appLoginUrl(url), poolSize: 4, logger: silent, entities: IDENTITY_ENTITIES, migrations: IDENTITY_MIGRATIONS });
    database = new TenantDatabase(dataSource, silent);
  }, 90_000);

  // Each test starts from an outbox with nothing waiting, whatever ran before it.
  beforeEach(() => asOwner(`UPDATE event_store SET published_at = now() WHERE published_at IS NULL`));

  afterAll(async () => {
    await dataSource?.destroy();
    await databases?.drop();
  });

  it("counts every tenant's unrelayed events and the age of the oldest, then 0 and 0 once the relay moved them", async () => {
    await store.append(database.forTenant(tenantA), [pending(tenantA)]);
    await store.append(database.forTenant(tenantB), [pending(tenantB), pending(tenantB)]);
    await asOwner(`UPDATE event_store SET occurred_at = now() - interval '90 seconds' WHERE tenant_id = '${tenantA}'`);
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    const stop = watchOutbox(metrics, { service: 'identity', database: database.asPlatform('outbox metrics test'), logger: silent });

    let samples = parseMetricsText(await metrics.text());
    expect(valueOf(samples, 'lattice_outbox_backlog', { service: 'identity' })).toBe(3);
    const lag = valueOf(samples, 'lattice_outbox_relay_lag_seconds', { service: 'identity' });
    expect(lag).toBeGreaterThanOrEqual(90);
    expect(lag).toBeLessThan(120);

    const stream = new InProcessEventStream();
    const relay = new OutboxRelay({ database: database.asPlatform('relay test'), stream, bus: new InProcessEventBus(), signal: new OutboxSignal(), holder: `relay-${randomUUID()}`, logger: silent });
    await relay.relayOnce();
    samples = parseMetricsText(await metrics.text());
    expect(valueOf(samples, 'lattice_outbox_backlog', { service: 'identity' })).toBe(0);
    expect(valueOf(samples, 'lattice_outbox_relay_lag_seconds', { service: 'identity' })).toBe(0);
    stop();
    await stream.close();
  });

  it('needs platform scope: forced row-level security shows a tenant scope only its own events', async () => {
    await store.append(database.forTenant(tenantA), [pending(tenantA)]);
    await store.append(database.forTenant(tenantB), [pending(tenantB)]);
    expect((await readOutbox(database.forTenant(tenantA))).backlog).toBe(1);
    expect((await readOutbox(database.unscoped())).backlog).toBe(0);
    expect((await readOutbox(database.asPlatform('outbox metrics test'))).backlog).toBe(2);
  });

  it('leaves its gauges out, without failing the scrape, when the database cannot answer', async () => {
    const warnings: string[] = [];
    const logger = loggerOver({ write: (level, message) => void (level === 'warn' && warnings.push(message)) });
    const closed = await openDatabase({ name: 'identity', url: databases.urls.identity, appUrl: appLoginUrl(databases.urls.identity), poolSize: 2, logger: silent, entities: IDENTITY_ENTITIES, migrations: IDENTITY_MIGRATIONS });
    await closed.destroy();
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    watchOutbox(metrics, { service: 'identity', database: new TenantDatabase(closed, silent).asPlatform('outbox metrics test'), logger });
    const samples = parseMetricsText(await metrics.text());
    expect(valueOf(samples, 'lattice_outbox_backlog', { service: 'identity' })).toBeUndefined();
    await metrics.text();
    expect(warnings).toEqual(['metrics: could not read the identity outbox; its gauges are left out of this scrape']);
  });
});
