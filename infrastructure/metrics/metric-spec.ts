/** What a metric is declared with; the same name asked for twice must be declared the same way. */
export interface MetricSpec<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
}

export interface HistogramSpec<L extends string> extends MetricSpec<L> {
  readonly buckets: readonly number[];
}
