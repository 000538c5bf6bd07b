// Resource usage from /proc samples (a restarted process counted from zero, not negative), the ramp
// demo's per-step table of achieved request rates next to the schedule, what fails a chaos run, and the
// payload-encryption cost per event from plain and encrypted phases.
import { describe, expect, it } from 'vitest';
import { chaosFailures, chaosText } from '../../../bench/chaos-report';
import { usageOf } from '../../../bench/proc-sampler';
import { rampRows } from '../../../bench/ramp-demo';
import { parseRateLimit, type RateLimit } from '../../../activities/rate-limit';
import { codecComparison, codecText, measureCodecAlone, type MeasuredPhase } from '../../../bench/codec-cost';
import type { PhaseResult } from '../../../bench/relay-phase';

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
  const relay = { deadLetters: 0, pending: 0, rejectedMessages: 3, duplicateMessages: 12, unreachable: 0 };
  const refusals = { badSent: 3, refused: 3, notRefused: [], validRefused: 0, validRefusedSamples: [] };

  it('passes a complete run with clean invariants, every bad message refused and a clean relay', () => {
    expect(chaosFailures({ check: { failures: [] }, complete: true, crashes: 0, refusals, relay, replayFailures: [] })).toEqual([]);
  });

  it('fails on broken invariants, a history that did not replay, an incomplete run, a worker crash, a bad message taken, a valid one refused, and any dead letter', () => {
    const broken = {
      badSent: 3,
      refused: 2,
      notRefused: [{ id: 'u1.x4', bad: 'overRefund', detail: "not among the user's rejections" }],
      validRefused: 1,
      validRefusedSamples: [{ userId: 'u1', id: 'u1.r2', reason: 'invalid refund: unknown purchase' }],
    };
    expect(
      chaosFailures({
        check: { failures: ['1 deliveries lost'] },
        complete: false,
        crashes: 1,
        refusals: broken,
        relay: { ...relay, deadLetters: 2, unreachable: 3 },
        replayFailures: [
          { workflowId: 's2s-user-u7', message: 'Nondeterminism error: Update machine does not handle this event' },
          { workflowId: 's2s-user-u7', message: 'Nondeterminism error: again' },
        ],
      }),
    ).toEqual([
      '1 deliveries lost',
      '1 user workflow(s) failed a workflow task on nondeterminism (the history did not replay), e.g. s2s-user-u7: Nondeterminism error: Update machine does not handle this event',
      'the relay did not deliver everything before the stall timeout',
      'the worker died 1 time(s) without being killed (see worker-*.log in the run directory)',
      "1 of 3 bad messages were not refused as expected (e.g. u1.x4 overRefund: not among the user's rejections)",
      '1 valid messages rejected by the relay (e.g. u1.r2: invalid refund: unknown purchase)',
      '2 dead letters in the relay, for a workload the vendors accept in full',
      '3 user workflows did not answer the final status query',
    ]);
  });
});

describe('codecComparison', () => {
  const phase = (name: string, events: number, eventsPerSecond: number, cpuSeconds: number, historyBytes: number): MeasuredPhase => ({
    result: { name, events, eventsPerSecond, worker: { cpuSeconds } } as PhaseResult,
    histories: {
      runs: 1,
      historyEvents: 0,
      historyBytes,
      encryptedPayloads: name.includes('codec') ? 12_000 : 0,
      actions: {} as MeasuredPhase['histories']['actions'],
      workflowTasks: 0,
      workflowTaskMeanMs: 0,
    },
  });

  it('adds up each side (CPU and bytes per event over all its phases, mean events/s) and divides encrypted by plain', () => {
    const c = codecComparison(
      [phase('relay-max', 1000, 100, 10, 8_000_000), phase('relay-plain-2', 1000, 80, 12, 8_000_000)],
      [phase('relay-codec', 1000, 90, 12, 9_000_000), phase('relay-codec-2', 1000, 72, 14.4, 9_000_000)],
    );
    expect(c.plain).toEqual({
      phases: ['relay-max', 'relay-plain-2'],
      events: 2000,
      events_per_s: 90,
      worker_cpu_ms_per_event: 11,
      history_bytes_per_event: 8000,
    });
    expect(c.encrypted).toEqual({
      phases: ['relay-codec', 'relay-codec-2'],
      events: 2000,
      events_per_s: 81,
      worker_cpu_ms_per_event: 13.2,
      history_bytes_per_event: 9000,
    });
    expect(c.ratio).toEqual({ events_per_s: 0.9, worker_cpu_ms_per_event: 1.2, history_bytes_per_event: 1.13 });
    expect(c.extra_worker_cpu_ms_per_event).toBe(2.2);
    expect(codecText(c).at(-1)).toBe('  encrypted/plain: events/s x0.9, worker CPU/event x1.2 (+2.2 ms), history bytes/event x1.13');
    const withAlone = codecComparison([phase('relay-max', 1000, 100, 10, 1)], [phase('relay-codec', 1000, 90, 12, 1)], {
      payload_bytes: 900,
      encrypt_us: 6,
      decrypt_us: 5,
    });
    expect(withAlone.alone).toEqual({ payload_bytes: 900, encrypt_us: 6, decrypt_us: 5, stored_payloads_per_event: 12 });
  });

  it('times the codec alone in CPU microseconds per payload', async () => {
    const alone = await measureCodecAlone(200);
    expect(alone.payload_bytes).toBeGreaterThan(500);
    expect(alone.encrypt_us).toBeGreaterThan(0);
    expect(alone.decrypt_us).toBeGreaterThan(0);
  });
});

describe('chaosText', () => {
  const json = {
    date: '2026-12-03T13:18:29.508Z',
    bad_messages: { sent: 9, refused: 9 },
    relay_state: { dead_letters: 0, pending: 0 },
    passed: false,
    failures: ['1 duplicate deliveries without evidence of a lost answer for that request'],
    samples: {
      duplicates: [{ key: 'u1/appsflyer/m1', detail: 'appsflyer delivered 2 times with no evidence that an earlier answer was lost: #4 at 13:17:50.001' }],
      lateArrival: [{ key: 'u2/adjust/m3', detail: 'explained, not broken' }],
    },
  };

  it('prints the examples of what broke with the verdict (CI keeps only the log), and not the excused ones', () => {
    const text = chaosText(json);
    expect(text).toContain('s2s-relay chaos, 2026-12-03T13:18:29.508Z: FAILED');
    expect(text).toContain(
      'examples:\n  - duplicates u1/appsflyer/m1: appsflyer delivered 2 times with no evidence that an earlier answer was lost: #4 at 13:17:50.001',
    );
    expect(text).not.toContain('explained, not broken');
    expect(chaosText({ ...json, passed: true, failures: [], samples: {} })).not.toContain('examples:');
  });
});
