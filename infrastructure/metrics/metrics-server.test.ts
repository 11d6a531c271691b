import { defineModule, LifecycleKernel } from '../lifecycle';
import { parseConfig } from '../config/config';
import { loggerOver, type LogFields, type LogSink } from '../logging/logger';
import { configModule, LOG_SINK } from '../modules/core-modules';
import { METRICS, metricsModule } from '../modules/metrics-module';
import { startMetricsServer } from './metrics-server';
import { ProcessMetrics } from './process-metrics';

const silent = loggerOver({ write: () => undefined });

describe('the metrics server', () => {
  it('serves /metrics on its own port, in the registry\'s content type, and nothing else', async () => {
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    metrics.counter({ name: 'lattice_test_total', help: 'x', labelNames: [] }).inc();
    const server = await startMetricsServer({ metrics, host: '127.0.0.1', port: 0, logger: silent });
    try {
      const response = await fetch(`${server.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(metrics.contentType);
      expect(await response.text()).toMatch(/^lattice_test_total 1$/m);
      expect((await fetch(`${server.url}/graphql`)).status).toBe(404);
      expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      await server.stop();
    }
    await expect(fetch(`${server.url}/metrics`)).rejects.toThrow();
  });

  it('is started by the metrics module when LATTICE_METRICS_PORT is set, logs its URL, and stops with the process', async () => {
    const lines: { message: string; fields: LogFields }[] = [];
    const sink: LogSink = { write: (_level, message, fields) => void lines.push({ message, fields }) };
    const config = parseConfig({ LATTICE_METRICS_PORT: '0', LOG_LEVEL: 'silent' }, 'platform');
    const kernel = new LifecycleKernel([configModule(config), defineModule({ name: LOG_SINK, bootstrap: { start: () => sink } }), metricsModule()]);
    await kernel.start();
    const announced = lines.find((line) => line.message === 'Prometheus metrics served on their own port');
    const url = String(announced?.fields.url);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^lattice_process_resident_memory_bytes /m);
    expect(kernel.get<ProcessMetrics>(METRICS).registry).toBeDefined();
    await kernel.stop();
    await expect(fetch(url)).rejects.toThrow();
  });

  it('is not started when LATTICE_METRICS_PORT is unset: each service serves /metrics on its own port instead', async () => {
    const lines: string[] = [];
    const sink: LogSink = { write: (_level, message) => void lines.push(message) };
    const config = parseConfig({ LOG_LEVEL: 'silent' }, 'platform');
    const kernel = new LifecycleKernel([configModule(config), defineModule({ name: LOG_SINK, bootstrap: { start: () => sink } }), metricsModule()]);
    await kernel.start();
    expect(lines).not.toContain('metrics listening');
    await kernel.stop();
  });
});
