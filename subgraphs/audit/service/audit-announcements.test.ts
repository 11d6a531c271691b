import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDomainEvent, InProcessEventBus, InProcessEventStream, type DomainEvent, type StreamConsumer } from '../../../infrastructure/events';
import { loggerOver, type LogFields } from '../../../infrastructure/logging/logger';
import { startEmbeddedDatabase } from '../../../test/support/embedded-database';
import { eventually } from '../../../test/foreign/eventually';
import { createTestDatabases, TEST_POSTGRES_URL } from '../../../test/support/infrastructure';
import { distributedAvailable } from '../../../test/support/modes';
import { AUDIT_MIGRATIONS } from '../store/postgres-audit-schema';
import { PostgresAuditStore } from '../store/postgres-audit-store';
import { AUDIT_EVENT_RECORDED, AuditAnnouncer, auditEventRecorded } from './audit-announcements';
import { AuditRecorder } from './audit-recorder';

/**
 * Audit announces each record it writes on the live bus, fed as in the platform: events arrive through the
 * (in-process) stream's `audit` group and are recorded in the PostgreSQL store; announcements go to the in-process
 * bus. Real PostgreSQL when the distributed suite's server is there, else the embedded PGlite.
 */
async function auditDatabase(): Promise<{ url: string; close(): Promise<void> }> {
  if (distributedAvailable()) {
    const databases = await createTestDatabases(TEST_POSTGRES_URL, ['audit']);
    return { url: databases.urls.audit, close: () => databases.drop() };
  }
  const server = await startEmbeddedDatabase();
  return { url: server.url, close: () => server.stop() };
}

function organizationCreated(tenantId: string, requestId: string): DomainEvent {
  return createDomainEvent({
    type: 'tenancy.organization.created',
    source: 'tenancy',
    aggregateType: 'Organization',
    aggregateId: randomUUID(),
    aggregateVersion: 1,
    tenantId,
    actor: { kind: 'USER', id: randomUUID() },
    requestId,
    data: { name: 'Research', status: 'ACTIVE' },
  });
}

describe('audit announcing what it records', () => {
  let opened: Awaited<ReturnType<typeof auditDatabase>>;
  let dataSource: DataSource;
  let store: PostgresAuditStore;
  let stream: InProcessEventStream;
  let bus: InProcessEventBus;
  let consumer: StreamConsumer;
  const warnings: { message: string; fields: LogFields }[] = [];
  const logger = loggerOver({ write: (level, message, fields) => void (level === 'warn' && warnings.push({ message, fields })) });
  const heard: DomainEvent[] = [];

  /** The announcements heard so far of the recorded event `eventId`. */
  const announcementsOf = (eventId: string) => heard.filter((event) => event.aggregateId === eventId);
  const announced = (events: readonly DomainEvent[]) =>
    eventually(async () => (events.every((event) => announcementsOf(event.id).length > 0) ? true : undefined), { what: 'the announcements' });

  beforeAll(async () => {
    opened = await auditDatabase();
    dataSource = await new DataSource({ type: 'postgres', url: opened.url, migrations: AUDIT_MIGRATIONS, migrationsTableName: 'lattice_migrations', logging: false, extra: { max: 4 } }).initialize();
    await dataSource.runMigrations();
    store = new PostgresAuditStore(dataSource);
    stream = new InProcessEventStream();
    bus = new InProcessEventBus();
    await bus.subscribe(AUDIT_EVENT_RECORDED, (event) => void heard.push(event));
    const recorder = new AuditRecorder(store, new AuditAnnouncer(bus, logger));
    // As audit-subgraph.ts consumes: group `audit`, every batch recorded (and announced) by the recorder.
    consumer = await stream.consume({ group: 'audit', consumer: 'audit-test', blockMs: 20, handle: async (events) => void (await recorder.record(events)) });
  }, 120_000);

  afterAll(async () => {
    await consumer?.stop();
    await stream?.close();
    await bus?.close();
    await dataSource?.destroy();
    await opened?.close();
  });

  it('publishes one audit.event.recorded per newly written record, naming the record, its place in the chain and the request', async () => {
    const tenant = randomUUID();
    const events = [organizationCreated(tenant, 'request-1'), organizationCreated(tenant, 'request-2'), organizationCreated(tenant, 'request-3')];
    await stream.append(events);
    await announced(events);

    const stored = await store.findByIds(events.map((event) => event.id));
    expect(events.map((event) => announcementsOf(event.id))).toEqual(
      stored.map((record): unknown[] => [
        expect.objectContaining({
          type: 'audit.event.recorded',
          schemaVersion: 1,
          source: 'audit',
          aggregateType: 'AuditEvent',
          aggregateId: record.eventId,
          aggregateVersion: record.sequence,
          tenantId: tenant,
          actor: { kind: 'SYSTEM', id: null },
          requestId: record.requestId,
          data: { eventType: 'tenancy.organization.created', eventAggregateId: record.aggregateId, sequence: record.sequence, hash: record.hash },
        }),
      ]),
    );
    expect(stored.map((record) => [record.sequence, record.requestId])).toEqual([
      [1, 'request-1'],
      [2, 'request-2'],
      [3, 'request-3'],
    ]);
  });

  it('publishes nothing for a redelivered event, which writes nothing', async () => {
    const tenant = randomUUID();
    const first = [organizationCreated(tenant, 'request-a'), organizationCreated(tenant, 'request-b')];
    await stream.append(first);
    await announced(first);

    // Delivered again (a relay replaying after data loss), then one new event: the stream and the bus keep order, so
    // once the new one is announced, any announcement of the redelivered ones would have been heard before it.
    const fresh = organizationCreated(tenant, 'request-c');
    await stream.append([...first, fresh]);
    await announced([fresh]);

    expect([...first, fresh].map((event) => announcementsOf(event.id).length)).toEqual([1, 1, 1]);
    expect(announcementsOf(fresh.id)[0]).toMatchObject({ aggregateVersion: 3, data: { sequence: 3 } });
  });

  it('records a batch even when the live bus refuses the announcements, and logs a warning', async () => {
    const refusing = { publish: () => Promise.reject(new Error('bus is down')) };
    const recorder = new AuditRecorder(store, new AuditAnnouncer(refusing, logger));
    const event = organizationCreated(randomUUID(), 'request-d');

    const written = await recorder.record([event]);

    expect(written.map((record) => record.eventId)).toEqual([event.id]);
    expect(await store.findByIds([event.id])).toHaveLength(1);
    expect(warnings).toContainEqual({ message: 'audit: could not announce a written record on the live bus', fields: expect.objectContaining({ eventId: event.id }) });
  });

  it('never records its own announcements, and the stream refuses one as an unregistered type', async () => {
    const [record] = await new AuditRecorder(store).record([organizationCreated(randomUUID(), 'request-e')]);
    const announcement = auditEventRecorded(record!);

    expect(await new AuditRecorder(store).record([announcement])).toEqual([]);
    expect(await store.findByIds([announcement.id])).toEqual([]);

    await stream.append([announcement]);
    const dead = await eventually(async () => (await stream.deadLetters()).find((letter) => letter.payload.includes(announcement.id)), { what: 'the dead letter' });
    expect(dead.reason).toBe('unknown event type audit.event.recorded');
    expect(await store.findByIds([announcement.id])).toEqual([]);
  });
});
