import { parseMetricsText, valueOf } from '../../test/support/metrics-text';
import { ProcessMetrics } from './process-metrics';

describe('the process metrics registry', () => {
  it("includes Node's process metrics, named with the lattice_ prefix", async () => {
    const metrics = new ProcessMetrics();
    const text = await metrics.text();
    expect(text).toMatch(/^lattice_process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^lattice_nodejs_eventloop_lag_seconds /m);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('hands every service asking for the same metric the same one, told apart by its labels', async () => {
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    const spec = { name: 'lattice_test_things_total', help: 'things', labelNames: ['service'] } as const;
    metrics.counter(spec).inc({ service: 'identity' });
    expect(() => metrics.counter(spec).inc({ service: 'tenancy' }, 2)).not.toThrow();
    const samples = parseMetricsText(await metrics.text());
    expect(valueOf(samples, 'lattice_test_things_total', { service: 'identity' })).toBe(1);
    expect(valueOf(samples, 'lattice_test_things_total', { service: 'tenancy' })).toBe(2);
  });

  it('refuses a second declaration of a name as another kind or with other labels', () => {
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    metrics.counter({ name: 'lattice_test_total', help: 'x', labelNames: ['service'] });
    expect(() => metrics.gauge({ name: 'lattice_test_total', help: 'x', labelNames: ['service'] })).toThrow(/declared as a counter/);
    expect(() => metrics.counter({ name: 'lattice_test_total', help: 'x', labelNames: ['group'] })).toThrow(/labels \[service\]/);
  });

  it('reads a scraped gauge from every source feeding it, and drops a source once it stops feeding', async () => {
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    const spec = { name: 'lattice_test_backlog', help: 'backlog', labelNames: ['service'] } as const;
    const stopIdentity = metrics.scrapedGauge(spec).feed('identity', async () => [{ labels: { service: 'identity' }, value: 3 }]);
    metrics.scrapedGauge(spec).feed('tenancy', () => [{ labels: { service: 'tenancy' }, value: 0 }]);
    let samples = parseMetricsText(await metrics.text());
    expect(valueOf(samples, 'lattice_test_backlog', { service: 'identity' })).toBe(3);
    expect(valueOf(samples, 'lattice_test_backlog', { service: 'tenancy' })).toBe(0);
    stopIdentity();
    samples = parseMetricsText(await metrics.text());
    expect(valueOf(samples, 'lattice_test_backlog', { service: 'identity' })).toBeUndefined();
    expect(valueOf(samples, 'lattice_test_backlog', { service: 'tenancy' })).toBe(0);
  });

  it('leaves out a source that fails, without failing the scrape', async () => {
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    const gauge = metrics.scrapedGauge({ name: 'lattice_test_backlog', help: 'backlog', labelNames: ['service'] });
    gauge.feed('identity', () => Promise.reject(new Error('database down')));
    gauge.feed('tenancy', () => {
      throw new Error('not even a promise');
    });
    gauge.feed('audit', () => [{ labels: { service: 'audit' }, value: 1 }]);
    const samples = parseMetricsText(await metrics.text());
    expect(valueOf(samples, 'lattice_test_backlog', { service: 'audit' })).toBe(1);
    expect(valueOf(samples, 'lattice_test_backlog', { service: 'identity' })).toBeUndefined();
  });
});
