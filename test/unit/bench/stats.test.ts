// Percentiles (nearest rank), latency summaries and rates used by the bench reports, including small and
// empty samples and empty steps.
import { describe, expect, it } from 'vitest';
import { median, percentileSorted, ratePerSecond, ratesPerStep, summarize } from '../../../bench/stats';

describe('percentiles (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the nearest-rank value', () => {
    expect(percentileSorted(hundred, 50)).toBe(50);
    expect(percentileSorted(hundred, 95)).toBe(95);
    expect(percentileSorted(hundred, 99)).toBe(99);
    expect(percentileSorted(hundred, 100)).toBe(100);
    expect(percentileSorted(hundred, 0)).toBe(1);
  });

  it('takes the median of values in any order, without reordering them', () => {
    const values = [9, 1, 5, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([9, 1, 5, 3]);
    expect(median([])).toBeNaN();
  });

  it('handles small and empty samples', () => {
    expect(percentileSorted([7], 99)).toBe(7);
    expect(percentileSorted([1, 2], 50)).toBe(1);
    expect(percentileSorted([1, 2], 51)).toBe(2);
    expect(percentileSorted([], 50)).toBeNaN();
  });

  it('summarizes unsorted latencies', () => {
    const s = summarize([30, 10, 20, 40, 1000]);
    expect(s).toEqual({ count: 5, min: 10, p50: 30, p95: 1000, p99: 1000, max: 1000, mean: 220 });
    expect(summarize([])).toMatchObject({ count: 0, p50: 0, p99: 0 });
  });
});

describe('rates', () => {
  it('divides by the window in seconds', () => {
    expect(ratePerSecond(500, 0, 2_000)).toBe(250);
    expect(ratePerSecond(5, 1_000, 1_000)).toBe(0);
  });

  it('counts timestamps per step from the origin, with empty steps as 0', () => {
    const rows = ratesPerStep([1_000, 1_500, 10_100, 25_000, 500], 1_000, 10_000);
    expect(rows.map((r) => r.count)).toEqual([3, 0, 1]);
    expect(rows.map((r) => r.perSecond)).toEqual([0.3, 0, 0.1]);
    expect(ratesPerStep([], 0, 1_000, 3).map((r) => r.count)).toEqual([0, 0, 0]);
  });
});
