// The bench's --scale mode (issue 14 item 5): its options and presets, and the pure report shaping (RSS trend,
// downsampling, the JSON and text of a run).
import { describe, expect, it } from 'vitest';
import { BenchOptions, scalePlan } from '../../../bench/bench-options';
import { parseOptions } from '../../../bench/cli-args';
import { problem } from '../../helpers/refused';
import { emptyCounts } from '../../../bench/actions';
import type { ProcUsage } from '../../../bench/proc-sampler';
import { downsample, rssTrend, scaleJson, scaleText, type RssPoint } from '../../../bench/scale-report';

describe('scale options', () => {
  it('signs up 100,000 users and sends a tenth of them one event, closed loop, unless told otherwise', () => {
    expect(scalePlan(parseOptions(BenchOptions, []))).toBeUndefined();
    expect(scalePlan(parseOptions(BenchOptions, ['--scale']))).toEqual({
      users: 100_000,
      events: 10_000,
      mode: 'closed',
      concurrency: 32,
      cacheSize: 2000,
      settleWindowMs: 2000,
    });
    expect(
      scalePlan(
        parseOptions(BenchOptions, [
          '--scale',
          '--scale-users',
          '10000',
          '--scale-events',
          '500',
          '--scale-rate',
          '20',
          '--worker-env',
          'S2S_MAX_CACHED_WORKFLOWS=500',
        ]),
      ),
    ).toEqual({
      users: 10_000,
      events: 500,
      mode: 'open',
      concurrency: 32,
      ratePerSecond: 20,
      cacheSize: 500,
      settleWindowMs: 2000,
    });
    expect(scalePlan(parseOptions(BenchOptions, ['--scale', '--resume', 'artifacts/scale/x']))?.resumeDir).toBe('artifacts/scale/x');
  });

  it('refuses scale options without --scale, more events than users, and a server it cannot measure', () => {
    expect(problem(() => parseOptions(BenchOptions, ['--scale-users', '10']))).toContain('--scale-users: is an option of --scale: give --scale too');
    expect(problem(() => parseOptions(BenchOptions, ['--resume', 'dir']))).toContain('--resume: --resume continues a --scale run: give --scale too');
    expect(problem(() => parseOptions(BenchOptions, ['--scale', '--scale-users', '10', '--scale-events', '20']))).toContain(
      '--scale-events: must be at most --scale-users (10)',
    );
    expect(problem(() => parseOptions(BenchOptions, ['--scale', '--temporal', '127.0.0.1:7233']))).toContain(
      '--scale: --scale starts the dev server with its database on disk',
    );
    expect(problem(() => parseOptions(BenchOptions, ['--scale', '--server', 'postgres']))).toContain(
      "--scale: --scale measures the dev server's database file",
    );
  });
});

describe('scale report', () => {
  const points: RssPoint[] = Array.from({ length: 10 }, (_, i) => ({
    at: `t${i}`,
    phase: i < 8 ? 'signup' : 'events',
    signed_up: i * 1000,
    worker_rss_mb: Math.min(400, 200 + i * 50),
    server_rss_mb: 100,
  }));

  it('downsamples a series keeping both ends, and shows the RSS bounded once the cache is full', () => {
    expect(downsample([1, 2, 3, 4, 5], 3)).toEqual([1, 3, 5]);
    expect(downsample([1, 2], 5)).toEqual([1, 2]);
    expect(rssTrend(points)).toEqual({ min_mb: 200, max_mb: 400, last_mb: 400, max_first_half_mb: 400, max_second_half_mb: 400 });
    expect(rssTrend([]).max_mb).toBeNull();
  });

  it('reports signups/s, database bytes per idle user, and the events in that state', () => {
    const usage = (cpuSeconds: number): ProcUsage => ({ peakRssMb: 400, cpuSeconds, avgCores: 1, peakCores: 1, samples: 3 });
    const json = scaleJson({
      date: '2026-12-02T00:00:00.000Z',
      command: 'npm run bench -- --scale',
      machine: { cpus: 2 },
      plan: { users: 10_000, events: 4, mode: 'closed', concurrency: 32, cacheSize: 2000, settleWindowMs: 2000 },
      state: {
        taskQueue: 'q',
        userPrefix: 'p',
        seed: 7,
        targetUsers: 10_000,
        signedUp: 10_000,
        signupSeconds: 100,
        signupWorkerCpuSeconds: 50,
        signupServerCpuSeconds: 80,
        emptyDatabaseBytes: 1_000_000,
        idleDatabase: { 'temporal.sqlite': 50_000_000, 'temporal.sqlite-wal': 1_000_000 },
        rss: points,
      },
      finalDatabase: { 'temporal.sqlite': 52_000_000 },
      events: {
        count: 4,
        sentAtMs: [0, 0, 0, 0],
        doneAtMs: [1_000, 2_000, 2_000, 2_000],
        fromMs: 0,
        toMs: 3_000,
        worker: usage(0.4),
        server: usage(0.2),
        cache: { hits: 1, misses: 3, replays: 6, tasks: 8 },
        sampledHistories: 4,
        costs: { runs: 4, historyEvents: 60, actions: { ...emptyCounts(), signals: 4, activities: 4, timers: 4, total: 12 }, workflowTasks: 12 },
      },
      elapsedSeconds: 300,
    });
    expect(json).toMatchObject({
      users: 10_000,
      signups_per_s: 100,
      signup_worker_cpu_ms_per_user: 5,
      signup_server_cpu_ms_per_user: 8,
      database_bytes_idle: 51_000_000,
      database_bytes_per_idle_user: 5000,
    });
    expect(json.events).toMatchObject({
      count: 4,
      events_per_s: 2,
      worker_cpu_ms_per_event: 100,
      server_cpu_ms_per_event: 50,
      replays_per_event: 1.5,
      actions_per_event: 3,
      workflow_tasks_per_event: 3,
    });
    expect(scaleText(json)).toContain('5000 bytes per idle user');
  });
});
