import type { LatticeConfig } from '../config/config';
import type { RunningHttpServer } from '../http/http-server';
import { defineModule, type InfrastructureModule } from '../lifecycle';
import { METRICS_PATH } from '../metrics/metrics-route';
import { startMetricsServer } from '../metrics/metrics-server';
import { ProcessMetrics } from '../metrics/process-metrics';
import { CONFIG, LOG_SINK, moduleLogger } from './core-modules';

export const METRICS = 'metrics';

/**
 * The process's one metrics registry, which every service of the process feeds (the embedded platform runs them
 * all in one). With LATTICE_METRICS_PORT set, `/metrics` is served on that port alone, from start to the very end
 * of the stop; unset, each service serves it on its own port (subgraph-module.ts, gateway/metrics).
 */
export function metricsModule(): InfrastructureModule<ProcessMetrics> {
  let server: RunningHttpServer | null = null;
  return defineModule<ProcessMetrics>({
    name: METRICS,
    runtime: {
      deps: [CONFIG, LOG_SINK],
      start: async (ctx) => {
        const config = ctx.get<LatticeConfig>(CONFIG);
        const metrics = new ProcessMetrics();
        if (config.metricsPort !== undefined) {
          const logger = moduleLogger(ctx, { component: 'metrics' });
          server = await startMetricsServer({ metrics, host: config.host, port: config.metricsPort, logger });
          logger.info('Prometheus metrics served on their own port', { url: `${server.url}${METRICS_PATH}` });
        }
        return metrics;
      },
      stop: async () => {
        await server?.stop();
        server = null;
      },
    },
  });
}
