/** Percentile by nearest rank over a copy of the samples (milliseconds). */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

export function summary(samples: readonly number[]): { n: number; p50: number; p99: number } {
  const round = (v: number) => Math.round(v * 100) / 100;
  return { n: samples.length, p50: round(percentile(samples, 50)), p99: round(percentile(samples, 99)) };
}

export async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}
