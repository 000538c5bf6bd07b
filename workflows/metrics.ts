// Workflow-side metrics (final delivery outcomes, dead letters, gate wait, forgotten users) on the SDK's workflow metric
// meter, which reaches the worker runtime's Prometheus endpoint and is silent during replay. Every function
// is a safe no-op outside a workflow (unit tests of workflow modules) and never throws into workflow code.
import { inWorkflowContext, metricMeter } from '@temporalio/workflow';
import type { Destination } from '../domain/delivery';
import { METRICS, type MetricDefinition } from '../domain/metrics';
import type { DeliveryOutcome } from '../domain/status';
import type { Pending } from '../domain/snapshot';

function emit(action: () => void): void {
  if (!inWorkflowContext()) return;
  try {
    action();
  } catch {
    // Metrics must never fail a workflow task.
  }
}

const counter = (m: MetricDefinition) => metricMeter.createCounter(m.name, m.unit, m.help);
const histogram = (m: MetricDefinition) => metricMeter.createHistogram(m.name, 'int', m.unit, m.help);

/** Counts a delivery's final outcome (and a dead letter), with the time since the message arrived. */
export function countOutcome(destination: Destination, outcome: Exclude<DeliveryOutcome, 'pending'>, sinceArrivalMs: number): void {
  emit(() => {
    counter(METRICS.deliveryOutcomes).add(1, { destination, outcome });
    histogram(METRICS.deliveryLatency).record(Math.max(0, Math.round(sinceArrivalMs)), { destination, outcome });
    if (outcome === 'dead-lettered') counter(METRICS.deadLetters).add(1, { destination });
  });
}

/** Counts messages dead-lettered before they reached a lane (no install context, unknown purchase). */
export function countDeadLetter(destination: Destination | 'none'): void {
  emit(() => counter(METRICS.deadLetters).add(1, { destination }));
}

/** Counts a user forgotten on request (its workflow then completes). */
export function countForgotten(): void {
  emit(() => counter(METRICS.usersForgotten).add(1));
}

// Deliveries whose first send was already measured in this run (a batch cut short re-sends its tail).
const measured = new WeakSet<Pending>();

/** Records, once per delivery, how long it waited between arriving and its first send. */
export function recordGateWait(destination: Destination, batch: readonly Pending[], nowMs: number): void {
  emit(() => {
    const wait = histogram(METRICS.gateWait);
    for (const pending of batch) {
      if (measured.has(pending)) continue;
      measured.add(pending);
      wait.record(Math.max(0, Math.round(nowMs - pending.arrivedAtMs)), { destination });
    }
  });
}
