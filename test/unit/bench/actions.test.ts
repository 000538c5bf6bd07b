// Billable actions counted from histories: every kind the bench reports, on crafted histories, and the
// edge cases (retries counted by attempt, local activities once per workflow task, versioning upserts).
import { describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { addCounts, countActions, perEvent, workflowTaskTimes, type HistoryEventLike } from '../../../bench/actions';

const T = temporal.api.enums.v1.EventType;
let id = 0;
const ev = (eventType: number, extra: Partial<HistoryEventLike> = {}): HistoryEventLike => ({ eventId: (id += 1), eventType, ...extra });

describe('countActions', () => {
  it('counts a relay-like run: update-with-start, signals, timers, activities with retries, local activities, upserts', () => {
    const history: HistoryEventLike[] = [
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, { workflowExecutionStartedEventAttributes: {} }),
      ev(T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
      ev(T.EVENT_TYPE_WORKFLOW_TASK_STARTED),
      ev(T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
      ev(T.EVENT_TYPE_MARKER_RECORDED, { markerRecordedEventAttributes: { markerName: 'core_local_activity', workflowTaskCompletedEventId: 4 } }),
      ev(T.EVENT_TYPE_MARKER_RECORDED, { markerRecordedEventAttributes: { markerName: 'core_local_activity', workflowTaskCompletedEventId: 4 } }),
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
      ev(T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, {
        upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: { S2SState: {}, S2SPending: {} } } },
      }),
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
      ev(T.EVENT_TYPE_TIMER_STARTED),
      ev(T.EVENT_TYPE_TIMER_FIRED),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_STARTED, { activityTaskStartedEventAttributes: { attempt: 3 } }),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_STARTED, { activityTaskStartedEventAttributes: { attempt: 1 } }),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED),
      ev(T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
      ev(T.EVENT_TYPE_MARKER_RECORDED, { markerRecordedEventAttributes: { markerName: 'core_local_activity', workflowTaskCompletedEventId: 19 } }),
      ev(T.EVENT_TYPE_MARKER_RECORDED, { markerRecordedEventAttributes: { markerName: 'core_patch', workflowTaskCompletedEventId: 19 } }),
    ];
    expect(countActions(history)).toEqual({
      workflowStarts: 1,
      continueAsNew: 0,
      signals: 2,
      updates: 1,
      activities: 4,
      timers: 1,
      localActivityTasks: 2,
      searchAttributeUpserts: 1,
      total: 12,
    });
  });

  it('counts a continued run as continue-as-new, not as a start, and an activity never started as nothing', () => {
    const counts = countActions([
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, { workflowExecutionStartedEventAttributes: { continuedExecutionRunId: 'previous-run' } }),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_CANCELED),
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW),
    ]);
    expect(counts).toMatchObject({ workflowStarts: 0, continueAsNew: 1, activities: 0, total: 1 });
  });

  it('does not bill an upsert of the versioning attribute alone', () => {
    const counts = countActions([
      ev(T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, {
        upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: { TemporalChangeVersion: {} } } },
      }),
    ]);
    expect(counts.searchAttributeUpserts).toBe(0);
  });

  it('accepts event types as enum names (histories exported as JSON)', () => {
    expect(countActions([{ eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED' }, { eventType: 'TIMER_STARTED' }]).total).toBe(2);
  });

  it('adds runs up and divides by events', () => {
    const one = countActions([ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED), ev(T.EVENT_TYPE_TIMER_STARTED)]);
    const sum = addCounts(one, one);
    expect(sum).toMatchObject({ signals: 2, timers: 2, total: 4 });
    expect(perEvent(sum, 3)).toMatchObject({ signals: 0.67, timers: 0.67, total: 1.33 });
  });
});

describe('workflowTaskTimes', () => {
  it('counts completed workflow tasks and the time from started to completed', () => {
    const at = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });
    const times = workflowTaskTimes([
      { eventType: T.EVENT_TYPE_WORKFLOW_TASK_STARTED, eventTime: at(1_000) },
      { eventType: T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, eventTime: at(1_012) },
      { eventType: T.EVENT_TYPE_WORKFLOW_TASK_STARTED, eventTime: at(2_000) },
      { eventType: T.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, eventTime: at(12_000) },
      { eventType: T.EVENT_TYPE_WORKFLOW_TASK_STARTED, eventTime: at(12_500) },
      { eventType: T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, eventTime: at(12_508) },
    ]);
    expect(times).toEqual({ tasks: 2, totalMs: 20 });
  });
});
