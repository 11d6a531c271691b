import { trace } from '@opentelemetry/api';
import type { RequestContext } from '../../infrastructure/context/request-context';
import type { Logger } from '../../infrastructure/logging/logger';
import type { GatewayFeature, ResponseRecord, SubgraphFetchRecord } from '../core/feature';

/** One subgraph call of a request, as its access log line shows it. */
export interface SubgraphCall {
  readonly name: string;
  readonly outcome: SubgraphFetchRecord['outcome'];
  readonly ms: number;
}

/** What a request's access log line says, field by field. */
export interface AccessLogLine {
  requestId: string;
  traceId: string | null;
  tenantId: string | null;
  principal: RequestContext['principal']['kind'];
  /** The user's or API key's id: who, never what they presented. */
  subject: string | null;
  operationName: string | null;
  operationType: ResponseRecord['operationType'];
  status: number;
  durationMs: number;
  subgraphs: SubgraphCall[];
  errorCodes: readonly string[];
  ipAddress: string | null;
}

/** Fetches kept per request for its line; a plan with more is summarized by the first ones (the count stays exact). */
const MAX_CALLS_SHOWN = 50;

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * `useAccessLog`: one `info` line per GraphQL request over HTTP, refusals included, once its answer is written:
 * request id, trace id, tenant, who, operation, status, duration, the subgraphs it called (each with its outcome
 * and time) and the error codes sent. Never a header, a variable or the operation's text: those can hold secrets.
 * `LOG_LEVEL=warn` silences it.
 */
export function useAccessLog(logger: Logger): GatewayFeature {
  const calls = new WeakMap<RequestContext, { shown: SubgraphCall[]; count: number }>();
  const traceIds = new WeakMap<RequestContext, string>();
  return {
    name: 'access-log',
    aroundHttpOperation(operation, next) {
      // Inside the tracing feature's span, when tracing is on: the span ends before the line is written.
      const span = trace.getActiveSpan()?.spanContext();
      if (span && trace.isSpanContextValid(span)) traceIds.set(operation.context.request, span.traceId);
      return next();
    },
    onSubgraphFetch(record) {
      const request = record.context.request;
      let made = calls.get(request);
      if (!made) calls.set(request, (made = { shown: [], count: 0 }));
      made.count += 1;
      if (made.shown.length < MAX_CALLS_SHOWN) made.shown.push({ name: record.subgraph, outcome: record.outcome, ms: round(record.durationMs) });
    },
    onResponse(record) {
      const { request } = record.context;
      const made = calls.get(request);
      const line: AccessLogLine = {
        requestId: request.requestId,
        traceId: traceIds.get(request) ?? null,
        tenantId: request.principal.tenantId,
        principal: request.principal.kind,
        subject: request.principal.subject,
        operationName: record.operationName,
        operationType: record.operationType,
        status: record.status,
        durationMs: round(record.durationMs),
        subgraphs: made?.shown ?? [],
        errorCodes: record.errorCodes,
        ipAddress: request.ipAddress,
      };
      logger.info('request', made && made.count > made.shown.length ? { ...line, subgraphCalls: made.count } : { ...line });
    },
  };
}
