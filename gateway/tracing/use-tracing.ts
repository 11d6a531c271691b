import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Link, type Span } from '@opentelemetry/api';
import { withRequestLogFacts, type RequestLogFacts } from '../../infrastructure/logging/log-context';
import { markFailed } from '../../infrastructure/tracing/spans';
import { contextOfTraceparent, latticeTracer } from '../../infrastructure/tracing/trace-context';
import type { GatewayFeature, HttpAnswer, HttpOperation } from '../core/feature';

/**
 * `useTracing`: one SERVER span per HTTP operation (`query Me`), current while it runs, so @apollo/gateway's own
 * spans (gateway.request, gateway.plan, gateway.fetch) are its children; and every subgraph fetch carries the trace
 * context of its gateway.fetch span (`traceparent`), so the subgraph's span joins the same trace. Log lines written
 * meanwhile carry the request id, tenant and operation name. With tracing off the spans are the API's no-ops.
 */
export function useTracing(): GatewayFeature {
  return {
    name: 'tracing',
    aroundHttpOperation(operation, next) {
      const span = latticeTracer().startSpan(operationSpanName(operation), { kind: SpanKind.SERVER, attributes: operationAttributes(operation), links: clientLinks(operation) });
      const facts: RequestLogFacts = {
        requestId: operation.context.request.requestId,
        tenantId: operation.context.request.principal.tenantId,
        operationName: operation.operationName,
      };
      return withRequestLogFacts(facts, () =>
        context.with(trace.setSpan(context.active(), span), async () => {
          try {
            const answer = await next();
            recordAnswer(span, answer);
            return answer;
          } catch (error) {
            markFailed(span, error);
            throw error;
          } finally {
            span.end();
          }
        }),
      );
    },
    subgraphHeaders(_context, headers) {
      // Called inside @apollo/gateway's gateway.fetch span: that span is the subgraph request's parent.
      headers.delete('traceparent');
      headers.delete('tracestate');
      propagation.inject(context.active(), headers, { set: (carrier, name, value) => carrier.set(name, value) });
    },
  };
}

/** `<type> <name>` as OpenTelemetry's GraphQL conventions name it: `query Me`, `mutation` when anonymous. */
export function operationSpanName(operation: Pick<HttpOperation, 'operationType' | 'operationName'>): string {
  if (operation.operationType === null) return 'GraphQL Operation';
  return operation.operationName ? `${operation.operationType} ${operation.operationName}` : operation.operationType;
}

function operationAttributes(operation: HttpOperation): Attributes {
  const { request } = operation.context;
  const attributes: Attributes = { 'lattice.request_id': request.requestId };
  if (operation.operationType) attributes['graphql.operation.type'] = operation.operationType;
  if (operation.operationName) attributes['graphql.operation.name'] = operation.operationName;
  if (request.principal.tenantId) attributes['lattice.tenant_id'] = request.principal.tenantId;
  return attributes;
}

/**
 * A client's own `traceparent` is linked, not continued: the gateway is a trust boundary, and a caller must not pick
 * the trace (or the sampling decision) of what runs inside the platform. The link still leads from one to the other.
 */
function clientLinks(operation: HttpOperation): Link[] {
  const header = operation.headers.traceparent;
  const given = trace.getSpanContext(contextOfTraceparent(Array.isArray(header) ? header[0] : header));
  return given && trace.isSpanContextValid(given) ? [{ context: given, attributes: { 'lattice.link': 'client' } }] : [];
}

/** Status ERROR when the answer carries errors (a partial answer too) or is a 5xx; the error codes as an attribute. */
function recordAnswer(span: Span, answer: HttpAnswer): void {
  span.setAttribute('http.response.status_code', answer.status);
  if (!span.isRecording()) return;
  const codes = errorCodesOf(answer.body);
  if (codes.length > 0) {
    span.setAttribute('lattice.error_codes', codes);
    span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(', ') });
  } else if (answer.status >= 500) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${answer.status}` });
  }
}

/** `extensions.code` of each error in a GraphQL answer (`UNKNOWN` for one without a code); none for an answer without errors. */
function errorCodesOf(body: string): string[] {
  // Most answers have no errors: they are not parsed just to find that out.
  if (!body.includes('"errors"')) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  const errors = (parsed as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((error: { extensions?: { code?: unknown } } | null) => (typeof error?.extensions?.code === 'string' ? error.extensions.code : 'UNKNOWN'));
}
