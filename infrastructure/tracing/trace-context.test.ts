import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { parseConfig } from '../config/config';
import { createDomainEvent, parseDomainEvent, serializeDomainEvent, findDomainEventProblem, type NewDomainEvent } from '../events/domain-event';
import { InProcessEventStream } from '../events/stream/in-process-event-stream';
import { withRequestLogFacts } from '../logging/log-context';
import { PinoLogSink } from '../logging/logger';
import { activeTraceparent, contextOfTraceparent } from './trace-context';
import { startTracing, type RunningTracing } from './tracing';

const NEW_EVENT: NewDomainEvent<Record<string, unknown>> = {
  type: 'tenancy.organization.created',
  source: 'tenancy',
  aggregateType: 'Organization',
  aggregateId: 'org-1',
  aggregateVersion: 1,
  tenantId: null,
  actor: { kind: 'SYSTEM', id: null },
  requestId: 'r-1',
  data: { name: 'Research' },
};

/** Runs `work` inside a fresh span and hands back that span's `traceparent` as W3C writes it. */
function inSpan<T>(work: () => T): { result: T; traceparent: string } {
  const span = trace.getTracer('test').startSpan('writer');
  const result = context.with(trace.setSpan(context.active(), span), work);
  span.end();
  const { traceId, spanId } = span.spanContext();
  return { result, traceparent: `00-${traceId}-${spanId}-01` };
}

describe('trace context, in events and log lines', () => {
  let tracing: RunningTracing;
  beforeAll(() => {
    tracing = startTracing(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, 'platform'), 'tenancy', new InMemorySpanExporter());
  });
  afterAll(() => tracing.stop());

  it('gives the current span as a traceparent, and nothing outside a span', () => {
    expect(activeTraceparent()).toBeNull();
    const { result, traceparent } = inSpan(() => activeTraceparent());
    expect(result).toBe(traceparent);
  });

  it('reads a traceparent back as the remote context it names, and a malformed one as no context at all', () => {
    const { traceparent } = inSpan(() => null);
    const [, traceId, spanId] = traceparent.split('-');
    expect(trace.getSpanContext(contextOfTraceparent(traceparent))).toMatchObject({ traceId, spanId, isRemote: true });
    expect(trace.getSpanContext(contextOfTraceparent('00-not-a-trace-01'))).toBeUndefined();
    expect(trace.getSpanContext(contextOfTraceparent(null))).toBeUndefined();
  });

  it('stamps an event created inside a span with its traceparent, and leaves the field out otherwise', () => {
    const { result: traced, traceparent } = inSpan(() => createDomainEvent(NEW_EVENT));
    expect(traced.traceparent).toBe(traceparent);
    expect('traceparent' in createDomainEvent(NEW_EVENT)).toBe(false);
  });

  it('keeps the traceparent through the JSON the stream and bus carry', async () => {
    const { result: event, traceparent } = inSpan(() => createDomainEvent(NEW_EVENT));
    expect(parseDomainEvent(serializeDomainEvent(event)).traceparent).toBe(traceparent);
    const stream = new InProcessEventStream();
    const delivered = new Promise<string | null | undefined>((resolve) => {
      void stream.consume({ group: 'audit', consumer: 'test', handle: async ([first]) => resolve(first?.traceparent) });
    });
    await stream.append([event]);
    expect(await delivered).toBe(traceparent);
    await stream.close();
  });

  it('refuses an envelope whose traceparent is not a string, but accepts any string (a consumer ignores a malformed one)', () => {
    const event = createDomainEvent(NEW_EVENT);
    expect(findDomainEventProblem({ ...event, traceparent: 42 })).toMatch(/^traceparent must be a string, null or absent/);
    expect(findDomainEventProblem({ ...event, traceparent: 'garbage' })).toBeNull();
  });

  it("writes a line logged inside a request with its request id, tenant, operation and the current span's ids", () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new PinoLogSink('info', new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }));
    sink.write('info', 'outside', {});
    const span = trace.getTracer('test').startSpan('request');
    withRequestLogFacts({ requestId: 'req-7', tenantId: 'tenant-1', operationName: 'Me' }, () =>
      context.with(trace.setSpan(context.active(), span), () => sink.write('info', 'inside', { requestId: 'given-wins' })),
    );
    span.end();
    expect(lines[0]).not.toHaveProperty('traceId');
    expect(lines[0]).not.toHaveProperty('requestId');
    expect(lines[1]).toMatchObject({ msg: 'inside', traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, tenantId: 'tenant-1', operationName: 'Me', requestId: 'given-wins' });
  });
});
