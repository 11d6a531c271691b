/** The label value every value past the bound (or not fit to be one) is counted under. */
export const OTHER_LABEL_VALUE = '__other__';

/**
 * The values one label may take when a client chooses them (operation names): the first `max` distinct values are
 * kept as they are, every later one is `__other__`. Each distinct value is a time series Prometheus keeps, so a
 * client sending a new name with every request must not be able to grow the series without end.
 */
export class BoundedLabel {
  private readonly kept = new Set<string>();

  constructor(
    readonly max: number,
    /** Whether a value may be a label value at all (e.g. a GraphQL name); the others are `__other__`. */
    private readonly acceptable: (value: string) => boolean = () => true,
  ) {
    if (!Number.isInteger(max) || max < 0) throw new TypeError(`BoundedLabel: max must be a whole number >= 0 (got ${max})`);
  }

  /** The label value to count `value` under. */
  of(value: string): string {
    if (this.kept.has(value)) return value;
    if (this.kept.size >= this.max || !this.acceptable(value)) return OTHER_LABEL_VALUE;
    this.kept.add(value);
    return value;
  }

  /** How many distinct values are kept as they are. */
  get size(): number {
    return this.kept.size;
  }
}
