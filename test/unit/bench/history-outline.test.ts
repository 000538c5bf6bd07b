// The history outline a chaos run prints for a run that did not replay (and the test harness attaches to a
// replay failure): one line per event with its time after the run started, its type and what it names.
import { describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { historyOutline } from '../../../bench/history-outline';

const E = temporal.api.enums.v1.EventType;
const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
const summary = (text: string) => ({ summary: { metadata: {}, data: Buffer.from(JSON.stringify(text)) } });

const EVENTS = temporal.api.history.v1.History.fromObject({
  events: [
    { eventId: 1, eventTime: at(1_000_000), eventType: E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED },
    {
      eventId: 2,
      eventTime: at(1_000_250),
      eventType: E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      workflowExecutionSignaledEventAttributes: { signalName: 'track' },
    },
    {
      eventId: 3,
      eventTime: at(1_000_300),
      eventType: E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
      activityTaskScheduledEventAttributes: { activityType: { name: 'sendFirstAttempts' } },
      userMetadata: summary('adjust: purchase e1'),
    },
    { eventId: 4, eventTime: at(1_000_310), eventType: E.EVENT_TYPE_TIMER_STARTED, userMetadata: summary('adjust: settle window until 12:00:02') },
    { eventId: 5, eventTime: at(1_002_310), eventType: E.EVENT_TYPE_TIMER_FIRED, timerFiredEventAttributes: { startedEventId: 4 } },
    {
      eventId: 6,
      eventTime: at(1_002_400),
      eventType: E.EVENT_TYPE_WORKFLOW_TASK_FAILED,
      workflowTaskFailedEventAttributes: { cause: 24, failure: { message: 'Nondeterminism error: Activity machine does not handle this event' } },
    },
  ],
}).events;

describe('historyOutline', () => {
  it('names each event, with its time after the start, summaries and what a failed task said', () => {
    expect(historyOutline(EVENTS).split('\n')).toEqual([
      '  1 +0ms WORKFLOW_EXECUTION_STARTED',
      '  2 +250ms WORKFLOW_EXECUTION_SIGNALED track',
      '  3 +300ms ACTIVITY_TASK_SCHEDULED sendFirstAttempts "adjust: purchase e1"',
      '  4 +310ms TIMER_STARTED "adjust: settle window until 12:00:02"',
      '  5 +2310ms TIMER_FIRED of 4',
      '  6 +2400ms WORKFLOW_TASK_FAILED 24: Nondeterminism error: Activity machine does not handle this event',
    ]);
  });

  it('keeps the events within a range of ids', () => {
    expect(
      historyOutline(EVENTS, { fromId: 3, toId: 4 })
        .split('\n')
        .map((l) => l.trim().split(' ')[0]),
    ).toEqual(['3', '4']);
  });
});
