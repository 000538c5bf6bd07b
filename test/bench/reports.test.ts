// Resource usage from /proc samples (a restarted process counted from zero, not negative), the ramp
// demo's per-step table of achieved request rates next to the schedule, and what fails a chaos run.
import { describe, expect, it } from 'vitest';
import { chaosFailures } from '../../bench/chaos-report';
import { usageOf } from '../../bench/proc-sampler';
import { rampRows } from '../../bench/ramp-demo';
import { parseRateLimit, type RateLimit } from '../../activities/rate-limit';

describe('usageOf', () => {
  it('reports peak memory, CPU used, and average and peak cores', () => {
    const usage = usageOf([
      { atMs: 0, rssBytes: 100 * 2 ** 20, cpuSeconds: 10 },
      { atMs: 1_000, rssBytes: 300 * 2 ** 20, cpuSeconds: 10.5 },
      { atMs: 2_000, rssBytes: 200 * 2 ** 20, cpuSeconds: 12 },
    ]);
    expect(usage).toEqual({ peakRssMb: 300, cpuSeconds: 2, avgCores: 1, peakCores: 1.5, samples: 3 });
  });

  it('counts a restarted process from zero instead of going negative', () => {
    const usage = usageOf([
      { atMs: 0, rssBytes: 0, cpuSeconds: 5 },
      { atMs: 1_000, rssBytes: 0, cpuSeconds: 6 },
      { atMs: 2_000, rssBytes: 0, cpuSeconds: 0.5 },
    ]);
    expect(usage.cpuSeconds).toBe(1.5);
  });
});

describe('rampRows', () => {
  it('puts the achieved rate per step next to the schedule', () => {
    const limit = parseRateLimit('2 to 4 by 2 every 10s') as RateLimit;
    const af = [...Array.from({ length: 20 }, (_, i) => i * 500), ...Array.from({ length: 40 }, (_, i) => 10_000 + i * 250)];
    const adj = Array.from({ length: 100 }, (_, i) => i * 200);
    const rows = rampRows(limit, 0, 10_000, af, adj);
    expect(rows).toEqual([
      { step: 0, fromS: 0, scheduled: 2, appsflyer: 2, adjust: 5 },
      { step: 1, fromS: 10, scheduled: 4, appsflyer: 4, adjust: 5 },
    ]);
  });
});

describe('chaosFailures', () => {
  const relay = { deadLetters: 0, pending: 0, rejectedMessages: 0, duplicateMessages: 12, unreachable: 0 };

  it('passes a complete run with clean invariants and a clean relay', () => {
    expect(chaosFailures({ check: { failures: [] }, complete: true, relay })).toEqual([]);
  });

  it('fails on broken invariants, an incomplete run, and any dead letter or rejected message in the relay', () => {
    expect(chaosFailures({ check: { failures: ['1 deliveries lost'] }, complete: false, relay: { ...relay, deadLetters: 2, rejectedMessages: 1, unreachable: 3 } })).toEqual([
      '1 deliveries lost',
      'the relay did not deliver everything before the stall timeout',
      '2 dead letters in the relay, for a workload the vendors accept in full',
      '1 messages rejected by the relay, for a workload of valid messages',
      '3 user workflows did not answer the final status query',
    ]);
  });
});
