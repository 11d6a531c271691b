import { AsyncLocalStorage } from 'node:async_hooks';
import { trace } from '@opentelemetry/api';

/**
 * What a log line written during a request should say about it. Filled in as the request learns it (a subgraph
 * knows the request id only once the signed context verifies), so it is one object per request, written in place.
 */
export interface RequestLogFacts {
  requestId?: string;
  tenantId?: string | null;
  operationName?: string | null;
}

const facts = new AsyncLocalStorage<RequestLogFacts>();

/** Runs `work` with `current` as the facts of every line logged inside it, however deep in its awaits. */
export function withRequestLogFacts<T>(current: RequestLogFacts, work: () => T): T {
  return facts.run(current, work);
}

/** The facts of the request being served here, if a request set them. */
export function requestLogFacts(): RequestLogFacts | undefined {
  return facts.getStore();
}

/**
 * The fields every line logged here carries: the request's facts, and `traceId`/`spanId` of the current span so a
 * line can be found from its trace and back. Nothing outside a request, and no trace fields with tracing off.
 */
export function logCorrelationFields(): Record<string, string> {
  const fields: Record<string, string> = {};
  const request = facts.getStore();
  if (request?.requestId) fields.requestId = request.requestId;
  if (request?.tenantId) fields.tenantId = request.tenantId;
  if (request?.operationName) fields.operationName = request.operationName;
  const span = trace.getActiveSpan()?.spanContext();
  if (span && trace.isSpanContextValid(span)) {
    fields.traceId = span.traceId;
    fields.spanId = span.spanId;
  }
  return fields;
}
