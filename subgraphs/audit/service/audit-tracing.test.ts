import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { parseConfig } from '../../../infrastructure/config/config';
import { createDomainEvent, type DomainEvent } from '../../../infrastructure/events/domain-event';
import { startTracing, type RunningTracing } from '../../../infrastructure/tracing/tracing';
import type { AuditRecord } from '../store/audit-store';
import { recordTraced } from './audit-tracing';
import { toAuditInput } from './audit-recorder';

const event = (): DomainEvent =>
  createDomainEvent({
    type: 'tenancy.organization.created',
    source: 'tenancy',
    aggregateType: 'Organization',
    aggregateId: 'org-1',
    aggregateVersion: 1,
    tenantId: null,
    actor: { kind: 'SYSTEM', id: null },
    requestId: 'r-1',
    data: {},
  });
const recorded = (e: DomainEvent, sequence: number): AuditRecord => ({ ...toAuditInput(e), sequence, previousHash: '', hash: '', recordedAt: new Date() });

describe("the audit consumer's spans", () => {
  const exporter = new InMemorySpanExporter();
  let tracing: RunningTracing;
  beforeAll(() => {
    tracing = startTracing(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, 'platform'), 'audit', exporter);
  });
  afterAll(() => tracing.stop());
  beforeEach(() => exporter.reset());

  /** An event written inside a span of its own (a request's), and that span. */
  function writtenInTrace(): { event: DomainEvent; writer: { traceId: string; spanId: string } } {
    const span = trace.getTracer('test').startSpan('tenancy CreateOrganization');
    const written = context.with(trace.setSpan(context.active(), span), event);
    span.end();
    return { event: written, writer: span.spanContext() };
  }

  it('records each traced event in a CONSUMER span that continues the trace of the span that wrote it', async () => {
    const first = writtenInTrace();
    const second = writtenInTrace();
    await recordTraced([first.event, second.event], async () => [recorded(first.event, 7)]);
    await tracing.flush();
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'audit record tenancy.organization.created');
    expect(spans).toHaveLength(2);
    for (const [{ event: e, writer }, span] of [first, second].map((w) => [w, spans.find((s) => s.attributes['messaging.message.id'] === w.event.id)!] as const)) {
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.spanContext().traceId).toBe(writer.traceId);
      expect(span.parentSpanContext?.spanId).toBe(writer.spanId);
      expect(span.attributes['lattice.request_id']).toBe(e.requestId);
    }
    const bySequence = (e: DomainEvent) => spans.find((s) => s.attributes['messaging.message.id'] === e.id)!.attributes;
    expect(bySequence(first.event)).toMatchObject({ 'lattice.audit.recorded': true, 'lattice.audit.sequence': 7 });
    // Not among what the store wrote: a redelivery of a record it already had.
    expect(bySequence(second.event)).toMatchObject({ 'lattice.audit.recorded': false });
  });

  it('starts no span for an event written outside a trace', async () => {
    await recordTraced([event()], async () => []);
    await tracing.flush();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('marks the spans failed when the batch fails, and lets the failure reach the consumer', async () => {
    const { event: e } = writtenInTrace();
    await expect(recordTraced([e], () => Promise.reject(new Error('store unreachable')))).rejects.toThrow('store unreachable');
    await tracing.flush();
    const [span] = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER);
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'store unreachable' });
  });
});
