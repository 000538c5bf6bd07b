// The JSON and text of `npm run bench -- --scale` (bench/scale.ts): signups/s, database bytes per idle user,
// worker RSS over time, and events/s, latency and CPU per event with most users out of the worker's cache.
// Pure: the run's state and measurements in, the report out.
import { perEvent } from './actions';
import type { ScalePlan } from './bench-options';
import type { ProcUsage } from './proc-sampler';
import { completionRate, type CacheCounts, type WindowCosts } from './regime-report';
import { round, summarize } from './stats';

export interface RssPoint {
  at: string;
  phase: 'signup' | 'idle' | 'events' | 'done';
  signed_up: number;
  worker_rss_mb: number;
  server_rss_mb: number | null;
}

/** What a scale run keeps in its run directory (scale-state.json), so --resume continues it. */
export interface ScaleState {
  taskQueue: string;
  userPrefix: string;
  seed: number;
  targetUsers: number;
  signedUp: number;
  /** Wall seconds spent signing up (over every resumed attempt), and the CPU the worker and server spent. */
  signupSeconds: number;
  signupWorkerCpuSeconds: number;
  signupServerCpuSeconds: number;
  emptyDatabaseBytes: number;
  idleDatabase?: Record<string, number>;
  rss: RssPoint[];
}

export interface ScaleInputs {
  date: string;
  command: string;
  machine: Record<string, unknown>;
  plan: ScalePlan;
  state: ScaleState;
  finalDatabase: Record<string, number>;
  events: {
    count: number;
    sentAtMs: number[];
    doneAtMs: number[];
    fromMs: number;
    toMs: number;
    worker: ProcUsage;
    server: ProcUsage;
    cache?: CacheCounts;
    sampledHistories: number;
    costs: WindowCosts;
  };
  elapsedSeconds: number;
}

/** At most `max` points, evenly picked, the first and last always kept. */
export function downsample<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(points[Math.round((i * (points.length - 1)) / (max - 1))] as T);
  return out;
}

/** The worker RSS as signups go on: flat once the cache is full, bounded by it (max over the last half vs the first). */
export function rssTrend(points: readonly RssPoint[]) {
  const rss = points.map((p) => p.worker_rss_mb);
  if (rss.length === 0) return { min_mb: null, max_mb: null, last_mb: null, max_first_half_mb: null, max_second_half_mb: null };
  const half = Math.floor(rss.length / 2);
  return {
    min_mb: Math.min(...rss),
    max_mb: Math.max(...rss),
    last_mb: rss.at(-1) as number,
    max_first_half_mb: Math.max(...rss.slice(0, Math.max(1, half))),
    max_second_half_mb: Math.max(...rss.slice(half)),
  };
}

const sum = (r: Record<string, number> | undefined) => Object.values(r ?? {}).reduce((a, b) => a + b, 0);

export function scaleJson(i: ScaleInputs): Record<string, unknown> {
  const s = i.state;
  const idleBytes = sum(s.idleDatabase);
  const e = i.events;
  const latency = summarize(e.sentAtMs.map((t, k) => (e.doneAtMs[k] ?? t) - t));
  const first = Math.min(...e.sentAtMs);
  const last = Math.max(...e.doneAtMs);
  const signupPoints = s.rss.filter((p) => p.phase === 'signup' || p.phase === 'idle');
  return {
    date: i.date,
    command: i.command,
    machine: i.machine,
    store: 'dev server, SQLite file (WAL, synchronous=normal)',
    worker_cache_size: i.plan.cacheSize,
    settle_window_ms: i.plan.settleWindowMs,
    users: s.signedUp,
    signups_per_s: s.signupSeconds > 0 ? round(s.signedUp / s.signupSeconds, 1) : null,
    signup_worker_cpu_ms_per_user: s.signedUp > 0 ? round((s.signupWorkerCpuSeconds * 1000) / s.signedUp, 1) : null,
    signup_server_cpu_ms_per_user: s.signedUp > 0 ? round((s.signupServerCpuSeconds * 1000) / s.signedUp, 1) : null,
    database_bytes_empty: s.emptyDatabaseBytes,
    database_bytes_idle: idleBytes,
    database_files_idle: s.idleDatabase ?? null,
    database_bytes_per_idle_user: s.signedUp > 0 ? Math.round((idleBytes - s.emptyDatabaseBytes) / s.signedUp) : null,
    database_bytes_after_events: sum(i.finalDatabase),
    worker_rss_mb: { during_signups: rssTrend(signupPoints), overall: rssTrend(s.rss), series: downsample(s.rss, 60) },
    events: {
      count: e.count,
      load: i.plan.mode === 'open' ? `open loop, ${i.plan.ratePerSecond} events/s` : `closed loop, ${i.plan.concurrency} concurrent senders (signals)`,
      events_per_s: i.plan.mode === 'open' ? completionRate(e.doneAtMs) : last > first ? round(e.count / ((last - first) / 1000), 1) : 0,
      latency_ms: { p50: latency.p50, p95: latency.p95, p99: latency.p99, max: latency.max },
      worker_cpu_ms_per_event: round((e.worker.cpuSeconds * 1000) / e.count, 1),
      server_cpu_ms_per_event: round((e.server.cpuSeconds * 1000) / e.count, 1),
      worker_peak_rss_mb: e.worker.peakRssMb,
      server_peak_rss_mb: e.server.peakRssMb,
      ...(e.cache
        ? {
            sticky_cache_hits_per_event: round(e.cache.hits / e.count),
            sticky_cache_misses_per_event: round(e.cache.misses / e.count),
            replays_per_event: round(e.cache.replays / e.count),
          }
        : {}),
      sampled_histories: e.sampledHistories,
      actions_per_event: e.sampledHistories > 0 ? round(e.costs.actions.total / e.sampledHistories) : null,
      actions_per_event_by_kind: e.sampledHistories > 0 ? perEvent(e.costs.actions, e.sampledHistories) : null,
      workflow_tasks_per_event: e.sampledHistories > 0 ? round(e.costs.workflowTasks / e.sampledHistories) : null,
    },
    elapsed_seconds_this_attempt: i.elapsedSeconds,
  };
}

export function scaleText(j: Record<string, unknown>): string {
  const ev = j.events as Record<string, unknown>;
  const rss = j.worker_rss_mb as { during_signups: ReturnType<typeof rssTrend>; overall: ReturnType<typeof rssTrend> };
  return [
    `s2s-relay scale run, ${j.date}: ${j.users} idle users, worker cache ${j.worker_cache_size}`,
    `signups ${j.signups_per_s}/s (worker ${j.signup_worker_cpu_ms_per_user} + server ${j.signup_server_cpu_ms_per_user} ms CPU/user); database ${j.database_bytes_per_idle_user} bytes per idle user (${j.database_bytes_idle} bytes in all)`,
    `worker RSS during signups ${rss.during_signups.min_mb}-${rss.during_signups.max_mb} MB (max first half ${rss.during_signups.max_first_half_mb}, second half ${rss.during_signups.max_second_half_mb}); overall max ${rss.overall.max_mb} MB`,
    `events: ${ev.count} (${ev.load}) at ${ev.events_per_s}/s, p50 ${(ev.latency_ms as { p50: number }).p50} p99 ${(ev.latency_ms as { p99: number }).p99} ms; worker ${ev.worker_cpu_ms_per_event} + server ${ev.server_cpu_ms_per_event} ms CPU/event; ${ev.replays_per_event ?? '?'} replays/event; ${ev.actions_per_event} actions/event, ${ev.workflow_tasks_per_event} workflow tasks/event (sample of ${ev.sampled_histories})`,
  ].join('\n');
}
