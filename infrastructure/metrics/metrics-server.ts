import { startHttpServer, type RunningHttpServer } from '../http/http-server';
import { routeChain } from '../http/routes';
import type { Logger } from '../logging/logger';
import { metricsRoute } from './metrics-route';
import type { ProcessMetrics } from './process-metrics';

/** A scrape is one short request; stopping waits for it no longer than this. */
const DRAIN_TIMEOUT_MS = 1_000;

/**
 * The metrics port (LATTICE_METRICS_PORT): `/metrics` alone, apart from the service's public port, so it can be
 * left to the monitoring network. Logs `metrics listening` with its URL once bound (port 0 picks a free one).
 */
export function startMetricsServer(options: { metrics: ProcessMetrics; host: string; port: number; logger: Logger }): Promise<RunningHttpServer> {
  return startHttpServer({
    name: 'metrics',
    host: options.host,
    port: options.port,
    drainTimeoutMs: DRAIN_TIMEOUT_MS,
    logger: options.logger,
    handler: routeChain(metricsRoute(options.metrics, options.logger)),
  });
}
