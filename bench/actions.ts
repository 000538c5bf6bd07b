// Temporal Cloud billable actions counted from workflow histories (docs.temporal.io/cloud/actions): one per
// workflow start or continue-as-new, signal, accepted update, activity attempt, timer started and search
// attribute upsert, and one per workflow task that recorded local-activity markers. Pure: takes history
// events as the API returns them (proto objects or their JSON), so it is tested on crafted histories.
import { temporal } from '@temporalio/proto';
import { timestampMs, type TimestampLike } from './timestamp';

const E = temporal.api.enums.v1.EventType;

/** The subset of a history event this module reads (works for decoded protos and plain objects). */
export interface HistoryEventLike {
  eventId?: unknown;
  eventType?: number | string | null;
  workflowExecutionStartedEventAttributes?: { continuedExecutionRunId?: string | null } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: unknown; attempt?: number | null } | null;
  markerRecordedEventAttributes?: { markerName?: string | null; workflowTaskCompletedEventId?: unknown } | null;
  upsertWorkflowSearchAttributesEventAttributes?: { searchAttributes?: { indexedFields?: Record<string, unknown> | null } | null } | null;
}

export interface ActionCounts {
  /** Workflow starts (client start, update-with-start, signal-with-start that started it). */
  workflowStarts: number;
  continueAsNew: number;
  signals: number;
  /** Accepted updates (rejected ones are billed too but leave no history; the harnesses send none). */
  updates: number;
  /** Activity attempts: the final attempt number of every activity that started. */
  activities: number;
  timers: number;
  /** Workflow tasks that recorded one or more local-activity markers (billed once per task). */
  localActivityTasks: number;
  searchAttributeUpserts: number;
  total: number;
}

export const ACTION_KINDS = [
  'workflowStarts',
  'continueAsNew',
  'signals',
  'updates',
  'activities',
  'timers',
  'localActivityTasks',
  'searchAttributeUpserts',
] as const;

export function emptyCounts(): ActionCounts {
  return { workflowStarts: 0, continueAsNew: 0, signals: 0, updates: 0, activities: 0, timers: 0, localActivityTasks: 0, searchAttributeUpserts: 0, total: 0 };
}

function eventType(event: HistoryEventLike): number {
  const t = event.eventType;
  if (typeof t === 'number') return t;
  if (typeof t === 'string') return (E as unknown as Record<string, number>)[t] ?? (E as unknown as Record<string, number>)[`EVENT_TYPE_${t}`] ?? -1;
  return -1;
}

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
const VERSIONING_ATTRIBUTE = 'TemporalChangeVersion';

/** Counts the billable actions one history (one run) shows. */
export function countActions(events: readonly HistoryEventLike[]): ActionCounts {
  const counts = emptyCounts();
  const markerTasks = new Set<string>();
  for (const event of events) {
    switch (eventType(event)) {
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        if (event.workflowExecutionStartedEventAttributes?.continuedExecutionRunId) counts.continueAsNew += 1;
        else counts.workflowStarts += 1;
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        counts.signals += 1;
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        counts.updates += 1;
        break;
      case E.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        // Retries leave no events of their own: the started event of the last attempt carries the count.
        counts.activities += Math.max(1, Number(event.activityTaskStartedEventAttributes?.attempt ?? 1));
        break;
      case E.EVENT_TYPE_TIMER_STARTED:
        counts.timers += 1;
        break;
      case E.EVENT_TYPE_MARKER_RECORDED: {
        const marker = event.markerRecordedEventAttributes;
        if (marker?.markerName === LOCAL_ACTIVITY_MARKER) markerTasks.add(String(marker.workflowTaskCompletedEventId ?? event.eventId));
        break;
      }
      case E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const fields = Object.keys(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
        if (fields.length === 0 || fields.some((f) => f !== VERSIONING_ATTRIBUTE)) counts.searchAttributeUpserts += 1;
        break;
      }
      default:
        break;
    }
  }
  counts.localActivityTasks = markerTasks.size;
  counts.total = ACTION_KINDS.reduce((sum, k) => sum + counts[k], 0);
  return counts;
}

/** Workflow tasks in a history and the worker time they took (started to completed, by the server's clock). */
export function workflowTaskTimes(events: readonly (HistoryEventLike & { eventTime?: TimestampLike })[]): {
  tasks: number;
  totalMs: number;
} {
  let tasks = 0;
  let totalMs = 0;
  let startedAt: number | undefined;
  for (const event of events) {
    const t = eventType(event);
    const at = timestampMs(event.eventTime);
    if (t === E.EVENT_TYPE_WORKFLOW_TASK_STARTED) startedAt = at;
    else if (t === E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED && startedAt !== undefined && at !== undefined) {
      tasks += 1;
      totalMs += at - startedAt;
      startedAt = undefined;
    }
  }
  return { tasks, totalMs };
}

/** Sums counts (e.g. over every run of every workflow of a phase). */
export function addCounts(a: ActionCounts, b: ActionCounts): ActionCounts {
  const out = emptyCounts();
  for (const k of ACTION_KINDS) out[k] = a[k] + b[k];
  out.total = a.total + b.total;
  return out;
}

/** Each kind divided by `events` (2 decimals): the per-event cost breakdown. */
export function perEvent(counts: ActionCounts, events: number): Record<keyof ActionCounts, number> {
  const out = {} as Record<keyof ActionCounts, number>;
  for (const k of [...ACTION_KINDS, 'total'] as const) out[k] = events > 0 ? Math.round((counts[k] / events) * 100) / 100 : 0;
  return out;
}
