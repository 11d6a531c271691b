import { eventually } from '../foreign/eventually';
import { bearer, graphql } from '../support/graphql-client';
import { parseMetricsText, samplesOf, valueOf, type MetricSample } from '../support/metrics-text';
import { startEmbeddedPlatform, type RunningPlatform } from '../support/platform';
import { createTenantWithAdmin, signInAsAdmin, type TenantWithAdmin } from '../support/scenario';

/** A named query that crosses identity and tenancy, so both show subgraph fetches. */
const PROBE = 'query MetricsProbe { me { email tenant { name } } }';

async function scrape(url: string): Promise<{ status: number; contentType: string | null; samples: MetricSample[] }> {
  const response = await fetch(url);
  return { status: response.status, contentType: response.headers.get('content-type'), samples: parseMetricsText(await response.text()) };
}

async function supergraphIdOf(platform: RunningPlatform): Promise<string> {
  const ready = (await (await fetch(`${platform.baseUrl}/health/ready`)).json()) as { supergraph: { id: string } };
  return ready.supergraph.id;
}

/**
 * Prometheus metrics of the embedded platform: one process, one registry, every service feeding it. The gateway's
 * request and subgraph-fetch metrics come from the gateway core's `onResponse` / `onSubgraphFetch` hooks and its
 * `useMetrics` feature; the outbox and stream gauges from the services' modules, read at scrape time.
 */
describe('metrics of the embedded platform on LATTICE_METRICS_PORT', () => {
  let platform: RunningPlatform;
  let metricsUrl: string;
  let acme: TenantWithAdmin;

  beforeAll(async () => {
    platform = await startEmbeddedPlatform({ env: { LATTICE_METRICS_PORT: '0' } });
    metricsUrl = String((await platform.processes[0]!.waitForLog('Prometheus metrics served on their own port')).url);
    const adminToken = await signInAsAdmin(platform.graphqlUrl);
    acme = await createTenantWithAdmin(platform.graphqlUrl, adminToken);
    for (let i = 0; i < 3; i += 1) {
      const probe = await graphql(platform.graphqlUrl, PROBE, {}, bearer(acme.admin.token));
      expect(probe.errors).toBeUndefined();
    }
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it("serves the process's metrics in Prometheus' text format, Node's process metrics included", async () => {
    const { status, contentType, samples } = await scrape(metricsUrl);
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(valueOf(samples, 'lattice_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('serves /metrics only on the metrics port, not on the public port nor a subgraph\'s', async () => {
    expect((await fetch(`${platform.baseUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${platform.subgraphs.identity}/metrics`)).status).toBe(404);
  });

  it('counts the requests of an operation by its name, type and outcome', async () => {
    // Needs the gateway's onResponse hook and useMetrics in its feature list.
    const samples = await eventually(async () => {
      const { samples: now } = await scrape(metricsUrl);
      return (valueOf(now, 'lattice_gateway_requests_total', { operation_name: 'MetricsProbe', operation_type: 'query', outcome: 'success' }) ?? 0) >= 3 ? now : undefined;
    }, { what: 'three MetricsProbe requests counted' });
    expect(valueOf(samples, 'lattice_gateway_request_duration_seconds_count', { operation_type: 'query', outcome: 'success' })).toBeGreaterThanOrEqual(3);
  });

  it('times the fetches to each subgraph the operations reached', async () => {
    // Needs the gateway's onSubgraphFetch hook and useMetrics in its feature list.
    const { samples } = await scrape(metricsUrl);
    expect(valueOf(samples, 'lattice_gateway_subgraph_fetch_duration_seconds_count', { subgraph: 'identity', outcome: 'ok' })).toBeGreaterThanOrEqual(3);
    expect(valueOf(samples, 'lattice_gateway_subgraph_fetch_duration_seconds_count', { subgraph: 'tenancy', outcome: 'ok' })).toBeGreaterThanOrEqual(3);
    expect(samplesOf(samples, 'lattice_gateway_subgraph_fetch_duration_seconds_bucket', { subgraph: 'identity', le: '+Inf' })).toHaveLength(1);
  });

  it('names the supergraph serving now', async () => {
    // Needs useMetrics in the gateway's feature list (its onSupergraph hook).
    const { samples } = await scrape(metricsUrl);
    expect(samplesOf(samples, 'lattice_gateway_supergraph_info').map((s) => [s.labels.id, s.value])).toEqual([[await supergraphIdOf(platform), 1]]);
  });

  it("shows each service's outbox backlog and relay lag, and the audit consumer group's stream", async () => {
    const { samples } = await scrape(metricsUrl);
    for (const service of ['identity', 'tenancy', 'registry']) {
      expect(valueOf(samples, 'lattice_outbox_backlog', { service })).toBeGreaterThanOrEqual(0);
      expect(valueOf(samples, 'lattice_outbox_relay_lag_seconds', { service })).toBeGreaterThanOrEqual(0);
    }
    // Audit has no outbox; it consumes the stream, and its group is what the stream gauges show.
    expect(valueOf(samples, 'lattice_outbox_backlog', { service: 'audit' })).toBeUndefined();
    expect(valueOf(samples, 'lattice_stream_pending', { group: 'audit' })).toBeGreaterThanOrEqual(0);
    expect(valueOf(samples, 'lattice_stream_dead_letters')).toBe(0);
    expect(valueOf(samples, 'lattice_audit_consumer_lag', { group: 'audit' })).toBeGreaterThanOrEqual(0);
  });

  it('counts the events the audit consumer has caught up on: nothing pending once the relay and audit are idle', async () => {
    await eventually(async () => {
      const { samples } = await scrape(metricsUrl);
      const idle =
        valueOf(samples, 'lattice_outbox_backlog', { service: 'identity' }) === 0 &&
        valueOf(samples, 'lattice_outbox_backlog', { service: 'tenancy' }) === 0 &&
        valueOf(samples, 'lattice_stream_pending', { group: 'audit' }) === 0 &&
        valueOf(samples, 'lattice_audit_consumer_lag', { group: 'audit' }) === 0;
      return idle ? true : undefined;
    }, { what: 'the outboxes relayed and audit caught up', timeoutMs: 20_000 });
    // A sample for the record: the lines an operator's dashboard starts from.
    const text = await (await fetch(metricsUrl)).text();
    const shown = text.split('\n').filter((line) => /^lattice_(gateway_(requests_total|subgraph_fetch_duration_seconds_count|supergraph_info|refusals_total|subscriptions_open)|outbox_|stream_|audit_consumer_lag)/.test(line));
    console.info(`/metrics sample (${text.split('\n').length} lines in all):\n${shown.slice(0, 30).join('\n')}`);
  });
});

describe('metrics of the embedded platform without a metrics port', () => {
  let platform: RunningPlatform;

  beforeAll(async () => {
    platform = await startEmbeddedPlatform();
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it("serves /metrics on each subgraph's own port", async () => {
    const { status, samples } = await scrape(`${platform.subgraphs.identity}/metrics`);
    expect(status).toBe(200);
    expect(valueOf(samples, 'lattice_outbox_backlog', { service: 'identity' })).toBeGreaterThanOrEqual(0);
  });

  it("serves /metrics on the gateway's public port", async () => {
    // Needs useMetrics in the gateway's feature list, with servePublicly: true when LATTICE_METRICS_PORT is unset.
    const { status, samples } = await scrape(`${platform.baseUrl}/metrics`);
    expect(status).toBe(200);
    expect(samplesOf(samples, 'lattice_gateway_supergraph_info').map((s) => s.labels.id)).toEqual([await supergraphIdOf(platform)]);
  });
});
