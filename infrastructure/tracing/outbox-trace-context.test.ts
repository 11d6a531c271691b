import { randomUUID } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { DataSource } from 'typeorm';
import { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS } from '../../subgraphs/identity/store/identity-store';
import { startEmbeddedDatabase } from '../../test/support/embedded-database';
import { eventually } from '../../test/foreign/eventually';
import { parseConfig } from '../config/config';
import { openDatabase } from '../database/data-source';
import { TenantDatabase } from '../database/scoped-database';
import type { DomainEvent } from '../events/domain-event';
import { InProcessEventBus } from '../events/in-process-event-bus';
import { EventStore, type PendingEvent } from '../events/outbox/event-store';
import { OutboxRelay } from '../events/outbox/outbox-relay';
import { OutboxSignal } from '../events/outbox/outbox-signal';
import { InProcessEventStream } from '../events/stream/in-process-event-stream';
import { loggerOver } from '../logging/logger';
import { startTracing, type RunningTracing } from './tracing';

const logger = loggerOver({ write: () => undefined });

/** On identity's real schema (its migrations add the outbox's traceparent column), in PGlite as the embedded mode runs it. */
describe('the trace context of an event, through the outbox', () => {
  let tracing: RunningTracing;
  let dataSource: DataSource;
  let database: TenantDatabase;
  let stopDatabase: () => Promise<void>;
  const tenantId = randomUUID();

  beforeAll(async () => {
    tracing = startTracing(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, 'platform'), 'identity', new InMemorySpanExporter());
    const server = await startEmbeddedDatabase();
    stopDatabase = () => server.stop();
    dataSource = await openDatabase({ name: 'identity', url: server.url, poolSize: 4, logger, entities: IDENTITY_ENTITIES, migrations: IDENTITY_MIGRATIONS });
    database = new TenantDatabase(dataSource, logger);
  }, 90_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await stopDatabase?.();
    await tracing?.stop();
  });

  const pending = (aggregateId: string): PendingEvent => ({
    type: 'identity.user.updated',
    aggregateType: 'User',
    aggregateId,
    tenantId,
    actor: { kind: 'SYSTEM', id: 'test' },
    requestId: null,
    data: {},
  });

  it('keeps the traceparent of the span that appended an event, and the relay hands it on to the stream', async () => {
    const signal = new OutboxSignal();
    const store = new EventStore('identity', signal);
    const db = database.forTenant(tenantId);
    const traced: string = randomUUID();
    const untraced: string = randomUUID();
    const span = trace.getTracer('test').startSpan('identity UpdateUser');
    await context.with(trace.setSpan(context.active(), span), () => store.append(db, [pending(traced)]));
    span.end();
    await store.append(db, [pending(untraced)]);
    const traceparent = `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

    expect((await store.readStream(db, 'User', traced))[0]?.traceparent).toBe(traceparent);
    expect('traceparent' in (await store.readStream(db, 'User', untraced))[0]!).toBe(false);

    const stream = new InProcessEventStream();
    const delivered: DomainEvent[] = [];
    await stream.consume({ group: 'audit', consumer: 'test', handle: async (events) => void delivered.push(...events) });
    const bus = new InProcessEventBus();
    const relay = new OutboxRelay({ database: database.asPlatform('relay test'), stream, bus, signal, holder: `relay-${randomUUID()}`, logger, pollMs: 20 });
    await relay.start();
    await eventually(async () => (delivered.filter((e) => [traced, untraced].includes(e.aggregateId)).length === 2 ? true : undefined), { what: 'both events on the stream' });
    await relay.stop();
    await stream.close();
    await bus.close();
    expect(delivered.find((e) => e.aggregateId === traced)?.traceparent).toBe(traceparent);
    expect(delivered.find((e) => e.aggregateId === untraced)).not.toHaveProperty('traceparent');
  }, 30_000);
});
