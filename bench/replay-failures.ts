// Workflow tasks a worker failed because the history no longer replayed on its code (nondeterminism): the
// chaos verdict names such users directly instead of reporting their deliveries lost after the stall timeout.
// Pure: reads history events as the API returns them (proto objects or their JSON).
import { temporal } from '@temporalio/proto';

const NON_DETERMINISTIC = temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR;

interface EventLike {
  workflowTaskFailedEventAttributes?: { cause?: number | string | null; failure?: { message?: string | null } | null } | null;
}

export interface ReplayFailure {
  workflowId: string;
  message: string;
}

/** The nondeterminism failures one run's history records (the first failed attempt of each such task). */
export function replayFailures(workflowId: string, events: readonly EventLike[]): ReplayFailure[] {
  const out: ReplayFailure[] = [];
  for (const event of events) {
    const failed = event.workflowTaskFailedEventAttributes;
    if (!failed) continue;
    const cause = failed.cause;
    const nondeterministic =
      cause === NON_DETERMINISTIC || cause === 'WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR' || /nondeterminism/i.test(failed.failure?.message ?? '');
    if (nondeterministic) out.push({ workflowId, message: (failed.failure?.message ?? 'nondeterminism').slice(0, 300) });
  }
  return out;
}

/**
 * Whether a history records a completed workflow task. One that does not records no command, so there is
 * nothing to replay; and the SDK's replayer (1.24) never answers for a history of the start event alone, which
 * is what a run just started by a continue-as-new can be when it is fetched (a CI run hung on it for 60 s).
 */
export function hasCompletedTask(history: temporal.api.history.v1.IHistory): boolean {
  return (history.events ?? []).some((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
}
