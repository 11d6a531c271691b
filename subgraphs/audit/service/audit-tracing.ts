import { SpanKind, trace, type Span } from '@opentelemetry/api';
import type { DomainEvent } from '../../../infrastructure/events';
import { markFailed } from '../../../infrastructure/tracing/spans';
import { contextOfTraceparent, latticeTracer } from '../../../infrastructure/tracing/trace-context';
import type { AuditRecord } from '../store/audit-store';

/**
 * Records a batch the stream delivered with one CONSUMER span per event that carries a trace context, a child of
 * the span that wrote the event (`audit record tenancy.organization.created`), so the request's trace shows its
 * audit record. The trace id stays on the span and out of the record: the record's fields are what its hash covers.
 * Events written outside a trace get no span (a replay would otherwise start one trace per event).
 */
export async function recordTraced(events: readonly DomainEvent[], record: () => Promise<readonly AuditRecord[]>): Promise<readonly AuditRecord[]> {
  const spans = new Map<string, Span>();
  for (const event of events) {
    const parent = contextOfTraceparent(event.traceparent);
    if (!trace.getSpanContext(parent)) continue;
    spans.set(
      event.id.toLowerCase(),
      latticeTracer().startSpan(
        `audit record ${event.type}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'lattice',
            'messaging.operation.type': 'process',
            'messaging.consumer.group.name': 'audit',
            'messaging.message.id': event.id,
            'lattice.event.type': event.type,
            ...(event.tenantId ? { 'lattice.tenant_id': event.tenantId } : {}),
            ...(event.requestId ? { 'lattice.request_id': event.requestId } : {}),
          },
        },
        parent,
      ),
    );
  }
  if (spans.size === 0) return record();
  try {
    const written = await record();
    const sequences = new Map(written.map((entry) => [entry.eventId.toLowerCase(), entry.sequence]));
    for (const [eventId, span] of spans) {
      const sequence = sequences.get(eventId);
      // Not among the written: a redelivery of an event already recorded (the store is idempotent by event id).
      span.setAttribute('lattice.audit.recorded', sequence !== undefined);
      if (sequence !== undefined) span.setAttribute('lattice.audit.sequence', sequence);
    }
    return written;
  } catch (error) {
    for (const span of spans.values()) markFailed(span, error);
    throw error;
  } finally {
    for (const span of spans.values()) span.end();
  }
}
