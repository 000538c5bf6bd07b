// The cost-at-scale regimes of the bench (issue 14): option parsing and presets, and the pure report shaping:
// history windows, Prometheus counters, rates, keeping up, RSS slope, CPU per replay, the regime JSON with the
// floor beside the relay and the verdict against the issue's targets (--scale: scale.test.ts).
import { describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { BenchOptions, regimesPlan } from '../../../bench/bench-options';
import { parseOptions } from '../../../bench/cli-args';
import { problem } from '../../helpers/refused';
import type { ProcUsage } from '../../../bench/proc-sampler';
import {
  cacheCounts,
  completionRate,
  cpuPerReplayMs,
  historyShape,
  historyWindow,
  keepsUp,
  latencyDriftMs,
  parsePrometheus,
  regimesJson,
  regimesText,
  rssSlopeMb,
  targetVerdicts,
  windowCosts,
  type RegimeRun,
  type RegimesInputs,
  type TimedEvent,
} from '../../../bench/regime-report';
import { emptyCounts } from '../../../bench/actions';

const E = temporal.api.enums.v1.EventType;
const at = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });
const ev = (eventType: number, ms: number, extra: Partial<TimedEvent> = {}): TimedEvent => ({ eventType, eventTime: at(ms), ...extra });

describe('regime options', () => {
  it('runs the regimes by default, sized for --quick (200 users, cache 100, one event each) and for a full run', () => {
    expect(regimesPlan(parseOptions(BenchOptions, ['--quick']))).toEqual({
      users: 200,
      warmupUsers: 20,
      ratePerSecond: 20,
      sparseCacheSize: 2000,
      cacheMissCacheSize: 100,
      cacheMissEventsPerUser: 1,
      settleWindowMs: 2000,
      settleLoneEvents: true,
      firstSendAttempt: 'combined',
    });
    expect(regimesPlan(parseOptions(BenchOptions, ['--quick', '--no-settle-lone-events']))).toMatchObject({ settleLoneEvents: false });
    expect(regimesPlan(parseOptions(BenchOptions, ['--quick', '--first-send-attempt', 'local']))).toMatchObject({ firstSendAttempt: 'local' });
    expect(() => parseOptions(BenchOptions, ['--first-send-attempt', 'fast'])).toThrow(/--first-send-attempt/);
    expect(regimesPlan(parseOptions(BenchOptions, []))).toMatchObject({
      users: 1000,
      cacheMissCacheSize: 100,
      cacheMissEventsPerUser: 2,
      sparseCacheSize: 2000,
    });
    expect(regimesPlan(parseOptions(BenchOptions, ['--no-regimes']))).toBeUndefined();
  });

  it('takes the sizes from the options, keeps every sparse user cached, and follows --settle-window', () => {
    const plan = regimesPlan(
      parseOptions(BenchOptions, ['--regime-users', '3000', '--regime-rate', '5', '--regime-cache', '10', '--regime-events', '3', '--settle-window', '0ms']),
    );
    expect(plan).toMatchObject({
      users: 3000,
      warmupUsers: 20,
      ratePerSecond: 5,
      sparseCacheSize: 3050,
      cacheMissCacheSize: 10,
      cacheMissEventsPerUser: 3,
      settleWindowMs: 0,
    });
    expect(regimesPlan(parseOptions(BenchOptions, ['--regime-users', '10']))?.warmupUsers).toBe(2);
  });

  it('sizes the cache_miss cache to what the rate touches while an event runs, at most half the users', () => {
    // 20 events/s over the 2 s settle window and 3 s of the event's own tasks: 100 workflows.
    expect(regimesPlan(parseOptions(BenchOptions, ['--regime-rate', '40']))?.cacheMissCacheSize).toBe(200);
    expect(regimesPlan(parseOptions(BenchOptions, ['--settle-window', '0ms']))?.cacheMissCacheSize).toBe(60);
    expect(regimesPlan(parseOptions(BenchOptions, ['--regime-users', '50']))?.cacheMissCacheSize).toBe(25);
    expect(regimesPlan(parseOptions(BenchOptions, ['--regime-users', '1000', '--regime-cache', '20']))?.cacheMissCacheSize).toBe(20);
  });

  it('explains bad regime options', () => {
    expect(problem(() => parseOptions(BenchOptions, ['--regime-cache', '1']))).toContain('--regime-cache: must be at least 2');
    expect(problem(() => parseOptions(BenchOptions, ['--regime-users', 'lots']))).toContain('--regime-users: must be a whole number between 10 and 100000');
    expect(problem(() => parseOptions(BenchOptions, ['--no-regimes', '--regimes-only']))).toContain(
      '--regimes-only: --regimes-only runs only the regimes; --no-regimes skips them',
    );
  });
});

describe('history windows', () => {
  // A signup (start, first task), then later a lone event: signal, settle timer, activity, three tasks.
  const history: TimedEvent[] = [
    ev(E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, 1_000),
    ev(E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, 1_000),
    ev(E.EVENT_TYPE_WORKFLOW_TASK_STARTED, 1_001),
    ev(E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 1_010),
    ev(E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, 50_000),
    ev(E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, 50_000),
    ev(E.EVENT_TYPE_WORKFLOW_TASK_STARTED, 50_001),
    ev(E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 50_020),
    ev(E.EVENT_TYPE_TIMER_STARTED, 50_020),
    ev(E.EVENT_TYPE_TIMER_FIRED, 52_000),
    ev(E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, 52_000),
    ev(E.EVENT_TYPE_WORKFLOW_TASK_STARTED, 52_001),
    ev(E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 52_010),
    ev(E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, 52_010),
    ev(E.EVENT_TYPE_ACTIVITY_TASK_STARTED, 52_011, { activityTaskStartedEventAttributes: { attempt: 1 } }),
    ev(E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 52_100),
    ev(E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, 52_100),
    ev(E.EVENT_TYPE_WORKFLOW_TASK_STARTED, 52_101),
    ev(E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 52_110),
  ];

  it('keeps what a phase added, and names it', () => {
    const lone = historyWindow(history, 40_000);
    expect(lone).toHaveLength(15);
    expect(historyShape(lone).slice(0, 5)).toEqual([
      'WORKFLOW_EXECUTION_SIGNALED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
      'WORKFLOW_TASK_COMPLETED',
      'TIMER_STARTED',
    ]);
    expect(historyWindow(history, 0, 40_000)).toHaveLength(4);
    expect(historyShape([{ eventType: 'EVENT_TYPE_TIMER_FIRED' }])).toEqual(['TIMER_FIRED']);
  });

  it("counts a window's actions and workflow tasks over runs, skipping runs it did not touch", () => {
    const costs = windowCosts([history, history.slice(0, 4)], 40_000);
    expect(costs.runs).toBe(1);
    expect(costs.workflowTasks).toBe(3);
    expect(costs.historyEvents).toBe(15);
    expect(costs.actions).toMatchObject({ signals: 1, timers: 1, activities: 1, workflowStarts: 0, total: 3 });
  });
});

describe('worker metrics', () => {
  const text = [
    '# HELP temporal_sticky_cache_hit Count of sticky cache hits',
    '# TYPE temporal_sticky_cache_hit counter',
    'temporal_sticky_cache_hit{namespace="default",task_queue="q"} 12',
    'temporal_sticky_cache_hit{namespace="default",task_queue="q-adjust"} 3',
    'temporal_sticky_cache_miss{task_queue="q"} 4',
    'temporal_workflow_task_execution_latency_count{task_queue="q"} 20',
    'temporal_workflow_task_execution_latency_bucket{le="+Inf"} 20',
    'garbage line',
  ].join('\n');

  it('sums each metric over its labels', () => {
    const m = parsePrometheus(text);
    expect(m.get('temporal_sticky_cache_hit')).toBe(15);
    expect(m.get('temporal_sticky_cache_miss')).toBe(4);
    expect(m.has('garbage')).toBe(false);
  });

  it('counts as replays the workflow tasks that were not sticky cache hits (misses when tasks are not exported)', () => {
    expect(cacheCounts(parsePrometheus(text))).toEqual({ hits: 15, misses: 4, replays: 5, tasks: 20 });
    expect(cacheCounts(new Map([['temporal_sticky_cache_miss_total', 7]]))).toEqual({ hits: 0, misses: 7, replays: 7, tasks: 0 });
  });
});

describe('rates and keeping up', () => {
  it('rates completions from the first to the last', () => {
    expect(completionRate([0, 1_000, 2_000, 3_000, 4_000])).toBe(1);
    expect(completionRate([5])).toBe(0);
  });

  it('tells a steady run from one whose backlog grows', () => {
    const sent = Array.from({ length: 100 }, (_, i) => i * 50);
    const steady = sent.map((s) => s + 2_100);
    const behind = sent.map((s, i) => s + 2_100 + i * 60);
    expect(latencyDriftMs(sent, steady)).toBe(0);
    expect(keepsUp({ offeredPerSecond: 20, sentAtMs: sent, doneAtMs: steady })).toBe(true);
    expect(latencyDriftMs(sent, behind)).toBeGreaterThan(4_000);
    expect(keepsUp({ offeredPerSecond: 20, sentAtMs: sent, doneAtMs: behind })).toBe(false);
  });
});

describe('memory and replay cost', () => {
  it('takes the RSS slope per cached workflow in MB', () => {
    expect(rssSlopeMb({ rssBytes: 100 * 2 ** 20, workflows: 0 }, { rssBytes: 160 * 2 ** 20, workflows: 200 })).toBe(0.3);
    expect(rssSlopeMb({ rssBytes: 1, workflows: 5 }, { rssBytes: 2, workflows: 5 })).toBeNull();
  });

  it('divides the extra CPU per event of the cache-miss phase by its extra replays per event', () => {
    // all cached: 20 ms/event, no replays; small cache: 80 ms/event, 2 replays per event -> 30 ms per replay
    expect(cpuPerReplayMs({ cpuSeconds: 4, events: 200, replays: 0 }, { cpuSeconds: 16, events: 200, replays: 400 })).toBe(30);
    expect(cpuPerReplayMs({ cpuSeconds: 4, events: 200, replays: 0 }, { cpuSeconds: 5, events: 200, replays: 2 })).toBeNull();
  });
});

describe('regimesJson', () => {
  const usage = (cpuSeconds: number): ProcUsage => ({ peakRssMb: 300, cpuSeconds, avgCores: 0.5, peakCores: 1, samples: 10 });
  const run = (o: {
    events: number;
    cpu: number;
    server: number;
    actions: number;
    tasks: number;
    lagMs: number;
    drift?: number;
    replays?: number;
  }): RegimeRun => {
    const sentAtMs = Array.from({ length: o.events }, (_, i) => i * 50);
    return {
      events: o.events,
      offeredPerSecond: 20,
      sentAtMs,
      doneAtMs: sentAtMs.map((s, i) => s + o.lagMs + i * (o.drift ?? 0)),
      worker: usage(o.cpu),
      server: usage(o.server),
      costs: {
        runs: o.events,
        historyEvents: o.events * 15,
        actions: { ...emptyCounts(), signals: o.events, total: o.actions * o.events },
        workflowTasks: o.tasks * o.events,
      },
      cache: { hits: 0, misses: 0, replays: (o.replays ?? 0) * o.events, tasks: o.tasks * o.events },
    };
  };
  const base: RegimesInputs = {
    sparse: {
      setup: { users: 200 },
      relay: run({ events: 200, cpu: 8, server: 4, actions: 3, tasks: 3, lagMs: 2_100 }),
      floor: run({ events: 200, cpu: 4, server: 4, actions: 2, tasks: 2, lagMs: 100 }),
      loneEvent: { userHistory: ['WORKFLOW_EXECUTION_SIGNALED'] },
    },
    cacheMiss: {
      setup: { users: 200, worker_cache_size: 20 },
      relay: run({ events: 200, cpu: 20, server: 5, actions: 3, tasks: 3, lagMs: 2_500, drift: 60, replays: 3 }),
      floor: run({ events: 200, cpu: 5, server: 4, actions: 2, tasks: 2, lagMs: 150, replays: 2 }),
    },
    memory: {
      relay: {
        workflows: 200,
        warmupWorkflows: 20,
        beforeRssBytes: 500 * 2 ** 20,
        afterRssBytes: 800 * 2 ** 20,
        midWorkflows: 100,
        midRssBytes: 600 * 2 ** 20,
      },
      floor: { workflows: 200, warmupWorkflows: 20, beforeRssBytes: 200 * 2 ** 20, afterRssBytes: 250 * 2 ** 20 },
    },
  };
  const j = regimesJson(base);

  it('puts the relay figures at the top of each regime and the floor beside them', () => {
    expect(j.sparse).toMatchObject({
      users: 200,
      events: 200,
      offered_events_per_s: 20,
      events_per_s: 20,
      keeps_up: true,
      actions_per_event: 3,
      workflow_tasks_per_event: 3,
      worker_cpu_ms_per_event: 40,
      server_cpu_ms_per_event: 20,
      worker_plus_server_cpu_ms_per_event: 60,
    });
    expect(j.sparse).toMatchObject({
      floor_events_per_s: 20,
      floor_actions_per_event: 2,
      floor_workflow_tasks_per_event: 2,
      floor_worker_plus_server_cpu_ms_per_event: 40,
      floor_latency_ms: { p50: 100, p99: 100 },
    });
    expect(j.sparse.latency_ms).toEqual({ p50: 2100, p95: 2100, p99: 2100, max: 2100 });
    expect(j.sparse.lone_event_history).toEqual(['WORKFLOW_EXECUTION_SIGNALED']);
    expect(j.cache_miss).toMatchObject({ worker_cache_size: 20, keeps_up: false, replays_per_event: 3 });
  });

  it('reports memory per cached workflow and CPU per replay for both, and the verdict per target', () => {
    expect(j.worker_rss_mb_per_cached_workflow).toBe(1.5);
    expect(j.floor_worker_rss_mb_per_cached_workflow).toBe(0.25);
    expect(j.worker_rss_measure.relay).toMatchObject({ rss_mid_mb: 600, mb_per_workflow_first_half: 1, mb_per_workflow_second_half: 2 });
    expect(j.worker_rss_measure.floor).not.toHaveProperty('rss_mid_mb');
    // relay: (100 - 40) ms per event over 3 replays per event; floor: (25 - 20) over 2
    expect(j.worker_cpu_ms_per_replay).toBe(20);
    expect(j.floor_worker_cpu_ms_per_replay).toBe(2.5);
    expect(j.issue_14_targets.map((t) => [t.target, t.met])).toEqual([
      ['worker RSS per cached workflow (MB)', false],
      ['worker CPU per replay (ms)', false],
      ['cache_miss keeps up with the offered load of the all-cached regime', false],
      ['lone event: actions', true],
      ['lone event: workflow tasks', false],
      ["sparse worker+server CPU per event (ms) at most the floor's", false],
    ]);
    const text = regimesText(j).join('\n');
    expect(text).toContain('cache_miss relay');
    expect(text).toContain('FALLS BEHIND');
    expect(text).toContain(' met  lone event: actions: 3 (limit 3)');
  });

  it('reports the replay measured directly beside the figure from the regimes, for both', () => {
    expect(j.worker_cpu_ms_per_replay_direct).toBeNull();
    expect(j.worker_replay_direct_measure).toBeNull();
    const direct = regimesJson({
      ...base,
      replay: {
        relay: { ms: 9.5, replays: 120, history_events: 31, workflow_tasks: 5 },
        floor: { ms: 4.25, replays: 120, history_events: 17, workflow_tasks: 5 },
      },
    });
    expect(direct.worker_cpu_ms_per_replay).toBe(20);
    expect(direct.worker_cpu_ms_per_replay_direct).toBe(9.5);
    expect(direct.floor_worker_cpu_ms_per_replay_direct).toBe(4.25);
    expect(direct.worker_replay_direct_measure).toMatchObject({ relay: { history_events: 31 }, floor: { ms: 4.25, replays: 120 } });
    expect(regimesText(direct).join('\n')).toContain('relay 20 ms, floor 2.5 ms (from the regimes); replayed directly: relay 9.5 ms, floor 4.25 ms');
    expect(regimesText(direct).join('\n')).not.toContain('one replay:');
    const counted = regimesJson({
      ...base,
      replay: {
        relay: {
          ms: 9.5,
          replays: 120,
          history_events: 31,
          workflow_tasks: 5,
          anatomy: { activations: 6, condition_passes: 11, sandbox_calls: 26, promises: 130 },
        },
        floor: {
          ms: 4.25,
          replays: 120,
          history_events: 25,
          workflow_tasks: 5,
          anatomy: { activations: 5, condition_passes: 5, sandbox_calls: 18, promises: 40 },
        },
      },
    });
    expect(counted.worker_replay_direct_measure?.relay.anatomy).toEqual({ activations: 6, condition_passes: 11, sandbox_calls: 26, promises: 130 });
    expect(regimesText(counted).join('\n')).toContain(
      'one replay: relay 6 activations, 11 condition passes, 26 sandbox calls, 130 promises; floor 5 activations, 5 condition passes, 18 sandbox calls, 40 promises',
    );
  });

  it('meets the replay target only when both measures are within it', () => {
    const verdict = (regimes: number, direct?: number) => {
      const j = { ...regimesJson(base), worker_cpu_ms_per_replay: regimes, ...(direct !== undefined ? { worker_cpu_ms_per_replay_direct: direct } : {}) };
      return targetVerdicts(j).find((t) => t.target === 'worker CPU per replay (ms)');
    };
    expect(verdict(7.9)).toMatchObject({ measured: 7.9, met: true });
    // A low figure from the regimes (noise) does not meet it when the replays measured directly cost more.
    expect(verdict(7.9, 23.9)).toMatchObject({ measured: { from_regimes: 7.9, replayed_directly: 23.9 }, met: false });
    expect(verdict(12, 9)).toMatchObject({ met: false });
    expect(verdict(9.5, 9.9)).toMatchObject({ met: true });
  });
});
