import type { Readiness } from '../../infrastructure/http/routes';

/** Ready only when the supergraph is loaded and every subgraph's own readiness check answers 200. */
export function gatewayReadiness(supergraphLoaded: () => boolean, subgraphBaseUrls: () => Record<string, string>): Readiness {
  return async () => {
    const checks: Record<string, string> = { supergraph: supergraphLoaded() ? 'ok' : 'not loaded' };
    await Promise.all(
      Object.entries(subgraphBaseUrls()).map(async ([name, base]) => {
        try {
          const response = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2_000) });
          checks[name] = response.ok ? 'ok' : `answered ${response.status}`;
        } catch {
          checks[name] = 'unreachable';
        }
      }),
    );
    return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
  };
}
