import { parse } from 'graphql';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ANONYMOUS } from '../../infrastructure/context/request-context';
import { ProcessMetrics } from '../../infrastructure/metrics/process-metrics';
import { parseMetricsText, samplesOf, valueOf } from '../../test/support/metrics-text';
import type { GatewayContext, GatewayFeature, ResponseRecord, SubgraphFetchRecord } from '../core/feature';
import type { SupergraphVersion } from '../supergraph/supergraph-version';
import { requestOutcome, useMetrics } from './use-metrics';

const context: GatewayContext = { request: { principal: ANONYMOUS, requestId: 'req-1', ipAddress: null, userAgent: null } };

const response = (overrides: Partial<ResponseRecord> = {}): ResponseRecord => ({
  context,
  transport: 'http',
  operationName: 'Me',
  operationType: 'query',
  status: 200,
  errorCodes: [],
  hasData: true,
  durationMs: 12,
  ...overrides,
});

const fetched = (overrides: Partial<SubgraphFetchRecord> = {}): SubgraphFetchRecord => ({ context, subgraph: 'identity', durationMs: 4, outcome: 'ok', ...overrides });

const version = (id: string): SupergraphVersion => ({ id, sdl: '', document: parse('scalar X'), graphs: [], origin: 'test', loadedAt: null });

describe('the gateway metrics feature', () => {
  let registry: ProcessMetrics;
  let feature: GatewayFeature;
  const scrape = async () => parseMetricsText(await registry.text());

  beforeEach(() => {
    registry = new ProcessMetrics({ defaultMetrics: false });
    feature = useMetrics({ registry, servePublicly: false });
  });

  it('counts each answered request by operation name, type and outcome', async () => {
    feature.onResponse!(response());
    feature.onResponse!(response());
    feature.onResponse!(response({ errorCodes: ['FORBIDDEN'], hasData: true }));
    feature.onResponse!(response({ operationName: 'CreateTenant', operationType: 'mutation', errorCodes: ['CONFLICT'], hasData: false }));
    const samples = await scrape();
    expect(valueOf(samples, 'lattice_gateway_requests_total', { operation_name: 'Me', operation_type: 'query', outcome: 'success' })).toBe(2);
    expect(valueOf(samples, 'lattice_gateway_requests_total', { operation_name: 'Me', outcome: 'partial' })).toBe(1);
    expect(valueOf(samples, 'lattice_gateway_requests_total', { operation_name: 'CreateTenant', operation_type: 'mutation', outcome: 'error' })).toBe(1);
  });

  it('times each request in seconds, by operation type and outcome', async () => {
    feature.onResponse!(response({ durationMs: 30 }));
    feature.onResponse!(response({ durationMs: 700 }));
    const samples = await scrape();
    expect(valueOf(samples, 'lattice_gateway_request_duration_seconds_count', { operation_type: 'query', outcome: 'success' })).toBe(2);
    expect(valueOf(samples, 'lattice_gateway_request_duration_seconds_sum', { operation_type: 'query', outcome: 'success' })).toBeCloseTo(0.73);
    expect(valueOf(samples, 'lattice_gateway_request_duration_seconds_bucket', { operation_type: 'query', outcome: 'success', le: '0.05' })).toBe(1);
    expect(valueOf(samples, 'lattice_gateway_request_duration_seconds_bucket', { operation_type: 'query', outcome: 'success', le: '1' })).toBe(2);
  });

  it('counts a request refused before running as refused, and each of its error codes as a refusal', async () => {
    feature.onResponse!(response({ status: 400, errorCodes: ['DEPTH_LIMIT_EXCEEDED'], hasData: false }));
    feature.onResponse!(response({ status: 429, operationName: null, operationType: null, errorCodes: ['RATE_LIMITED'], hasData: false }));
    feature.onResponse!(response({ status: 400, operationName: null, operationType: null, errorCodes: ['BATCH_TOO_LARGE', 'BATCH_TOO_LARGE'], hasData: false }));
    const samples = await scrape();
    expect(valueOf(samples, 'lattice_gateway_requests_total', { operation_name: 'Me', outcome: 'refused' })).toBe(1);
    expect(valueOf(samples, 'lattice_gateway_requests_total', { operation_name: '__anonymous__', operation_type: 'unknown', outcome: 'refused' })).toBe(2);
    expect(valueOf(samples, 'lattice_gateway_refusals_total', { code: 'DEPTH_LIMIT_EXCEEDED' })).toBe(1);
    expect(valueOf(samples, 'lattice_gateway_refusals_total', { code: 'RATE_LIMITED' })).toBe(1);
    expect(valueOf(samples, 'lattice_gateway_refusals_total', { code: 'BATCH_TOO_LARGE' })).toBe(2);
    // Errors of an operation that ran are not refusals.
    feature.onResponse!(response({ errorCodes: ['FORBIDDEN'] }));
    expect(valueOf(await scrape(), 'lattice_gateway_refusals_total', { code: 'FORBIDDEN' })).toBeUndefined();
  });

  it('keeps at most 500 distinct operation names, counting the rest and unfit names as __other__', async () => {
    for (let i = 0; i < 600; i += 1) feature.onResponse!(response({ operationName: `Generated${i}` }));
    feature.onResponse!(response({ operationName: 'x'.repeat(10_000) }));
    feature.onResponse!(response({ operationName: 'not a "name"' }));
    feature.onResponse!(response({ operationName: 'Generated0' }));
    const names = new Set(samplesOf(await scrape(), 'lattice_gateway_requests_total').map((s) => s.labels.operation_name));
    expect(names.size).toBe(501);
    expect(valueOf(await scrape(), 'lattice_gateway_requests_total', { operation_name: '__other__' })).toBe(102);
    expect(valueOf(await scrape(), 'lattice_gateway_requests_total', { operation_name: 'Generated0' })).toBe(2);
  });

  it('times subgraph fetches by subgraph and outcome, and counts those that failed', async () => {
    feature.onSubgraphFetch!(fetched());
    feature.onSubgraphFetch!(fetched({ subgraph: 'tenancy', outcome: 'timeout', durationMs: 10_000 }));
    feature.onSubgraphFetch!(fetched({ subgraph: 'tenancy', outcome: 'circuit_open', durationMs: 0 }));
    const samples = await scrape();
    expect(valueOf(samples, 'lattice_gateway_subgraph_fetch_duration_seconds_count', { subgraph: 'identity', outcome: 'ok' })).toBe(1);
    expect(valueOf(samples, 'lattice_gateway_subgraph_fetch_duration_seconds_sum', { subgraph: 'tenancy', outcome: 'timeout' })).toBe(10);
    expect(valueOf(samples, 'lattice_gateway_subgraph_fetch_errors_total', { subgraph: 'tenancy', outcome: 'timeout' })).toBe(1);
    expect(valueOf(samples, 'lattice_gateway_subgraph_fetch_errors_total', { subgraph: 'tenancy', outcome: 'circuit_open' })).toBe(1);
    expect(valueOf(samples, 'lattice_gateway_subgraph_fetch_errors_total', { subgraph: 'identity', outcome: 'ok' })).toBeUndefined();
  });

  it('shows the supergraph serving now, and only it once another replaced it', async () => {
    await feature.onSupergraph!(version('aaaaaaaaaaaa'), 'prepare');
    expect(samplesOf(await scrape(), 'lattice_gateway_supergraph_info')).toEqual([]);
    await feature.onSupergraph!(version('aaaaaaaaaaaa'), 'live');
    await feature.onSupergraph!(version('bbbbbbbbbbbb'), 'prepare');
    expect(samplesOf(await scrape(), 'lattice_gateway_supergraph_info').map((s) => [s.labels.id, s.value])).toEqual([['aaaaaaaaaaaa', 1]]);
    await feature.onSupergraph!(version('bbbbbbbbbbbb'), 'live');
    expect(samplesOf(await scrape(), 'lattice_gateway_supergraph_info').map((s) => [s.labels.id, s.value])).toEqual([['bbbbbbbbbbbb', 1]]);
  });

  it('reads the open subscriptions and sockets at each scrape', async () => {
    let open = { sockets: 2, subscriptions: 5 };
    const withSubscriptions = useMetrics({ registry, servePublicly: false, subscriptions: { open: () => open } });
    let samples = await scrape();
    expect(valueOf(samples, 'lattice_gateway_subscriptions_open')).toBe(5);
    expect(valueOf(samples, 'lattice_gateway_subscription_sockets_open')).toBe(2);
    open = { sockets: 0, subscriptions: 0 };
    expect(valueOf(await scrape(), 'lattice_gateway_subscriptions_open')).toBe(0);
    open = { sockets: 1, subscriptions: 1 };
    await withSubscriptions.stop!();
    // A gauge without labels always has its one sample: stopped, nothing is open.
    samples = await scrape();
    expect(valueOf(samples, 'lattice_gateway_subscriptions_open')).toBe(0);
  });

  it('shares the registry with a second gateway feature in the same process without an error', async () => {
    const second = useMetrics({ registry, servePublicly: false });
    feature.onResponse!(response());
    second.onResponse!(response());
    expect(valueOf(await scrape(), 'lattice_gateway_requests_total', { operation_name: 'Me', outcome: 'success' })).toBe(2);
  });

  it('serves /metrics among its routes only when asked to serve it on the gateway port', async () => {
    expect(feature.routes).toBeUndefined();
    const served = useMetrics({ registry, servePublicly: true });
    served.onResponse!(response());
    const route = served.routes![0]!;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      void route(req, res).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const answer = await fetch(`${base}/metrics`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe(registry.contentType);
      expect(await answer.text()).toContain('lattice_gateway_requests_total{operation_name="Me",operation_type="query",outcome="success"} 1');
      expect((await fetch(`${base}/graphql`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('the outcome of an answered request', () => {
  it.each([
    [{ status: 200, errorCodes: [], hasData: true }, 'success'],
    [{ status: 200, errorCodes: ['FORBIDDEN'], hasData: true }, 'partial'],
    [{ status: 200, errorCodes: ['INTERNAL_SERVER_ERROR'], hasData: false }, 'error'],
    [{ status: 400, errorCodes: ['GRAPHQL_VALIDATION_FAILED'], hasData: false }, 'refused'],
    [{ status: 429, errorCodes: ['RATE_LIMITED'], hasData: false }, 'refused'],
  ] as const)('is %j -> %s', (record, outcome) => {
    expect(requestOutcome(record)).toBe(outcome);
  });
});
