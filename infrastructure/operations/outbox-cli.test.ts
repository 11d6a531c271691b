import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS } from '../../subgraphs/identity/store/identity-store';
import { appLoginUrl, createTestDatabases, TEST_POSTGRES_URL, type TestDatabases } from '../../test/support/infrastructure';
import { distributedAvailable } from '../../test/support/modes';
import { parseConfig } from '../config/config';
import { openDatabase } from '../database/data-source';
import { TenantDatabase } from '../database/scoped-database';
import { InProcessEventBus } from '../events/in-process-event-bus';
import { EventStore, type PendingEvent } from '../events/outbox/event-store';
import { OutboxRelay } from '../events/outbox/outbox-relay';
import { OutboxSignal } from '../events/outbox/outbox-signal';
import { InProcessEventStream } from '../events/stream/in-process-event-stream';
import { loggerOver, type LogFields } from '../logging/logger';
import { runOutboxCli } from './outbox-cli';

const silent = loggerOver({ write: () => undefined });
const suite = distributedAvailable() ? describe : describe.skip;

/**
 * `npm run ops:outbox` and `ops:replay` on identity's real schema, with the variables a service has. Row-level
 * security is forced on event_store, so the plain SQL an operator would type sees nothing; the commands see every tenant.
 */
suite('npm run ops:outbox / ops:replay', () => {
  let databases: TestDatabases<'identity'>;
  let dataSource: DataSource;
  let database: TenantDatabase;
  const store = new EventStore('identity');
  const tenants = [randomUUID(), randomUUID()] as const;
  const logged: { message: string; fields: LogFields }[] = [];

  const pending = (tenantId: string): PendingEvent => ({
    type: 'identity.user.updated',
    aggregateType: 'User',
    aggregateId: randomUUID(),
    tenantId,
    actor: { kind: 'SYSTEM', id: 'test' },
    requestId: null,
    data: {},
  });

  async function ops(...args: string[]) {
    let stdout = '';
    let stderr = '';
    const url = databases.urls.identity;
    const code = await runOutboxCli(args, {
      config: () => parseConfig({ IDENTITY_DATABASE_URL: url, IDENTITY_DATABASE_APP_URL: appLoginUrl(url) }, 'platform'),
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      logSink: { write: (_level, message, fields) => logged.push({ message, fields }) },
    });
    return { code, stdout, stderr };
  }

  /** What docs/operations.md used to say: plain SQL, as a login row-level security binds (not the test's superuser). */
  async function plainSql(sql: string): Promise<number> {
    const client = new Client({ connectionString: appLoginUrl(databases.urls.identity) });
    await client.connect();
    try {
      const { rows } = await client.query<{ count: string }>(sql);
      return Number(rows[0]?.count ?? 0);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    databases = await createTestDatabases(TEST_POSTGRES_URL, ['identity']);
    const url = databases.urls.identity;
    dataSource = await openDatabase({ name: 'identity', url, appUrl: appLoginUrl(url), poolSize: 2, logger: silent, entities: IDENTITY_ENTITIES, migrations: IDENTITY_MIGRATIONS });
    database = new TenantDatabase(dataSource, silent);
    await store.append(database.forTenant(tenants[0]), [pending(tenants[0])]);
    await store.append(database.forTenant(tenants[1]), [pending(tenants[1]), pending(tenants[1])]);
  }, 90_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await databases?.drop();
  });

  it("counts every tenant's unrelayed events, which plain SQL does not see", async () => {
    expect(await plainSql(`SELECT count(*) AS count FROM event_store WHERE published_at IS NULL`)).toBe(0);
    const result = await ops('outbox');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^identity\s+3\s+\d+\.\d s$/m);
    expect(logged).toContainEqual(expect.objectContaining({ message: 'platform-scope database access', fields: expect.objectContaining({ reason: expect.stringContaining('ops:outbox') }) }));
  });

  it('replays what was published since a time: a dry run counts, the replay marks them for the relay again', async () => {
    const since = new Date(Date.now() - 1_000).toISOString();
    const stream = new InProcessEventStream();
    const relay = new OutboxRelay({ database: database.asPlatform('relay test'), stream, bus: new InProcessEventBus(), signal: new OutboxSignal(), holder: `relay-${randomUUID()}`, logger: silent });
    await relay.relayOnce();
    expect((await ops('outbox')).stdout).toMatch(/^identity\s+0\s+-$/m);

    const dry = await ops('replay', '--service', 'identity', '--since', since, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('identity: 3 events were published since');
    expect((await ops('outbox')).stdout).toMatch(/^identity\s+0\s+-$/m);

    const replay = await ops('replay', '--service', 'identity', '--since', since);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('identity: 3 events published since');
    expect((await ops('outbox')).stdout).toMatch(/^identity\s+3\s/m);
    await relay.relayOnce();
    expect((await ops('outbox')).stdout).toMatch(/^identity\s+0\s+-$/m);
    await stream.close();
  });

  it('refuses a time without a zone, an unknown service and a missing --service, changing nothing', async () => {
    const local = await ops('replay', '--service', 'identity', '--since', '2026-12-04T10:00:00');
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('--since must be an ISO 8601 time with a zone');
    expect((await ops('replay', '--service', 'billing', '--since', '2026-12-04T10:00:00Z')).stderr).toContain('--service must be identity, tenancy or registry');
    expect((await ops('replay', '--since', '2026-12-04T10:00:00Z')).stderr).toContain('--service is required');
    expect((await ops('outbox')).stdout).toMatch(/^identity\s+0\s+-$/m);
  });
});
