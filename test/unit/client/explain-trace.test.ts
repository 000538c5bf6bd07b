// explain's reading of histories (client/explain/trace.ts) on hand-made events: a delivery second in a batch
// whose head failed is "not sent" and stays queued; one after an early stop is not sent either; a drain's
// cancellation keeps it queued; laneFailure reports give each failed attempt once, the server's lastFailure
// only what no report told; redrives after a dead letter count, across runs, in history order.
// A combined first attempt that handed a lane back at the end of its settle window leaves it not sent.
import { describe, expect, it } from 'vitest';
import { traceUser, type PayloadsValue } from '../../../client/explain/trace';
import type { UserRun } from '../../../client/user-runs';
import type { DeliveryItem } from '../../../domain/delivery';

const value: PayloadsValue = (p) => p?.payloads?.[0];
const at = (s: number) => ({ seconds: 1_800_000_000 + s, nanos: 0 });
const run = (runId: string, startMs = 0): UserRun => ({ workflowId: 's2s-user-u1', runId, status: 'COMPLETED', startMs, taskQueue: 'q' });
const item = (deliveryId: string, eventId: string): DeliveryItem => ({
  deliveryId,
  destination: 'adjust',
  occurredAtMs: 1_700_000_000_000,
  message: { kind: 'track', track: { userId: 'u1', eventId, name: 'purchase', occurredAt: '2023-11-14T22:13:20Z', revenue: '1.00', currency: 'USD' } },
});
const input = (items: DeliveryItem[]) => ({ payloads: [{ app: 'demo-ios', user: { userId: 'u1' }, items }] });
const scheduled = (eventId: number, s: number, items: DeliveryItem[]) => ({
  eventId,
  eventTime: at(s),
  activityTaskScheduledEventAttributes: { activityId: String(eventId), activityType: { name: 'sendToAdjust' }, input: input(items) },
});
const appFailure = (type: string, message: string, nonRetryable: boolean, details?: unknown) => ({
  message,
  applicationFailureInfo: { type, nonRetryable, ...(details ? { details: { payloads: [details] } } : {}) },
});
const wanted = (ids: string[]) => (i: DeliveryItem) => ids.includes(i.deliveryId);

describe('traceUser', () => {
  it('a delivery behind a failed head is not sent; a report per failed attempt, lastFailure only for the untold one', () => {
    const a = item('dlv_a', 'evt_a');
    const b = item('dlv_b', 'evt_b');
    const report = (attempt: number) => ({
      eventId: 10 + attempt,
      eventTime: at(10 + attempt),
      workflowExecutionSignaledEventAttributes: {
        signalName: 'laneFailure',
        input: { payloads: [{ destination: 'adjust', deliveryId: 'dlv_a', attempt, type: 'S2STransient', status: 503, answer: `down ${attempt}` }] },
      },
    });
    const events = [
      {
        eventId: 1,
        eventTime: at(0),
        workflowExecutionUpdateAcceptedEventAttributes: { acceptedRequest: { input: { name: 'track', args: { payloads: [{ eventId: 'evt_b' }] } } } },
      },
      scheduled(5, 1, [a, b]),
      report(1),
      report(1), // a repeat is kept once
      report(3), // attempt 2's report was lost: the server's lastFailure tells nothing of it (it knows attempt 3 only)
      {
        eventId: 20,
        eventTime: at(20),
        activityTaskStartedEventAttributes: {
          scheduledEventId: 5,
          attempt: 4,
          lastFailure: appFailure('S2STransient', 'x', false, { deliveryId: 'dlv_a', message: 'down 3', attempt: 3 }),
        },
      },
      {
        eventId: 21,
        eventTime: at(21),
        activityTaskFailedEventAttributes: {
          scheduledEventId: 5,
          retryState: 2,
          failure: appFailure('S2SRejected', 'rejected', true, { deliveryId: 'dlv_a', status: 400, message: 'Adjust 400: bad', attempt: 4 }),
        },
      },
    ];
    const trace = traceUser([{ run: run('r1'), history: { events } as never }], value, wanted(['dlv_a', 'dlv_b']));
    const ta = trace.deliveries.get('dlv_a')!.sends[0]!;
    const tb = trace.deliveries.get('dlv_b')!.sends[0]!;
    expect(ta.failures.map((f) => [f.attempt, f.answer, f.from])).toEqual([
      [1, 'down 1', 'report'],
      [3, 'down 3', 'report'],
    ]);
    expect(ta.lastAttempt?.attempt).toBe(4);
    expect(ta.end).toMatchObject({ kind: 'failed', type: 'S2SRejected', status: 400, message: 'Adjust 400: bad', attempt: 4, nonRetryable: true, head: true });
    expect([tb.position, tb.batchSize, tb.failures]).toEqual([2, 2, []]);
    expect(tb.end).toMatchObject({ kind: 'failed', head: false, message: 'not sent: the first delivery of the batch (dlv_a) failed' });
    expect(trace.received.get('event:evt_b')).toMatchObject({ as: 'update', eventId: 1, runId: 'r1' });
  });

  it('an early stop leaves later items not sent; a drain cancels; redrives are read from every run', () => {
    const a = item('dlv_a', 'evt_a');
    const b = item('dlv_b', 'evt_b');
    const first = [
      scheduled(5, 1, [a, b]),
      {
        eventId: 7,
        eventTime: at(2),
        activityTaskCompletedEventAttributes: {
          scheduledEventId: 5,
          result: {
            payloads: [
              {
                receipts: [{ deliveryId: 'dlv_a', outcome: 'delivered', status: 200, answer: 'OK', attempt: 1, sentAt: 'x', durationMs: 3 }],
                stoppedAt: 1,
                stopReason: 'attempt time budget',
                possiblyAccepted: ['dlv_b'],
              },
            ],
          },
        },
      },
      scheduled(9, 3, [b]),
      {
        eventId: 11,
        eventTime: at(4),
        activityTaskFailedEventAttributes: { scheduledEventId: 9, retryState: 7, failure: appFailure('S2STransient', 'down', false) },
      },
    ];
    const second = [
      { eventId: 3, eventTime: at(5), workflowExecutionSignaledEventAttributes: { signalName: 'redrive', input: { payloads: [{}] } } },
      {
        eventId: 4,
        eventTime: at(5),
        workflowExecutionUpdateAcceptedEventAttributes: { acceptedRequest: { input: { name: 'redrive', args: { payloads: [{ ids: ['dlv_b'] }] } } } },
      },
      scheduled(6, 6, [b]),
      { eventId: 8, eventTime: at(7), activityTaskCanceledEventAttributes: { scheduledEventId: 6 } },
    ];
    const trace = traceUser(
      [
        { run: run('r1'), history: { events: first } as never },
        { run: run('r2', 10), history: { events: second } as never },
      ],
      value,
      wanted(['dlv_a', 'dlv_b']),
    );
    expect(trace.runs.map((r) => [r.runId, r.events])).toEqual([
      ['r1', 4],
      ['r2', 4],
    ]);
    expect(trace.deliveries.get('dlv_a')!.sends[0]!.end).toMatchObject({ kind: 'delivered', receipt: { status: 200 } });
    const sends = trace.deliveries.get('dlv_b')!.sends;
    expect(sends.map((s) => [s.runId, s.end?.kind])).toEqual([
      ['r1', 'not-sent'],
      ['r1', 'cancelled'],
      ['r2', 'cancelled'],
    ]);
    expect(sends[0]!.end).toMatchObject({ reason: 'attempt time budget', possiblyAccepted: true });
    expect(trace.redrives).toEqual([
      { at: expect.any(String), runId: 'r2', eventId: 3, as: 'signal' },
      { at: expect.any(String), runId: 'r2', eventId: 4, as: 'update', ids: ['dlv_b'] },
    ]);
  });

  it('reads a first attempt run as a local activity from its marker: the input its result carries, each part apart', () => {
    const a = item('dlv_a', 'evt_a');
    const f = { ...item('dlv_f', 'evt_a'), destination: 'appsflyer' as const };
    const lane = (items: DeliveryItem[]) => input(items).payloads[0];
    const receipt = { deliveryId: 'dlv_a', outcome: 'delivered', status: 200, answer: 'OK', attempt: 1, sentAt: '2027-01-15T08:00:00Z', durationMs: 5 };
    const marker = (name: string) => ({
      eventId: 7,
      eventTime: at(3),
      markerRecordedEventAttributes: {
        markerName: 'core_local_activity',
        details: {
          data: { payloads: [{ seq: 1, attempt: 1, activity_id: '1', activity_type: name }] },
          result: {
            payloads: [
              {
                adjust: { ok: true, result: { receipts: [receipt] }, input: lane([a]) },
                appsflyer: {
                  ok: false,
                  failure: { type: 'S2STransient', message: 'down', nonRetryable: false, details: { status: 503, message: 'AppsFlyer 503' } },
                  input: lane([f]),
                },
              },
            ],
          },
        },
      },
    });
    const trace = traceUser([{ run: run('r1'), history: { events: [marker('sendFirstAttempts')] } as never }], value, wanted(['dlv_a', 'dlv_f']));
    const ta = trace.deliveries.get('dlv_a')!.sends[0]!;
    expect(ta).toMatchObject({ combined: true, combinedWith: ['appsflyer'], activityType: 'sendToAdjust', eventId: 7, position: 1 });
    expect(ta.end).toMatchObject({ kind: 'delivered', receipt: { status: 200 } });
    const tf = trace.deliveries.get('dlv_f')!.sends[0]!;
    expect(tf.end).toMatchObject({ kind: 'handed-on' });
    expect(tf.failures).toMatchObject([{ attempt: 1, status: 503, answer: 'AppsFlyer 503', from: 'first-attempt' }]);
    // Another local activity's marker (loadSettings) is no send.
    expect(traceUser([{ run: run('r1'), history: { events: [marker('loadSettings')] } as never }], value, wanted(['dlv_a'])).deliveries.size).toBe(0);
  });

  it('a combined first attempt that handed a lane back unsent at the end of its settle window: not sent, still queued', () => {
    const a = item('dlv_a', 'evt_a');
    const f = { ...item('dlv_f', 'evt_a'), destination: 'appsflyer' as const };
    const lane = (items: DeliveryItem[]) => ({ ...input(items).payloads[0], notBeforeMs: 1_800_000_002_000 });
    const receipt = { deliveryId: 'dlv_f', outcome: 'delivered', status: 200, answer: 'ok', attempt: 1, sentAt: '2027-01-15T08:00:02Z', durationMs: 5 };
    const events = [
      {
        eventId: 5,
        eventTime: at(0),
        activityTaskScheduledEventAttributes: {
          activityId: '5',
          activityType: { name: 'sendFirstAttempts' },
          input: { payloads: [{ adjust: lane([a]), appsflyer: lane([f]) }] },
        },
      },
      {
        eventId: 8,
        eventTime: at(2),
        activityTaskCompletedEventAttributes: {
          scheduledEventId: 5,
          result: {
            payloads: [
              { adjust: { ok: false, deferred: 'something now goes before it in its lane' }, appsflyer: { ok: true, result: { receipts: [receipt] } } },
            ],
          },
        },
      },
    ];
    const trace = traceUser([{ run: run('r1'), history: { events } as never }], value, wanted(['dlv_a', 'dlv_f']));
    expect(trace.deliveries.get('dlv_a')!.sends[0]!.end).toMatchObject({
      kind: 'not-sent',
      reason: 'handed back unsent at the end of its settle window: something now goes before it in its lane',
      possiblyAccepted: false,
    });
    expect(trace.deliveries.get('dlv_f')!.sends[0]!.end).toMatchObject({ kind: 'delivered', receipt: { status: 200 } });
  });
});
