// The names, units and help texts of s2s-relay's own metrics, in one place for the activity interceptor
// (worker side), workflows/metrics.ts (workflow side), the worker's gauges and zero baseline, the Prometheus
// bucket settings, the alert rules (deploy/observability/) and the docs (docs/operations.md).
// Pure data: safe to import from workflow code. Labels never carry user or delivery ids (cardinality).

export interface MetricDefinition {
  name: string;
  kind: 'counter' | 'histogram' | 'gauge';
  unit?: string;
  help: string;
  labels: readonly string[];
  /** Histogram bucket boundaries (Prometheus exporter). */
  buckets?: readonly number[];
}

const LATENCY_BUCKETS_MS = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000];
const WAIT_BUCKETS_MS = [250, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000];

export const METRICS = {
  /** Activity side: one per item a send activity finished (receipt) or failed on. */
  sendResults: {
    name: 's2s_send_results',
    kind: 'counter',
    help: 'Items the send activities finished, by vendor and result (delivered, duplicate, or the failure type of the item that failed the attempt)',
    labels: ['vendor', 'result'],
  },
  /** Activity side: failed attempts by retry class (ApplicationFailure type). */
  sendFailures: {
    name: 's2s_send_failures',
    kind: 'counter',
    help: 'Failed send attempts by vendor, failure type (retry class, e.g. S2STransient, S2SMisconfigured) and whether Temporal retries it',
    labels: ['vendor', 'failure_type', 'retryable'],
  },
  /** Activity side: per HTTP request that the vendor accepted (receipt durationMs). */
  sendLatency: {
    name: 's2s_send_latency',
    kind: 'histogram',
    unit: 'ms',
    help: 'Vendor request latency of accepted deliveries (receipt durationMs), by vendor',
    labels: ['vendor'],
    buckets: LATENCY_BUCKETS_MS,
  },
  /** Activity side: one send activity attempt from start to result or failure. */
  sendAttemptDuration: {
    name: 's2s_send_attempt_duration',
    kind: 'histogram',
    unit: 'ms',
    help: 'Duration of one send activity attempt (a batch of one lane), by vendor and result (ok, partial, failed)',
    labels: ['vendor', 'result'],
    buckets: LATENCY_BUCKETS_MS,
  },
  /** Workflow side: the final outcome of each delivery, as the workflow recorded it. */
  deliveryOutcomes: {
    name: 's2s_delivery_outcomes',
    kind: 'counter',
    help: 'Final delivery outcomes recorded by the user workflows, by destination and outcome (delivered, duplicate, skipped, dead-lettered)',
    labels: ['destination', 'outcome'],
  },
  /** Workflow side: dead letters (also those dead-lettered before routing, destination "none"). */
  deadLetters: {
    name: 's2s_dead_letters',
    kind: 'counter',
    help: 'Deliveries and messages dead-lettered by the user workflows, by destination ("none": no install context or unknown purchase)',
    labels: ['destination'],
  },
  /** Workflow side: time from a delivery's arrival to its final outcome. */
  deliveryLatency: {
    name: 's2s_delivery_latency',
    kind: 'histogram',
    unit: 'ms',
    help: 'Time from a message arriving at the workflow to its delivery outcome (gate, settle window, backlog and retries), by destination and outcome',
    labels: ['destination', 'outcome'],
    buckets: WAIT_BUCKETS_MS,
  },
  /** Workflow side: time a delivery waited before its first send (post-install gate, settle window, backlog). */
  gateWait: {
    name: 's2s_gate_wait',
    kind: 'histogram',
    unit: 'ms',
    help: 'Time from a message arriving at the workflow to the first send of its delivery (post-install gate, settle window, lane backlog), by destination',
    labels: ['destination'],
    buckets: WAIT_BUCKETS_MS,
  },
  /** Worker process: memory, sampled every few seconds (worker/process-gauges.ts). */
  processMemory: {
    name: 's2s_process_memory_bytes',
    kind: 'gauge',
    unit: 'bytes',
    help: 'Memory of the worker process by kind: rss (resident set), heap_used, heap_total, external (Node.js process.memoryUsage())',
    labels: ['memory'],
  },
  /** Workflow side: a user forgotten (`s2s forget`): its workflow completes on purpose and its runs are deleted. */
  usersForgotten: {
    name: 's2s_users_forgotten',
    kind: 'counter',
    unit: 'users',
    help: 'Users forgotten on request (s2s forget): their workflow completed on purpose (the alert on ended user workflows discounts these)',
    labels: [],
  },
  /** Worker process: user workflows of its task queue by state, counted in Temporal visibility (worker/visibility-gauges.ts). */
  userWorkflows: {
    name: 's2s_user_workflows',
    kind: 'gauge',
    unit: 'workflows',
    help: 'User workflows of this task queue in Temporal visibility, by state: running, pending (running with S2SPending > 0), dead_letters (running with S2SDeadLetters > 0), and closed ones: failed, terminated, timed_out, canceled, completed',
    labels: ['state'],
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

/** Bucket boundaries per metric name, for the runtime's Prometheus exporter. */
export function histogramBuckets(): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const m of Object.values(METRICS) as MetricDefinition[]) if (m.buckets) out[m.name] = [...m.buckets];
  return out;
}
