import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger';
import type { ProcessMetrics } from './process-metrics';

export const METRICS_PATH = '/metrics';

/** `GET /metrics`: the process's registry in Prometheus' text format (what a scrape asks for). */
export function metricsRoute(metrics: ProcessMetrics, logger?: Logger): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if ((req.url ?? '/').split('?')[0] !== METRICS_PATH) return false;
    let text: string;
    try {
      text = await metrics.text();
    } catch (error) {
      // Collectors never reject (scrapeReading); this is a registry that cannot render, a bug worth a log line.
      logger?.error('metrics: the registry could not be rendered', { error });
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('metrics could not be rendered\n');
      return true;
    }
    res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(req.method === 'HEAD' ? undefined : text);
    return true;
  };
}
