import { Gauge, type Registry } from 'prom-client';
import type { MetricSpec } from './metric-spec';

/** One value of a scrape-time gauge. */
export interface GaugeReading<L extends string> {
  readonly labels: Readonly<Record<L, string>>;
  readonly value: number;
}

/** Asked at every scrape; what it answers replaces what it answered last time. */
export type GaugeSource<L extends string> = () => Promise<readonly GaugeReading<L>[]> | readonly GaugeReading<L>[];

/**
 * A gauge read when Prometheus scrapes (an outbox backlog, a stream's pending entries), not kept up to date by
 * whoever changes the thing. Several sources may feed one gauge, each under its own key: the services of the
 * embedded platform share the process's registry. A source that fails contributes nothing to that scrape (a gauge
 * without labels still shows its one sample, at 0: prom-client always exposes it).
 */
export class ScrapedGauge<L extends string> {
  private readonly sources = new Map<string, GaugeSource<L>>();

  constructor(registry: Registry, spec: MetricSpec<L>) {
    const sources = this.sources;
    new Gauge<L>({
      name: spec.name,
      help: spec.help,
      labelNames: [...spec.labelNames],
      registers: [registry],
      async collect() {
        const readings = await Promise.all([...sources.values()].map((read) => Promise.resolve().then(read).catch(() => [])));
        // Reset only once every source has answered: a concurrent scrape never sees the gauge half filled.
        this.reset();
        for (const reading of readings.flat()) this.set(reading.labels as Partial<Record<L, string>>, reading.value);
      },
    });
  }

  /** Adds (or, under a key already fed, replaces) a source; the function returned removes it. */
  feed(key: string, source: GaugeSource<L>): () => void {
    this.sources.set(key, source);
    return () => {
      if (this.sources.get(key) === source) this.sources.delete(key);
    };
  }
}
