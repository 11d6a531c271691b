import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../infrastructure/http/routes';
import type { GatewayFeature } from '../core/feature';
import type { SupergraphVersion } from '../supergraph/supergraph-version';

/**
 * `useHealth`: `GET /health` and `/health/live` answer 200 while the process runs; `GET /health/ready` answers 200
 * once a supergraph is serving and every subgraph that has a readiness check (Lattice's own) answers it, and
 * reports the supergraph version in use (and, from the schema registry, whether the registry answers: a gateway
 * whose registry is down keeps serving what it has, so that is a detail, not a reason to leave the rotation).
 */
export function useHealth(options: {
  checkedSubgraphs: () => Record<string, string>;
  timeoutMs: number;
  /** What the supergraph source says of itself (the registry: reachable or not), shown beside the version. */
  sourceStatus?: () => Record<string, unknown>;
}): GatewayFeature {
  let current: SupergraphVersion | null = null;
  const ready = async (): Promise<{ ready: boolean; checks: Record<string, string> }> => {
    const checks: Record<string, string> = { supergraph: current ? 'ok' : 'not loaded' };
    await Promise.all(
      Object.entries(options.checkedSubgraphs()).map(async ([name, base]) => {
        try {
          const response = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(options.timeoutMs) });
          checks[name] = response.ok ? 'ok' : `answered ${response.status}`;
        } catch {
          checks[name] = 'unreachable';
        }
      }),
    );
    return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
  };
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' || path === '/health/live') {
      sendJson(res, 200, { status: 'live' });
      return true;
    }
    if (path !== '/health/ready') return false;
    const result = await ready();
    const version = current;
    sendJson(res, result.ready ? 200 : 503, {
      status: result.ready ? 'ready' : 'not ready',
      checks: result.checks,
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
