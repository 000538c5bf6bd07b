// A workflow history as one line per event, for people reading a failure: the event's id, its time after the
// run started (ms), its type, and what it names (activity type, signal, update, marker, the summary of a timer or
// activity as the Temporal UI shows it, the cause of a failed workflow task). The chaos run prints it for a run
// that stopped replaying; the test harness attaches it to a replay failure. Pure.
import { temporal } from '@temporalio/proto';
import { timestampMs } from './timestamp';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const E = temporal.api.enums.v1.EventType;

/** One line per event (all of them, or those with ids in [fromId, toId]). */
export function historyOutline(events: readonly HistoryEvent[], range: { fromId?: number; toId?: number } = {}): string {
  const startMs = eventMs(events[0]);
  return events
    .filter((e) => {
      const id = Number(e.eventId ?? 0);
      return id >= (range.fromId ?? 0) && id <= (range.toId ?? Infinity);
    })
    .map((e) => {
      const at = startMs !== undefined && eventMs(e) !== undefined ? `+${(eventMs(e) as number) - startMs}ms ` : '';
      return `  ${String(e.eventId)} ${at}${E[e.eventType ?? 0]?.replace('EVENT_TYPE_', '') ?? e.eventType} ${eventNames(e)}`.trimEnd();
    })
    .join('\n');
}

/** What an event names, when anything. */
function eventNames(e: HistoryEvent): string {
  const summary = text(e.userMetadata?.summary?.data);
  const named =
    e.activityTaskScheduledEventAttributes?.activityType?.name ??
    e.workflowExecutionSignaledEventAttributes?.signalName ??
    e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ??
    e.markerRecordedEventAttributes?.markerName ??
    (e.activityTaskCompletedEventAttributes ? `of ${String(e.activityTaskCompletedEventAttributes.scheduledEventId)}` : undefined) ??
    (e.activityTaskFailedEventAttributes ? `of ${String(e.activityTaskFailedEventAttributes.scheduledEventId)}` : undefined) ??
    (e.activityTaskCancelRequestedEventAttributes ? `of ${String(e.activityTaskCancelRequestedEventAttributes.scheduledEventId)}` : undefined) ??
    (e.timerFiredEventAttributes ? `of ${String(e.timerFiredEventAttributes.startedEventId)}` : undefined) ??
    (e.workflowTaskFailedEventAttributes
      ? `${String(e.workflowTaskFailedEventAttributes.cause)}: ${e.workflowTaskFailedEventAttributes.failure?.message ?? ''}`
      : '');
  return summary ? `${named} "${summary.replace(/^"|"$/g, '')}"`.trimStart() : named;
}

function eventMs(e: HistoryEvent | undefined): number | undefined {
  const at = timestampMs(e?.eventTime);
  return at === undefined ? undefined : Math.floor(at);
}

function text(data: Uint8Array | null | undefined): string | undefined {
  return data && data.length > 0 ? Buffer.from(data).toString('utf8') : undefined;
}
