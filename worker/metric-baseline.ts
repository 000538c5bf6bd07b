// Every s2s-relay counter at 0 from the moment the workers exist, with exactly the labels the real increments
// carry (the SDK adds namespace, taskQueue and the workflow or activity type), so Prometheus has a 0 sample
// before the first dead letter or misconfiguration and `increase()` in the alert rules
// (deploy/observability/) sees it. Adding 0 changes no count.
import type { MetricMeter, MetricTags } from '@temporalio/common';
import { DESTINATIONS, type Destination } from '../domain/delivery';
import { NON_RETRYABLE_SEND_FAILURES, SendFailureType } from '../domain/errors';
import { USER_WORKFLOW_TYPE } from '../domain/workflow-api';
import { METRICS, type MetricDefinition } from '../domain/metrics';
import { vendorTaskQueues } from '../domain/settings';
import type { DeliveryOutcome } from '../domain/status';

export const SEND_ACTIVITY_TYPES: Record<Destination, string> = { adjust: 'sendToAdjust', appsflyer: 'sendToAppsflyer' };
/** The combined first attempt (both vendors' parts, each counted with its vendor). */
export const COMBINED_SEND_ACTIVITY = 'sendFirstAttempts';

/** Final outcomes a workflow records (workflows/outcome.ts): every DeliveryOutcome but pending. */
export const FINAL_OUTCOMES = ['delivered', 'duplicate', 'skipped', 'dead-lettered'] as const satisfies ReadonlyArray<Exclude<DeliveryOutcome, 'pending'>>;
// Fails to compile when DeliveryOutcome gains a final outcome this list lacks.
const _allOutcomes: Exclude<DeliveryOutcome, 'pending'> extends (typeof FINAL_OUTCOMES)[number] ? true : never = true;
void _allOutcomes;

/** Failure classes the activity interceptor counts (failureClass): the send failure types, cancelled, unexpected. */
export const FAILURE_CLASSES: ReadonlyArray<{ type: string; retryable: boolean }> = [
  ...Object.values(SendFailureType).map((type) => ({ type, retryable: !NON_RETRYABLE_SEND_FAILURES.includes(type) })),
  { type: 'cancelled', retryable: true },
  { type: 'unexpected', retryable: true },
];

export interface BaselineSeries {
  metric: MetricDefinition;
  tags: MetricTags;
}

/** The counter series of one deployment (namespace + user-workflow task queue), each with its full label set. */
export function baselineSeries(namespace: string, taskQueue: string): BaselineSeries[] {
  const out: BaselineSeries[] = [];
  const workflow = { namespace, taskQueue, workflowType: USER_WORKFLOW_TYPE };
  for (const destination of [...DESTINATIONS, 'none' as const]) out.push({ metric: METRICS.deadLetters, tags: { ...workflow, destination } });
  for (const destination of DESTINATIONS) {
    for (const outcome of FINAL_OUTCOMES) out.push({ metric: METRICS.deliveryOutcomes, tags: { ...workflow, destination, outcome } });
  }
  out.push({ metric: METRICS.usersForgotten, tags: workflow });
  const queues = vendorTaskQueues(taskQueue);
  for (const vendor of DESTINATIONS) {
    // Send activities on the vendor's task queue, and the combined first attempt on the workflows' own.
    for (const [queue, activityType] of [
      [queues[vendor], SEND_ACTIVITY_TYPES[vendor]],
      [taskQueue, COMBINED_SEND_ACTIVITY],
    ] as const) {
      const activity = { namespace, taskQueue: queue, activityType, vendor };
      for (const result of ['delivered', 'duplicate', ...FAILURE_CLASSES.map((c) => c.type)])
        out.push({ metric: METRICS.sendResults, tags: { ...activity, result } });
      for (const { type, retryable } of FAILURE_CLASSES) out.push({ metric: METRICS.sendFailures, tags: { ...activity, failure_type: type, retryable } });
    }
  }
  return out;
}

/** Adds 0 to every baseline series on the runtime's meter (Runtime.instance().metricMeter). */
export function exportZeroBaseline(meter: MetricMeter, namespace: string, taskQueue: string): void {
  try {
    for (const { metric, tags } of baselineSeries(namespace, taskQueue)) meter.createCounter(metric.name, metric.unit, metric.help).add(0, tags);
  } catch {
    // Metrics must never stop a worker from starting.
  }
}
