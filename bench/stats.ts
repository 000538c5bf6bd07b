// Small statistics for the harnesses: nearest-rank percentiles, a latency summary, rates over a window and
// per-step rates of a time series (the ramp demo). Pure functions on plain numbers, tested on their own.

/** Nearest-rank percentile (p in 0..100) of an ascending-sorted array; NaN for an empty array. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0] as number;
  if (p >= 100) return sorted[sorted.length - 1] as number;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Nearest-rank median of values in any order; NaN for none. */
export function median(values: readonly number[]): number {
  return percentileSorted(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export interface LatencySummary {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** p50/p95/p99 (nearest rank), min, max and mean, rounded to 0.1 ms; all NaN-free zeros when empty. */
export function summarize(values: readonly number[]): LatencySummary {
  if (values.length === 0) return { count: 0, min: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    min: round(sorted[0] as number),
    p50: round(percentileSorted(sorted, 50)),
    p95: round(percentileSorted(sorted, 95)),
    p99: round(percentileSorted(sorted, 99)),
    max: round(sorted[sorted.length - 1] as number),
    mean: round(sum / sorted.length),
  };
}

/** Items per second over [startMs, endMs]; 0 when the window is empty. */
export function ratePerSecond(count: number, startMs: number, endMs: number): number {
  const seconds = (endMs - startMs) / 1000;
  return seconds > 0 ? Math.round((count / seconds) * 10) / 10 : 0;
}

export interface StepRate {
  /** Step index from the start (0-based). */
  step: number;
  fromMs: number;
  count: number;
  perSecond: number;
}

/** How many timestamps fall in each `stepMs` bucket from `startMs`, as a rate (the ramp's achieved send rate). */
export function ratesPerStep(timesMs: readonly number[], startMs: number, stepMs: number, steps?: number): StepRate[] {
  const counts: number[] = [];
  for (const t of timesMs) {
    if (t < startMs) continue;
    const i = Math.floor((t - startMs) / stepMs);
    if (steps !== undefined && i >= steps) continue;
    counts[i] = (counts[i] ?? 0) + 1;
  }
  const n = steps ?? counts.length;
  return Array.from({ length: n }, (_, step) => {
    const count = counts[step] ?? 0;
    return { step, fromMs: startMs + step * stepMs, count, perSecond: Math.round((count / (stepMs / 1000)) * 10) / 10 };
  });
}

/** Rounds to `digits` decimals (for reports). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
