// The cost-at-scale regimes of `npm run bench` (issue 14): `sparse` (existing idle users, one event each, open
// loop), `cache_miss` (the same users with a worker cache far smaller than the user count), the worker memory
// per cached workflow and the worker CPU per replay, each relay next to the Temporal floor measured the same
// way, and the verdict against the issue's targets. Pure: measurements in, the JSON and text out.
import { temporal } from '@temporalio/proto';
import { addCounts, countActions, emptyCounts, perEvent, workflowTaskTimes, type ActionCounts, type HistoryEventLike } from './actions';
import type { ProcUsage } from './proc-sampler';
import type { ReplayCost } from './replay-cost';
import type { ReplayAnatomy } from './replay-anatomy';
import { round, summarize, type LatencySummary } from './stats';
import { timestampMs, type TimestampLike } from './timestamp';

const E = temporal.api.enums.v1.EventType;
const EVENT_NAMES = new Map<number, string>(
  Object.entries(E as unknown as Record<string, number>).map(([name, value]) => [value, name.replace(/^EVENT_TYPE_/, '')]),
);

export type TimedEvent = HistoryEventLike & { eventTime?: TimestampLike };

export function eventTimeMs(event: TimedEvent): number | undefined {
  return timestampMs(event.eventTime);
}

/** The events of one history recorded in [fromMs, toMs): what one phase added to a user's history. */
export function historyWindow<T extends TimedEvent>(events: readonly T[], fromMs: number, toMs = Number.POSITIVE_INFINITY): T[] {
  return events.filter((e) => {
    const at = eventTimeMs(e);
    return at !== undefined && at >= fromMs && at < toMs;
  });
}

/** Event type names (SIGNALED, TIMER_STARTED, ...) in history order: what a history shows, readable. */
export function historyShape(events: readonly HistoryEventLike[]): string[] {
  return events.map((e) =>
    typeof e.eventType === 'number' ? (EVENT_NAMES.get(e.eventType) ?? String(e.eventType)) : String(e.eventType).replace(/^EVENT_TYPE_/, ''),
  );
}

export interface WindowCosts {
  runs: number;
  historyEvents: number;
  actions: ActionCounts;
  workflowTasks: number;
}

/** Actions, workflow tasks and history events that each run added in a window (runs without any are skipped). */
export function windowCosts(perRun: ReadonlyArray<readonly TimedEvent[]>, fromMs: number, toMs?: number): WindowCosts {
  let actions = emptyCounts();
  let workflowTasks = 0;
  let historyEvents = 0;
  let runs = 0;
  for (const events of perRun) {
    const w = historyWindow(events, fromMs, toMs);
    if (w.length === 0) continue;
    runs += 1;
    historyEvents += w.length;
    actions = addCounts(actions, countActions(w));
    workflowTasks += workflowTaskTimes(w).tasks;
  }
  return { runs, historyEvents, actions, workflowTasks };
}

/** Prometheus text exposition: every sample summed over its labels, by metric name. */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    out.set(m[1] as string, (out.get(m[1] as string) ?? 0) + value);
  }
  return out;
}

/** The worker's sticky cache counters and replays (Temporal Core metrics), summed over its workers. */
export interface CacheCounts {
  hits: number;
  misses: number;
  /** Workflow tasks that replayed history: executed tasks that were not sticky cache hits. */
  replays: number;
  /** Workflow tasks the worker executed (temporal_workflow_task_execution_latency observations). */
  tasks: number;
}

export function cacheCounts(metrics: ReadonlyMap<string, number>): CacheCounts {
  const pick = (...names: string[]) => names.reduce((sum, n) => sum + (metrics.get(n) ?? 0), 0);
  const hits = pick('temporal_sticky_cache_hit', 'temporal_sticky_cache_hit_total');
  const misses = pick('temporal_sticky_cache_miss', 'temporal_sticky_cache_miss_total');
  const tasks = pick('temporal_workflow_task_execution_latency_count', 'temporal_workflow_task_execution_latency_seconds_count');
  // Every workflow task that did not find its run in the cache rebuilt it from history: sticky misses, and
  // tasks that came on the normal queue with the whole history (the run was evicted). Core records its
  // replay-latency histogram for every activation, so it cannot tell them apart.
  return { hits, misses, replays: tasks > 0 ? Math.max(0, tasks - hits) : misses, tasks };
}

export function cacheDelta(before: CacheCounts, after: CacheCounts): CacheCounts {
  return { hits: after.hits - before.hits, misses: after.misses - before.misses, replays: after.replays - before.replays, tasks: after.tasks - before.tasks };
}

/** One side (relay or floor) of one regime, as measured. */
export interface RegimeRun {
  events: number;
  offeredPerSecond: number;
  /** When each event was sent, and when it was done (the relay: both vendors accepted; the floor: its activity ran). */
  sentAtMs: number[];
  doneAtMs: number[];
  worker: ProcUsage;
  server?: ProcUsage;
  costs: WindowCosts;
  cache?: CacheCounts;
}

/** Events per second at which they were done, from the first to the last (the offered rate when it keeps up). */
export function completionRate(doneAtMs: readonly number[]): number {
  if (doneAtMs.length < 2) return 0;
  const first = Math.min(...doneAtMs);
  const last = Math.max(...doneAtMs);
  return last > first ? round((doneAtMs.length - 1) / ((last - first) / 1000), 1) : 0;
}

/**
 * How much later the last quarter of events was done than the first quarter (median latency difference, ms):
 * near 0 when the worker keeps up, growing with the backlog when it falls behind.
 */
export function latencyDriftMs(sentAtMs: readonly number[], doneAtMs: readonly number[]): number {
  const pairs = sentAtMs.map((s, i) => ({ s, l: (doneAtMs[i] ?? s) - s })).sort((a, b) => a.s - b.s);
  const q = Math.max(1, Math.floor(pairs.length / 4));
  const median = (xs: number[]) => summarize(xs).p50;
  return Math.round(median(pairs.slice(-q).map((p) => p.l)) - median(pairs.slice(0, q).map((p) => p.l)));
}

/** Keeps up: done at (nearly) the offered rate, without a growing backlog. */
export function keepsUp(run: Pick<RegimeRun, 'offeredPerSecond' | 'sentAtMs' | 'doneAtMs'>): boolean {
  return completionRate(run.doneAtMs) >= 0.9 * run.offeredPerSecond && latencyDriftMs(run.sentAtMs, run.doneAtMs) < 1_000;
}

const perEventMs = (seconds: number | undefined, events: number) => (seconds !== undefined && events > 0 ? round((seconds * 1000) / events, 1) : null);

export function regimeSide(run: RegimeRun) {
  const latency: LatencySummary = summarize(run.sentAtMs.map((s, i) => (run.doneAtMs[i] ?? s) - s));
  const worker = perEventMs(run.worker.cpuSeconds, run.events);
  const server = perEventMs(run.server?.cpuSeconds, run.events);
  return {
    events: run.events,
    offered_events_per_s: run.offeredPerSecond,
    events_per_s: completionRate(run.doneAtMs),
    keeps_up: keepsUp(run),
    latency_drift_ms: latencyDriftMs(run.sentAtMs, run.doneAtMs),
    latency_ms: { p50: latency.p50, p95: latency.p95, p99: latency.p99, max: latency.max },
    actions_per_event: round(run.costs.actions.total / run.events),
    actions_per_event_by_kind: perEvent(run.costs.actions, run.events),
    workflow_tasks_per_event: round(run.costs.workflowTasks / run.events),
    history_events_per_event: round(run.costs.historyEvents / run.events),
    worker_cpu_ms_per_event: worker,
    server_cpu_ms_per_event: server,
    worker_plus_server_cpu_ms_per_event: worker !== null && server !== null ? round(worker + server, 1) : null,
    worker_peak_rss_mb: run.worker.peakRssMb,
    ...(run.cache
      ? {
          sticky_cache_hits_per_event: round(run.cache.hits / run.events),
          sticky_cache_misses_per_event: round(run.cache.misses / run.events),
          replays_per_event: round(run.cache.replays / run.events),
        }
      : {}),
  };
}

export type RegimeSide = ReturnType<typeof regimeSide>;

/** A regime's JSON: the relay's figures at the top (what runs compare), the floor's next to them and in full. */
export function regimeJson(setup: Record<string, unknown>, relay: RegimeRun, floor?: RegimeRun) {
  const r = regimeSide(relay);
  const f = floor ? regimeSide(floor) : undefined;
  return {
    ...setup,
    ...r,
    floor_events_per_s: f?.events_per_s ?? null,
    floor_actions_per_event: f?.actions_per_event ?? null,
    floor_workflow_tasks_per_event: f?.workflow_tasks_per_event ?? null,
    floor_worker_cpu_ms_per_event: f?.worker_cpu_ms_per_event ?? null,
    floor_server_cpu_ms_per_event: f?.server_cpu_ms_per_event ?? null,
    floor_worker_plus_server_cpu_ms_per_event: f?.worker_plus_server_cpu_ms_per_event ?? null,
    floor_latency_ms: f ? { p50: f.latency_ms.p50, p99: f.latency_ms.p99 } : null,
    floor: f ?? null,
  };
}

/** Worker RSS added per cached workflow: the slope between two samples taken with `workflows` cached. */
export function rssSlopeMb(before: { rssBytes: number; workflows: number }, after: { rssBytes: number; workflows: number }): number | null {
  const n = after.workflows - before.workflows;
  return n > 0 ? round((after.rssBytes - before.rssBytes) / n / 2 ** 20, 3) : null;
}

/**
 * Worker CPU per replayed workflow task: the extra CPU per event of the phase whose tasks replay (small cache)
 * over the all-cached phase, divided by the extra replays per event. Null when the cache phase did not replay more.
 */
export function cpuPerReplayMs(
  cached: { cpuSeconds: number; events: number; replays: number },
  missing: { cpuSeconds: number; events: number; replays: number },
): number | null {
  if (cached.events <= 0 || missing.events <= 0) return null;
  const extraReplays = missing.replays / missing.events - cached.replays / cached.events;
  if (extraReplays <= 0.05) return null;
  const extraCpuMs = (missing.cpuSeconds * 1000) / missing.events - (cached.cpuSeconds * 1000) / cached.events;
  return round(extraCpuMs / extraReplays, 1);
}

export interface MemoryMeasure {
  workflows: number;
  beforeRssBytes: number;
  afterRssBytes: number;
  warmupWorkflows: number;
  /** RSS with the first half of the workflows cached: the two halves' slopes show how steady the figure is. */
  midWorkflows?: number;
  midRssBytes?: number;
}

export interface RegimesInputs {
  sparse: { setup: Record<string, unknown>; relay: RegimeRun; floor?: RegimeRun; loneEvent?: { userHistory: string[] } };
  cacheMiss: { setup: Record<string, unknown>; relay: RegimeRun; floor?: RegimeRun };
  memory: { relay: MemoryMeasure; floor?: MemoryMeasure };
  /** A cache miss's replay measured directly (bench/replay-cost.ts), relay and floor in turns. */
  replay?: { relay: ReplayCost; floor: ReplayCost };
}

/** The issue 14 targets, each with what this run measured and whether it is met. */
export function targetVerdicts(j: {
  sparse: ReturnType<typeof regimeJson>;
  cache_miss: ReturnType<typeof regimeJson>;
  worker_rss_mb_per_cached_workflow: number | null;
  worker_cpu_ms_per_replay: number | null;
  worker_cpu_ms_per_replay_direct?: number | null;
}) {
  const rows: Array<{ target: string; measured: unknown; limit: unknown; met: boolean | null }> = [];
  const rss = j.worker_rss_mb_per_cached_workflow;
  rows.push({ target: 'worker RSS per cached workflow (MB)', measured: rss, limit: 0.3, met: rss === null ? null : rss <= 0.3 });
  // Both measures when the run has both: the figure from the regimes is a difference of two noisy figures and
  // alone has read "met" on a run whose direct replays cost twice the limit.
  const replay = j.worker_cpu_ms_per_replay;
  const direct = j.worker_cpu_ms_per_replay_direct ?? null;
  const replays = direct === null ? replay : { from_regimes: replay, replayed_directly: direct };
  const replayMet = replay === null ? null : replay <= 10 && (direct === null || direct <= 10);
  rows.push({ target: 'worker CPU per replay (ms)', measured: replays, limit: 10, met: replayMet });
  rows.push({
    target: 'cache_miss keeps up with the offered load of the all-cached regime',
    measured: {
      events_per_s: j.cache_miss.events_per_s,
      offered: j.cache_miss.offered_events_per_s,
      latency_drift_ms: j.cache_miss.latency_drift_ms,
      sparse_events_per_s: j.sparse.events_per_s,
    },
    limit: 'keeps_up',
    met: j.cache_miss.keeps_up,
  });
  rows.push({ target: 'lone event: actions', measured: j.sparse.actions_per_event, limit: 3, met: j.sparse.actions_per_event <= 3 });
  rows.push({ target: 'lone event: workflow tasks', measured: j.sparse.workflow_tasks_per_event, limit: 2, met: j.sparse.workflow_tasks_per_event <= 2 });
  const cpu = j.sparse.worker_plus_server_cpu_ms_per_event;
  const floorCpu = j.sparse.floor_worker_plus_server_cpu_ms_per_event;
  rows.push({
    target: "sparse worker+server CPU per event (ms) at most the floor's",
    measured: cpu,
    limit: floorCpu,
    met: cpu === null || floorCpu === null ? null : cpu <= floorCpu,
  });
  return rows;
}

export function regimesJson(inputs: RegimesInputs) {
  const sparse = {
    ...regimeJson(inputs.sparse.setup, inputs.sparse.relay, inputs.sparse.floor),
    ...(inputs.sparse.loneEvent ? { lone_event_history: inputs.sparse.loneEvent.userHistory } : {}),
  };
  const cacheMiss = regimeJson(inputs.cacheMiss.setup, inputs.cacheMiss.relay, inputs.cacheMiss.floor);
  const slope = (m?: MemoryMeasure) =>
    m ? rssSlopeMb({ rssBytes: m.beforeRssBytes, workflows: 0 }, { rssBytes: m.afterRssBytes, workflows: m.workflows }) : null;
  const replayOf = (cached?: RegimeRun, missing?: RegimeRun) =>
    cached?.cache && missing?.cache
      ? cpuPerReplayMs(
          { cpuSeconds: cached.worker.cpuSeconds, events: cached.events, replays: cached.cache.replays },
          { cpuSeconds: missing.worker.cpuSeconds, events: missing.events, replays: missing.cache.replays },
        )
      : null;
  const memory = (m?: MemoryMeasure) =>
    m
      ? {
          workflows: m.workflows,
          warmup_workflows: m.warmupWorkflows,
          rss_before_mb: round(m.beforeRssBytes / 2 ** 20, 1),
          rss_after_mb: round(m.afterRssBytes / 2 ** 20, 1),
          ...(m.midWorkflows !== undefined && m.midRssBytes !== undefined
            ? {
                rss_mid_mb: round(m.midRssBytes / 2 ** 20, 1),
                mb_per_workflow_first_half: rssSlopeMb({ rssBytes: m.beforeRssBytes, workflows: 0 }, { rssBytes: m.midRssBytes, workflows: m.midWorkflows }),
                mb_per_workflow_second_half: rssSlopeMb(
                  { rssBytes: m.midRssBytes, workflows: m.midWorkflows },
                  { rssBytes: m.afterRssBytes, workflows: m.workflows },
                ),
              }
            : {}),
        }
      : null;
  const core = {
    sparse,
    cache_miss: cacheMiss,
    worker_rss_mb_per_cached_workflow: slope(inputs.memory.relay),
    floor_worker_rss_mb_per_cached_workflow: slope(inputs.memory.floor),
    worker_rss_measure: {
      method:
        'worker process RSS after signing up (relay) or starting (floor) this many idle users, all cached, minus RSS before them (after warm-up users); each worker fresh',
      relay: memory(inputs.memory.relay),
      floor: memory(inputs.memory.floor),
    },
    worker_cpu_ms_per_replay: replayOf(inputs.sparse.relay, inputs.cacheMiss.relay),
    floor_worker_cpu_ms_per_replay: replayOf(inputs.sparse.floor, inputs.cacheMiss.floor),
    worker_replay_measure: {
      method:
        'extra worker CPU per event of cache_miss over sparse (same users, same rate), divided by the extra replayed workflow tasks per event (Temporal Core metrics: workflow tasks executed minus sticky cache hits); a difference of two noisy figures, so it moves by several ms run to run',
      relay_replays_per_event: { sparse: sparse.replays_per_event ?? null, cache_miss: cacheMiss.replays_per_event ?? null },
      floor_replays_per_event: { sparse: sparse.floor?.replays_per_event ?? null, cache_miss: cacheMiss.floor?.replays_per_event ?? null },
    },
    worker_cpu_ms_per_replay_direct: inputs.replay?.relay.ms ?? null,
    floor_worker_cpu_ms_per_replay_direct: inputs.replay?.floor.ms ?? null,
    worker_replay_direct_measure: inputs.replay
      ? {
          method:
            "a fresh process's CPU between two results of the SDK's replayer (Worker.runReplayHistories) rebuilding the cache_miss users' whole histories, relay and floor in alternating rounds; the median replay. Steadier than the figure from the regimes, but the replayer's own per-history work (a workflow run in debug mode, evicted after each history) is in it, for both sides",
          relay: inputs.replay.relay,
          floor: inputs.replay.floor,
        }
      : null,
  };
  return { ...core, issue_14_targets: targetVerdicts(core) };
}

export type RegimesJson = ReturnType<typeof regimesJson>;

/** One replay of each side, counted: activations, condition passes, sandbox calls, promises. */
function anatomyLine(measure: RegimesJson['worker_replay_direct_measure']): string {
  const side = (a: ReplayAnatomy | undefined) =>
    a ? `${a.activations} activations, ${a.condition_passes} condition passes, ${a.sandbox_calls} sandbox calls, ${a.promises} promises` : '';
  const relay = side(measure?.relay.anatomy);
  return relay ? `  one replay: relay ${relay}; floor ${side(measure?.floor.anatomy)}` : '';
}

export function regimesText(j: RegimesJson): string[] {
  const side = (name: string, s: RegimeSide | null | undefined) =>
    s
      ? `  ${name.padEnd(18)} ${String(s.events_per_s).padStart(6)} ev/s (offered ${s.offered_events_per_s}${s.keeps_up ? '' : ', FALLS BEHIND'})  p50 ${s.latency_ms.p50} p99 ${s.latency_ms.p99} ms  ${s.actions_per_event} act/ev ${s.workflow_tasks_per_event} wft/ev  worker ${s.worker_cpu_ms_per_event} + server ${s.server_cpu_ms_per_event} ms CPU/ev${s.replays_per_event !== undefined ? `  ${s.replays_per_event} replays/ev` : ''}`
      : '';
  return [
    'regimes (relay, then the floor in the same mode):',
    side('sparse relay', j.sparse),
    side('sparse floor', j.sparse.floor),
    side('cache_miss relay', j.cache_miss),
    side('cache_miss floor', j.cache_miss.floor),
    `  worker RSS per cached workflow: relay ${j.worker_rss_mb_per_cached_workflow} MB, floor ${j.floor_worker_rss_mb_per_cached_workflow} MB`,
    `  worker CPU per replay: relay ${j.worker_cpu_ms_per_replay} ms, floor ${j.floor_worker_cpu_ms_per_replay} ms (from the regimes)${j.worker_replay_direct_measure ? `; replayed directly: relay ${j.worker_cpu_ms_per_replay_direct} ms, floor ${j.floor_worker_cpu_ms_per_replay_direct} ms` : ''}`,
    anatomyLine(j.worker_replay_direct_measure),
    'issue 14 targets:',
    ...j.issue_14_targets.map(
      (t) => `  ${t.met === null ? '  ?  ' : t.met ? ' met ' : ' NOT '} ${t.target}: ${JSON.stringify(t.measured)} (limit ${JSON.stringify(t.limit)})`,
    ),
  ].filter((l) => l !== '');
}
