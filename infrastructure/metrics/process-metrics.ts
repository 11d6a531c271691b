import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HistogramSpec, MetricSpec } from './metric-spec';
import { ScrapedGauge } from './scraped-gauge';

/** Every Lattice metric's name starts with this, Node's process metrics included. */
export const METRIC_PREFIX = 'lattice_';

type Kind = 'counter' | 'gauge' | 'histogram' | 'scraped gauge';

/**
 * The one prom-client registry of a process (`/metrics` shows it whole). The embedded platform runs every service in
 * one process, so each service asks for the same families (`lattice_outbox_backlog`, …): a metric is looked up by
 * name before it is created and told apart by its labels (`service`), instead of prom-client's "already registered".
 */
export class ProcessMetrics {
  readonly registry = new Registry();
  private readonly declared = new Map<string, { kind: Kind; labels: string; metric: object }>();

  /** `defaultMetrics`: Node's process metrics (CPU, memory, event loop lag, GC), once per registry. */
  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  /** The Content-Type of `text()`: Prometheus' text exposition format. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in Prometheus' text format; scrape-time gauges are read now. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  counter<L extends string>(spec: MetricSpec<L>): Counter<L> {
    return this.declare(spec, 'counter', () => new Counter<L>(this.config(spec)));
  }

  gauge<L extends string>(spec: MetricSpec<L>): Gauge<L> {
    return this.declare(spec, 'gauge', () => new Gauge<L>(this.config(spec)));
  }

  histogram<L extends string>(spec: HistogramSpec<L>): Histogram<L> {
    return this.declare(spec, 'histogram', () => new Histogram<L>({ ...this.config(spec), buckets: [...spec.buckets] }));
  }

  /** A gauge whose readings come from sources asked at each scrape (one per service that feeds it). */
  scrapedGauge<L extends string>(spec: MetricSpec<L>): ScrapedGauge<L> {
    return this.declare(spec, 'scraped gauge', () => new ScrapedGauge<L>(this.registry, spec));
  }

  private config<L extends string>(spec: MetricSpec<L>) {
    return { name: spec.name, help: spec.help, labelNames: [...spec.labelNames], registers: [this.registry] };
  }

  private declare<L extends string, M extends object>(spec: MetricSpec<L>, kind: Kind, create: () => M): M {
    const labels = [...spec.labelNames].sort().join(',');
    const found = this.declared.get(spec.name);
    if (found) {
      // Two declarations that disagree would make one of them silently wrong: that is a programming error.
      if (found.kind !== kind || found.labels !== labels) {
        throw new Error(`metric ${spec.name} is declared as a ${found.kind} with labels [${found.labels}]; asked again as a ${kind} with [${labels}]`);
      }
      // Same name, same kind: the object created for it the first time, so this cast holds.
      return found.metric as M;
    }
    const metric = create();
    this.declared.set(spec.name, { kind, labels, metric });
    return metric;
  }
}
