// Turns the bench's phase results into its JSON document (stable snake_case keys) and a readable text
// summary. Pure: the numbers in, the report out.
import os from 'node:os';
import { perEvent, type ActionCounts } from './actions';
import { codecText, type CodecComparison } from './codec-cost';
import type { PhaseHistories } from './histories';
import { regimesText, type RegimesJson } from './regime-report';
import type { PhaseResult } from './relay-phase';
import { round } from './stats';

export interface BenchInputs {
  command: string;
  policy: Record<string, unknown>;
  max: PhaseResult;
  maxHistories: PhaseHistories;
  half?: PhaseResult;
  halfHistories?: PhaseHistories;
  floor?: PhaseResult;
  floorHistories?: PhaseHistories;
  raw?: PhaseResult;
  codec?: CodecComparison;
  /** The cost-at-scale regimes (sparse, cache_miss, memory per cached workflow, CPU per replay), at the top level. */
  regimes?: RegimesJson;
}

const strip = ({ acceptedAtMs: _a, workerReadyAtMs: _w, ...rest }: PhaseResult) => rest;

function historySummary(h: PhaseHistories, events: number) {
  return {
    runs: h.runs,
    history_events: h.historyEvents,
    history_events_per_event: round(h.historyEvents / events),
    history_bytes_per_event: Math.round(h.historyBytes / events),
    actions: h.actions,
    actions_per_event: round(h.actions.total / events),
    actions_per_event_by_kind: perEvent(h.actions, events),
    workflow_tasks_per_event: round(h.workflowTasks / events),
    workflow_task_mean_ms: h.workflowTaskMeanMs,
  };
}

export function machine(): Record<string, unknown> {
  return {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

export function benchJson(inputs: BenchInputs): Record<string, unknown> {
  const { max, half, floor, raw } = inputs;
  const latencyPhase = half ?? max;
  const ratio = (a: number, b?: number) => (b && b > 0 ? round(a / b) : null);
  const actions: ActionCounts = inputs.maxHistories.actions;
  return {
    date: new Date().toISOString(),
    command: inputs.command,
    machine: machine(),
    policy: inputs.policy,
    events: max.events,
    users: max.users,
    deliveries: max.deliveries,
    delivered_events_per_s: max.eventsPerSecond,
    deliveries_per_s: max.deliveriesPerSecond,
    floor_events_per_s: floor?.eventsPerSecond ?? null,
    raw_events_per_s: raw?.eventsPerSecond ?? null,
    ratio_to_floor: ratio(max.eventsPerSecond, floor?.eventsPerSecond),
    ratio_to_raw: ratio(max.eventsPerSecond, raw?.eventsPerSecond),
    latency_ms: { p50: latencyPhase.latencyMs.p50, p95: latencyPhase.latencyMs.p95, p99: latencyPhase.latencyMs.p99 },
    latency_measured_at: half
      ? `open loop at ${half.drive.ratePerSecond} messages/s (half the closed-loop maximum)`
      : `${max.drive.mode} loop (the throughput run)`,
    latency_ms_at_max: { p50: max.latencyMs.p50, p95: max.latencyMs.p95, p99: max.latencyMs.p99 },
    floor_latency_ms: floor ? { p50: floor.latencyMs.p50, p95: floor.latencyMs.p95, p99: floor.latencyMs.p99 } : null,
    actions_per_event: round(actions.total / max.events),
    actions_per_event_by_kind: perEvent(actions, max.events),
    floor_actions_per_event: inputs.floorHistories && floor ? round(inputs.floorHistories.actions.total / floor.events) : null,
    history_events_per_event: round(inputs.maxHistories.historyEvents / max.events),
    workflow_tasks_per_event: round(inputs.maxHistories.workflowTasks / max.events),
    floor_workflow_tasks_per_event: inputs.floorHistories && floor ? round(inputs.floorHistories.workflowTasks / floor.events) : null,
    workflow_task_mean_ms: inputs.maxHistories.workflowTaskMeanMs,
    floor_workflow_task_mean_ms: inputs.floorHistories?.workflowTaskMeanMs ?? null,
    floor_history_events_per_event: inputs.floorHistories && floor ? round(inputs.floorHistories.historyEvents / floor.events) : null,
    worker_peak_rss_mb: max.worker.peakRssMb,
    worker_cpu_seconds: max.worker.cpuSeconds,
    worker_cpu_cores_avg: max.worker.avgCores,
    worker_cpu_cores_peak: max.worker.peakCores,
    temporal_server_cpu_seconds: max.server?.cpuSeconds ?? null,
    temporal_server_cpu_cores_avg: max.server?.avgCores ?? null,
    temporal_server_cpu_cores_peak: max.server?.peakCores ?? null,
    harness_cpu_seconds: max.harnessCpuSeconds,
    ...(inputs.codec ? { payload_encryption: inputs.codec } : {}),
    ...(inputs.regimes ?? {}),
    phases: {
      relay_max: { ...strip(max), ...historySummary(inputs.maxHistories, max.events) },
      ...(half && inputs.halfHistories ? { relay_half: { ...strip(half), ...historySummary(inputs.halfHistories, half.events) } } : {}),
      ...(floor && inputs.floorHistories ? { floor: { ...strip(floor), ...historySummary(inputs.floorHistories, floor.events) } } : {}),
      ...(raw ? { raw: strip(raw) } : {}),
    },
  };
}

export function benchText(json: Record<string, unknown>): string {
  const j = json as Record<string, unknown>;
  type Row = PhaseResult & { actions_per_event?: number; history_events_per_event?: number; workflow_tasks_per_event?: number; workflow_task_mean_ms?: number };
  const phases = j.phases as unknown as Record<string, Row>;
  const row = (name: string, p: Row | undefined) =>
    p
      ? `  ${name.padEnd(11)} ${String(p.events).padStart(7)} ev  ${String(p.eventsPerSecond).padStart(8)} ev/s  p50 ${String(p.latencyMs.p50).padStart(7)}  p95 ${String(p.latencyMs.p95).padStart(7)}  p99 ${String(p.latencyMs.p99).padStart(7)} ms  ${p.actions_per_event !== undefined ? `${p.actions_per_event} act/ev  ${p.history_events_per_event} hist/ev  ${p.workflow_tasks_per_event} wft/ev (${p.workflow_task_mean_ms} ms)  ` : ''}worker ${p.worker.avgCores} cores ${p.worker.peakRssMb} MB${p.server ? `  server ${p.server.avgCores} cores` : ''}`
      : '';
  return [
    `s2s-relay bench, ${j.date} (${(j.machine as { cpus: number }).cpus} cores)`,
    `policy: ${JSON.stringify(j.policy)}`,
    row('relay@max', phases.relay_max),
    row('relay@half', phases.relay_half),
    row('floor', phases.floor),
    row('raw', phases.raw),
    '',
    `delivered ${j.delivered_events_per_s} events/s (x2 vendors = ${j.deliveries_per_s} deliveries/s); floor ${j.floor_events_per_s}; raw ${j.raw_events_per_s}`,
    `ratio to floor ${j.ratio_to_floor}, to raw ${j.ratio_to_raw}; latency p50/p95/p99 ${JSON.stringify(j.latency_ms)} ms (${j.latency_measured_at})`,
    `actions/event ${j.actions_per_event} ${JSON.stringify(j.actions_per_event_by_kind)}; history events/event ${j.history_events_per_event}`,
    ...(j.payload_encryption ? codecText(j.payload_encryption as CodecComparison) : []),
    ...(j.sparse && j.cache_miss ? regimesText(j as unknown as RegimesJson) : []),
  ]
    .filter((l) => l !== '')
    .join('\n');
}
