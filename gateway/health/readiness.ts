import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkStores, isStrict, sendJson, type StoreCheck } from '../../infrastructure/http/routes';
import type { ProcessMetrics } from '../../infrastructure/metrics/process-metrics';
import type { GatewayFeature } from '../core/feature';
import type { SupergraphVersion } from '../supergraph/supergraph-version';

/** A subgraph's answer to the gateway's readiness probe: `ok`, `answered 503`, `unreachable`. */
export type SubgraphState = string;

export interface HealthOptions {
  /** Base URL (origin) of each subgraph that has a readiness check (Lattice's own). */
  checkedSubgraphs: () => Record<string, string>;
  timeoutMs: number;
  /** What the supergraph source says of itself (the registry: reachable or not), shown beside the version. */
  sourceStatus?: () => Record<string, unknown>;
  /** Stores the gateway writes to (Redis, distributed): shown in the body, never a reason to leave the rotation. */
  stores?: Record<string, () => Promise<unknown>>;
  /** The process's metrics: each subgraph's state as `lattice_gateway_subgraph_ready`. */
  metrics?: ProcessMetrics;
}

/**
 * `useHealth`: `GET /health` and `/health/live` answer 200 while the process runs. `GET /health/ready` answers 200
 * once a supergraph is serving, whatever its subgraphs do: a gateway with one subgraph down still answers what the
 * others own (partial data, `SERVICE_UNAVAILABLE` on the rest), and every replica sees the same outage, so taking
 * gateways out of a load balancer's rotation for it would turn a partial outage into a whole one. Each subgraph's
 * state is in the body (`status: "degraded"` when one fails) and in `lattice_gateway_subgraph_ready`.
 * `GET /health/ready?strict=1` is 200 only when every subgraph answers its own readiness check too: for a deploy
 * step or a smoke test, not for a load balancer.
 */
export function useHealth(options: HealthOptions): GatewayFeature {
  let current: SupergraphVersion | null = null;
  let probe: Promise<Record<string, SubgraphState>> | null = null;

  const probeSubgraphs = async (): Promise<Record<string, SubgraphState>> => {
    const states: Record<string, SubgraphState> = {};
    await Promise.all(
      Object.entries(options.checkedSubgraphs()).map(async ([name, base]) => {
        try {
          const response = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(options.timeoutMs) });
          await response.body?.cancel();
          states[name] = response.ok ? 'ok' : `answered ${response.status}`;
        } catch {
          states[name] = 'unreachable';
        }
      }),
    );
    return states;
  };
  /** One round of probes at a time: load balancers, compose and Prometheus asking together share it (never a stale one). */
  const subgraphStates = (): Promise<Record<string, SubgraphState>> => {
    probe ??= probeSubgraphs().finally(() => {
      probe = null;
    });
    return probe;
  };
  const storeStates = async (): Promise<Record<string, string>> => {
    const checks = Object.fromEntries(Object.entries(options.stores ?? {}).map(([name, ping]): [string, StoreCheck] => [name, { ping, required: false }]));
    const states = await checkStores(checks, options.timeoutMs);
    return Object.fromEntries(Object.entries(states).map(([name, s]) => [name, s.state === 'ok' ? 'ok' : 'unreachable']));
  };

  if (options.metrics) {
    options.metrics
      .scrapedGauge({
        name: 'lattice_gateway_subgraph_ready',
        help: "Whether each subgraph answers its readiness check (1) or not (0), as the gateway's /health/ready reports it.",
        labelNames: ['subgraph'],
      })
      .feed('gateway', async () => Object.entries(await subgraphStates()).map(([subgraph, state]) => ({ labels: { subgraph }, value: state === 'ok' ? 1 : 0 })));
  }

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (url.pathname === '/health' || url.pathname === '/health/live') {
      sendJson(res, 200, { status: 'live' });
      return true;
    }
    if (url.pathname !== '/health/ready') return false;
    const strict = isStrict(url.searchParams.get('strict'));
    const [subgraphs, stores] = await Promise.all([subgraphStates(), storeStates()]);
    const version = current;
    const failing = Object.entries(subgraphs)
      .filter(([, state]) => state !== 'ok')
      .map(([name]) => name)
      .sort();
    const serving = version !== null;
    const ready = serving && (!strict || failing.length === 0);
    sendJson(res, ready ? 200 : 503, {
      status: !serving ? 'not ready' : failing.length === 0 ? 'ready' : strict ? 'not ready' : 'degraded',
      strict,
      checks: { supergraph: serving ? 'ok' : 'not loaded', ...subgraphs },
      ...(failing.length > 0 ? { failingSubgraphs: failing } : {}),
      ...(Object.keys(stores).length > 0 ? { stores } : {}),
      supergraph: version ? { id: version.id, loadedAt: version.loadedAt?.toISOString() ?? null, ...(options.sourceStatus ? { source: options.sourceStatus() } : {}) } : null,
    });
    return true;
  };
  return {
    name: 'health',
    routes: [route],
    onSupergraph(version, phase) {
      if (phase === 'live') current = version;
    },
  };
}

