// What continue-as-new carries (bounded by size) and what a failed send means for its delivery.
import { describe, expect, it } from 'vitest';
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { SendFailureType, type DeliveryItem } from '../../domain/delivery';
import { TrackEvent } from '../../domain/event';
import { fitForCarry, jsonBytes } from '../../workflows/carry';
import { acceptMessage } from '../../workflows/intake';
import { recordOutcome } from '../../workflows/outcome';
import { interruptedByCancel, recordSendFailure } from '../../workflows/send-failure';
import { initialState, type Pending, type UserState } from '../../workflows/state';

const T0 = Date.parse('2026-11-01T00:00:00Z');

function pending(n: number, destination: 'adjust' | 'appsflyer' = 'adjust'): Pending {
  const item: DeliveryItem = { deliveryId: `dlv_${destination}_${n}`, destination, kind: 'event', sourceId: `e${n}`, name: 'purchase', occurredAtMs: T0 + n, revenue: '4.99', currency: 'USD' };
  return { item, arrivedAtMs: T0 + n, seq: n, redrives: 0 };
}

/** n accepted, routed and delivered events (dedup entry + two outcomes each). */
function deliveredHistory(n: number): UserState {
  const s = initialState('u');
  for (let i = 0; i < n; i++) {
    acceptMessage(s, { kind: 'event', event: TrackEvent.parse({ userId: 'u', eventId: `evt_${String(i).padStart(6, '0')}`, name: 'purchase', occurredAt: new Date(T0 + i).toISOString() }) }, T0 + i);
    const entry = s.dedup[`event:evt_${String(i).padStart(6, '0')}`]!;
    for (const destination of ['adjust', 'appsflyer'] as const) {
      const p = pending(i, destination);
      entry.deliveryIds.push(p.item.deliveryId);
      recordOutcome(s, p, { outcome: 'delivered', status: 200, detail: '{"status":"OK"}' }, T0 + i);
    }
  }
  s.held = [];
  return s;
}

describe('fitForCarry', () => {
  it('measures UTF-8 bytes', () => {
    expect(jsonBytes('abc')).toBe(5);
    expect(jsonBytes('é')).toBe(4);
    expect(jsonBytes('€')).toBe(5);
    expect(jsonBytes('😀')).toBe(6);
  });

  it('leaves a state within the limit alone', () => {
    const s = deliveredHistory(10);
    const before = JSON.stringify(s);
    expect(fitForCarry(s, 1_000_000)).toEqual({ bytes: jsonBytes(s), pruned: 0 });
    expect(JSON.stringify(s)).toBe(before);
  });

  it('forgets the oldest finished dedup entries with their outcomes until the state fits', () => {
    const s = deliveredHistory(400);
    const full = jsonBytes(s);
    const limit = Math.floor(full / 2);
    const fit = fitForCarry(s, limit);
    expect(fit.bytes).toBeLessThanOrEqual(limit);
    expect(fit.bytes).toBe(jsonBytes(s));
    expect(fit.pruned).toBeGreaterThan(150);
    expect(Object.keys(s.dedup)).toHaveLength(400 - fit.pruned);
    // Oldest first: the newest ids are kept, and every kept entry keeps its outcomes.
    expect(Object.keys(s.dedup).at(-1)).toBe('event:evt_000399');
    expect(s.dedup['event:evt_000000']).toBeUndefined();
    expect(Object.keys(s.outcomes)).toHaveLength(2 * (400 - fit.pruned));
  });

  it('never forgets a message still held or a delivery still pending', () => {
    const s = deliveredHistory(50);
    const first = s.dedup['event:evt_000000']!;
    s.outcomes[first.deliveryIds[0]!]!.outcome = 'pending';
    acceptMessage(s, { kind: 'event', event: TrackEvent.parse({ userId: 'u', eventId: 'held_1', name: 'purchase', occurredAt: new Date(T0).toISOString() }) }, T0);
    const fit = fitForCarry(s, 100);
    expect(Object.keys(s.dedup)).toEqual(['event:evt_000000', 'event:held_1']);
    expect(fit.bytes).toBeGreaterThan(100);
  });
});

describe('a failed send', () => {
  const failure = (type: string, details: object, nonRetryable = true) => ApplicationFailure.create({ message: 'failed', type, nonRetryable, details: [details] });
  const activityFailure = (cause: Error, retryState: RetryState = RetryState.NON_RETRYABLE_FAILURE) => new ActivityFailure('activity failed', 'sendToAdjust', '1', retryState, 'w', cause);

  it('interrupted by a drain (cancel requested while a retryable attempt ran) is no outcome', () => {
    expect(interruptedByCancel(activityFailure(failure(SendFailureType.transient, {}, false), RetryState.CANCEL_REQUESTED))).toBe(true);
    expect(interruptedByCancel(activityFailure(new TimeoutFailure('start-to-close', undefined, 'START_TO_CLOSE'), RetryState.CANCEL_REQUESTED))).toBe(true);
    // A real answer stays an answer, even during a drain.
    expect(interruptedByCancel(activityFailure(failure(SendFailureType.rejected, {}), RetryState.CANCEL_REQUESTED))).toBe(false);
    expect(interruptedByCancel(activityFailure(failure(SendFailureType.transient, {}, false), RetryState.TIMEOUT))).toBe(false);
  });

  it('dead-letters at the deadline with the last vendor answer, however Temporal reports it', () => {
    const details = { deliveryId: 'dlv_adjust_1', status: 503, message: 'Adjust 503: Service Unavailable', attempt: 7 };
    for (const error of [
      activityFailure(failure(SendFailureType.deadlinePassed, { ...details, lastType: SendFailureType.transient })),
      activityFailure(failure(SendFailureType.transient, details, false), RetryState.TIMEOUT),
    ]) {
      const s = initialState('u');
      expect(recordSendFailure(s, 'adjust', pending(1), error, T0)).toEqual({ laneStopped: false });
      expect(s.deadLetters[0]).toMatchObject({
        reason: "retry deadline passed (the vendor's age limit for this event); last error: Adjust 503: Service Unavailable",
        status: 503,
        attempts: 7,
      });
    }
  });

  it('stops the lane on 451 and dead-letters a rejection with its answer', () => {
    const s = initialState('u');
    expect(recordSendFailure(s, 'adjust', pending(1), activityFailure(failure(SendFailureType.optedOut, { deliveryId: 'x', status: 451, message: 'opted out', attempt: 1 })), T0)).toEqual({ laneStopped: true });
    expect(s.lanes.adjust.stopped?.reason).toBe('device opted out (451: opted out)');
    recordSendFailure(s, 'appsflyer', pending(2, 'appsflyer'), activityFailure(failure(SendFailureType.rejected, { deliveryId: 'y', status: 400, message: 'Bad request', attempt: 1 })), T0);
    expect(s.deadLetters[0]).toMatchObject({ reason: 'appsflyer rejected the event: Bad request', status: 400 });
  });
});
