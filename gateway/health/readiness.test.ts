import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { routeChain } from '../../infrastructure/http/routes';
import { ProcessMetrics } from '../../infrastructure/metrics/process-metrics';
import { parseSupergraph } from '../supergraph/supergraph-version';
import { useHealth } from './readiness';

const version = parseSupergraph(readFileSync('schema/supergraph.graphql', 'utf8'), 'test');

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; base: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("the gateway's readiness", () => {
  const servers: Server[] = [];
  let identity: string;
  let tenancyAnswers = 200;
  let tenancy: string;
  const metrics = new ProcessMetrics({ defaultMetrics: false });
  const feature = useHealth({
    checkedSubgraphs: () => ({ identity, tenancy }),
    timeoutMs: 500,
    stores: { redis: () => Promise.reject(new Error('Connection is closed.')) },
    metrics,
  });
  let gateway: string;

  beforeAll(async () => {
    const up = await listen((_req, res) => res.writeHead(200).end('{}'));
    const flaky = await listen((_req, res) => res.writeHead(tenancyAnswers).end('{}'));
    const chain = routeChain(...(feature.routes ?? []));
    const front = await listen((req, res) => void chain(req, res));
    servers.push(up.server, flaky.server, front.server);
    [identity, tenancy, gateway] = [up.base, flaky.base, front.base];
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  const ready = async (query = '') => {
    const response = await fetch(`${gateway}/health/ready${query}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('is not ready, plain or strict, before a supergraph serves', async () => {
    expect(await ready()).toMatchObject({ status: 503, body: { status: 'not ready', checks: { supergraph: 'not loaded' } } });
    expect((await ready('?strict=1')).status).toBe(503);
  });

  it('is ready with every subgraph up; Redis down is shown, not a reason to leave the rotation', async () => {
    await feature.onSupergraph?.(version, 'live');
    tenancyAnswers = 200;
    expect(await ready()).toMatchObject({ status: 200, body: { status: 'ready', checks: { supergraph: 'ok', identity: 'ok', tenancy: 'ok' }, stores: { redis: 'unreachable' }, supergraph: { id: version.id } } });
    expect((await ready('?strict=1')).status).toBe(200);
  });

  it('stays ready (degraded) with a subgraph down, naming it; strict readiness is 503; the metric says which', async () => {
    await feature.onSupergraph?.(version, 'live');
    tenancyAnswers = 503;
    expect(await ready()).toMatchObject({ status: 200, body: { status: 'degraded', checks: { identity: 'ok', tenancy: 'answered 503' }, failingSubgraphs: ['tenancy'] } });
    expect(await ready('?strict=1')).toMatchObject({ status: 503, body: { status: 'not ready', strict: true, failingSubgraphs: ['tenancy'] } });
    const text = await metrics.text();
    expect(text).toMatch(/^lattice_gateway_subgraph_ready\{subgraph="tenancy"\} 0$/m);
    expect(text).toMatch(/^lattice_gateway_subgraph_ready\{subgraph="identity"\} 1$/m);
  });
});
