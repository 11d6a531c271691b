import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, createContextKey, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { GraphQLField, GraphQLSchema } from 'graphql';
import type { RequestContext } from '../context/request-context';
import { withRequestLogFacts, type RequestLogFacts } from '../logging/log-context';
import { markFailed, withSubgraphName } from './spans';
import { latticeTracer } from './trace-context';

/** The request a subgraph is serving, as its span and log facts know it; filled in as the request is read. */
interface SubgraphRequest {
  readonly subgraph: string;
  readonly span: Span;
  readonly facts: RequestLogFacts;
}

const SUBGRAPH_REQUEST = createContextKey('lattice.subgraph-request');

function currentRequest(): SubgraphRequest | undefined {
  return context.active().getValue(SUBGRAPH_REQUEST) as SubgraphRequest | undefined;
}

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * Serves each request to `path` inside a SERVER span continuing the trace its `traceparent` names (the gateway's
 * gateway.fetch span), named `<subgraph>` until the operation is known (`identity Me__identity__0`). The span is
 * current for the whole request, so resolver and DataLoader spans, log lines and events written join the trace.
 */
export function traceSubgraphRequests(subgraph: string, path: string, route: Route): Route {
  return async (req, res) => {
    if ((req.url ?? '/').split('?', 1)[0] !== path) return route(req, res);
    const parent = propagation.extract(context.active(), req.headers);
    const span = latticeTracer().startSpan(subgraph, { kind: SpanKind.SERVER, attributes: { 'lattice.subgraph': subgraph } }, parent);
    const request: SubgraphRequest = { subgraph, span, facts: {} };
    const current = withSubgraphName(trace.setSpan(parent, span), subgraph).setValue(SUBGRAPH_REQUEST, request);
    return withRequestLogFacts(request.facts, () =>
      context.with(current, async () => {
        try {
          return await route(req, res);
        } catch (error) {
          markFailed(span, error);
          throw error;
        } finally {
          span.setAttribute('http.response.status_code', res.statusCode);
          if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${res.statusCode}` });
          span.end();
        }
      }),
    );
  };
}

/** Once the gateway's signed context has verified: who the request is for, on its span and its log lines. */
export function describeSubgraphRequest(verified: RequestContext): void {
  const request = currentRequest();
  if (!request) return;
  request.facts.requestId = verified.requestId;
  request.facts.tenantId = verified.principal.tenantId;
  request.span.setAttribute('lattice.request_id', verified.requestId);
  if (verified.principal.tenantId) request.span.setAttribute('lattice.tenant_id', verified.principal.tenantId);
}

/** Once the operation is known: the span is named `<subgraph> <operation name>` (`<subgraph> <type>` when anonymous). */
export function describeSubgraphOperation(operationName: string | null, operationType: string): void {
  const request = currentRequest();
  if (!request) return;
  request.facts.operationName = operationName;
  request.span.updateName(`${request.subgraph} ${operationName ?? operationType}`);
  request.span.setAttribute('graphql.operation.type', operationType);
  if (operationName) request.span.setAttribute('graphql.operation.name', operationName);
}

/** The answer carries errors: the request's span says so, with their codes. */
export function failSubgraphRequest(codes: readonly string[]): void {
  const request = currentRequest();
  if (!request || codes.length === 0) return;
  request.span.setAttribute('lattice.error_codes', [...codes]);
  request.span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(', ') });
}

const tracedFields = new WeakSet<GraphQLField<unknown, unknown>>();

/**
 * One span per `_entities` batch (`identity _entities User`: every representation the gateway sent in one fetch),
 * current while the references resolve, so the DataLoader batches they cause are its children. The schema's field
 * is wrapped in place, once: @apollo/subgraph keeps its reference resolvers on the schema's types, which rebuilding
 * the schema to wrap one field would lose. The list is returned as the resolver gave it, so each entity still fails
 * on its own.
 */
export function traceEntityBatches(schema: GraphQLSchema, subgraph: string): void {
  const field = schema.getQueryType()?.getFields()._entities;
  const resolve = field?.resolve;
  if (!field || !resolve || tracedFields.has(field)) return;
  tracedFields.add(field);
  field.resolve = async (source, args: Record<string, unknown>, contextValue, info) => {
    const representations = Array.isArray(args.representations) ? (args.representations as unknown[]) : [];
    const types = [...new Set(representations.map((r) => (r as { __typename?: unknown } | null)?.__typename).filter((t): t is string => typeof t === 'string'))];
    const span = latticeTracer().startSpan(`${subgraph} _entities${types.length > 0 ? ` ${types.join(',')}` : ''}`, {
      attributes: { 'lattice.subgraph': subgraph, 'lattice.batch.size': representations.length, 'lattice.entity.types': types },
    });
    // Tracing off (or not sampled): the resolver runs as it would unwrapped, nothing awaited on its behalf.
    if (!span.isRecording()) {
      span.end();
      return resolve(source, args, contextValue, info);
    }
    return context.with(trace.setSpan(context.active(), span), async () => {
      try {
        const resolved: unknown = await resolve(source, args, contextValue, info);
        if (Array.isArray(resolved)) {
          const failed = (await Promise.allSettled(resolved)).filter((outcome) => outcome.status === 'rejected').length;
          if (failed > 0) span.setStatus({ code: SpanStatusCode.ERROR, message: `${failed} of ${resolved.length} entities failed` });
        }
        return resolved;
      } catch (error) {
        markFailed(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  };
}
