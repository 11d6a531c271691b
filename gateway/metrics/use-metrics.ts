import { BoundedLabel } from '../../infrastructure/metrics/bounded-label';
import { metricsRoute } from '../../infrastructure/metrics/metrics-route';
import type { ProcessMetrics } from '../../infrastructure/metrics/process-metrics';
import type { Logger } from '../../infrastructure/logging/logger';
import type { GatewayFeature, ResponseRecord } from '../core/feature';
import type { OpenSubscriptions } from '../subscriptions/use-subscriptions';

/** How an answered request went: `partial` has data and errors, `refused` was turned away (status ≥ 400) before running. */
export type RequestOutcome = 'success' | 'partial' | 'error' | 'refused';

export function requestOutcome(record: Pick<ResponseRecord, 'status' | 'errorCodes' | 'hasData'>): RequestOutcome {
  if (record.status >= 400) return 'refused';
  if (record.errorCodes.length === 0) return 'success';
  return record.hasData ? 'partial' : 'error';
}

/** Label value of a request without an operation name. */
export const ANONYMOUS_OPERATION = '__anonymous__';
/** Distinct operation names kept as label values by default; the rest count as `__other__`. */
export const DEFAULT_MAX_OPERATION_NAMES = 500;
/** Error codes are the gateway's own (the error registry): this bound is only a guard. */
const MAX_REFUSAL_CODES = 100;

/** A GraphQL name (spec §2.1.9), not too long for a label: anything else the client sent is `__other__`. */
const isOperationName = (name: string) => name.length <= 128 && /^[_A-Za-z][_0-9A-Za-z]*$/.test(name);
const isErrorCode = (code: string) => /^[A-Z][A-Z0-9_]{0,63}$/.test(code);

/** Seconds, from 5 ms to the longest subgraph timeout a deployment sensibly sets. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface MetricsOptions {
  /** The process's registry (the metrics module's, METRICS): the embedded platform's services feed the same one. */
  registry: ProcessMetrics;
  /** `/metrics` on the gateway's own port: when LATTICE_METRICS_PORT is unset (else the metrics port serves it). */
  servePublicly: boolean;
  /** The subscriptions feature, when it is on: the open sockets and subscriptions gauges read it at each scrape. */
  subscriptions?: OpenSubscriptions;
  /** Distinct operation names counted under their own label value (default 500). */
  maxOperationNames?: number;
  /** Told (at most once) that a hook failed to count; the hooks never throw. */
  logger?: Logger;
}

/**
 * `useMetrics`: the gateway's Prometheus metrics, from the hooks every answered request, subgraph fetch and
 * supergraph switch goes through; `/metrics` on the gateway's port when no metrics port is configured. Operation
 * names are the client's to choose, so only the first 500 distinct ones are label values.
 */
export function useMetrics(options: MetricsOptions): GatewayFeature {
  const metrics = options.registry;
  const operationNames = new BoundedLabel(options.maxOperationNames ?? DEFAULT_MAX_OPERATION_NAMES, isOperationName);
  const refusalCodes = new BoundedLabel(MAX_REFUSAL_CODES, isErrorCode);
  const requests = metrics.counter({
    name: 'lattice_gateway_requests_total',
    help: 'Requests answered by the gateway (HTTP operations and WebSocket operation results), refusals included.',
    labelNames: ['operation_name', 'operation_type', 'outcome'],
  });
  const requestDuration = metrics.histogram({
    name: 'lattice_gateway_request_duration_seconds',
    help: "From a request's arrival to its answer.",
    labelNames: ['operation_type', 'outcome'],
    buckets: DURATION_BUCKETS,
  });
  const fetchDuration = metrics.histogram({
    name: 'lattice_gateway_subgraph_fetch_duration_seconds',
    help: 'Fetches from the gateway to a subgraph, by outcome (ok, error, unreachable, timeout, circuit_open).',
    labelNames: ['subgraph', 'outcome'],
    buckets: DURATION_BUCKETS,
  });
  const fetchErrors = metrics.counter({
    name: 'lattice_gateway_subgraph_fetch_errors_total',
    help: 'Subgraph fetches that got no usable answer: a 5xx, unreachable, timed out, or not sent (circuit open).',
    labelNames: ['subgraph', 'outcome'],
  });
  const refusals = metrics.counter({
    name: 'lattice_gateway_refusals_total',
    help: 'Error codes of requests refused before running (status 400 or more): operation limits, batching, rate limits, authentication.',
    labelNames: ['code'],
  });
  const supergraph = metrics.gauge({ name: 'lattice_gateway_supergraph_info', help: 'The supergraph version serving now (value 1).', labelNames: ['id'] });
  const subscriptionsOpen = metrics.scrapedGauge({ name: 'lattice_gateway_subscriptions_open', help: 'Subscriptions open over WebSocket.', labelNames: [] });
  const socketsOpen = metrics.scrapedGauge({ name: 'lattice_gateway_subscription_sockets_open', help: 'WebSocket (graphql-ws) connections open.', labelNames: [] });
  const { subscriptions } = options;
  const unfeed = subscriptions
    ? [
        subscriptionsOpen.feed('gateway', () => [{ labels: {}, value: subscriptions.open().subscriptions }]),
        socketsOpen.feed('gateway', () => [{ labels: {}, value: subscriptions.open().sockets }]),
      ]
    : [];

  let warned = false;
  /** The hooks must not throw: a metric that cannot be counted is a bug to log once, never a failed request. */
  const safely = (hook: string, count: () => void) => {
    try {
      count();
    } catch (error) {
      if (!warned) options.logger?.warn(`metrics: the ${hook} hook could not count; further failures are not logged`, { error });
      warned = true;
    }
  };

  return {
    name: 'metrics',
    ...(options.servePublicly ? { routes: [metricsRoute(metrics, options.logger)] } : {}),
    onResponse(record) {
      safely('onResponse', () => {
        const outcome = requestOutcome(record);
        const operationType = record.operationType ?? 'unknown';
        const operationName = record.operationName === null || record.operationName === '' ? ANONYMOUS_OPERATION : operationNames.of(record.operationName);
        requests.inc({ operation_name: operationName, operation_type: operationType, outcome });
        requestDuration.observe({ operation_type: operationType, outcome }, record.durationMs / 1000);
        if (outcome === 'refused') for (const code of record.errorCodes) refusals.inc({ code: refusalCodes.of(code) });
      });
    },
    onSubgraphFetch(record) {
      safely('onSubgraphFetch', () => {
        fetchDuration.observe({ subgraph: record.subgraph, outcome: record.outcome }, record.durationMs / 1000);
        if (record.outcome !== 'ok') fetchErrors.inc({ subgraph: record.subgraph, outcome: record.outcome });
      });
    },
    onSupergraph(version, phase) {
      if (phase !== 'live') return;
      // One series at 1: the version serving now; the one it replaced is gone, not 0.
      supergraph.reset();
      supergraph.set({ id: version.id }, 1);
    },
    async stop() {
      unfeed.forEach((stop) => stop());
    },
  };
}
