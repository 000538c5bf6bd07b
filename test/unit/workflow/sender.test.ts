// What a failed send activity means for the delivery at the head of its batch (workflows/sender.ts):
// a drain's cancel is no outcome, a 451 stops the lane, anything else is a dead letter with the vendor's answer;
// and what a failed local first attempt leads to: a send activity after the retry delay, or the same verdicts.
import { describe, expect, it } from 'vitest';
import { ActivityFailure, ApplicationFailure, CancelledFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { DEFAULT_POLICY, type Policy } from '../../../domain/config';
import { SendFailureType } from '../../../domain/errors';
import type { Pending } from '../../../domain/snapshot';
import { firstAttemptFailure, interruptedAttempts, inWorkflowTask, sendFailureVerdict, type BatchRequest } from '../../../workflows/sender';
import type { DeliveryItem } from '../../../domain/delivery';

const failure = (type: string, details: object | undefined, nonRetryable = true) =>
  ApplicationFailure.create({ message: 'failed', type, nonRetryable, ...(details ? { details: [details] } : {}) });
const activityFailure = (cause: Error, retryState: RetryState = RetryState.NON_RETRYABLE_FAILURE) =>
  new ActivityFailure('activity failed', 'sendToAdjust', '1', retryState, 'w', cause);
const details = (over: object = {}) => ({ deliveryId: 'dlv_adj_1', status: 400, message: 'Adjust 400: Invalid event token', attempt: 1, ...over });

describe('sendFailureVerdict', () => {
  it('a drain that cancelled the activity (or a retryable attempt ended by the cancel) is no outcome', () => {
    expect(sendFailureVerdict('adjust', new CancelledFailure('cancelled'), true)).toEqual({ kind: 'interrupted' });
    // The attempt that failed as the drain cancelled it counts: the next run's activity continues after it.
    expect(
      sendFailureVerdict('adjust', activityFailure(failure(SendFailureType.transient, details({ attempt: 4 }), false), RetryState.CANCEL_REQUESTED), false),
    ).toEqual({ kind: 'interrupted', attempt: 4 });
    expect(
      sendFailureVerdict('adjust', activityFailure(new TimeoutFailure('start-to-close', undefined, 'START_TO_CLOSE'), RetryState.CANCEL_REQUESTED), false),
    ).toEqual({ kind: 'interrupted' });
  });

  it('a real answer stays an answer during a drain', () => {
    const verdict = sendFailureVerdict('adjust', activityFailure(failure(SendFailureType.rejected, details()), RetryState.CANCEL_REQUESTED), false);
    expect(verdict).toEqual({
      kind: 'dead-letter',
      reason: 'adjust rejected the event: Adjust 400: Invalid event token',
      status: 400,
      detail: 'Adjust 400: Invalid event token',
      attempts: 1,
    });
    expect(sendFailureVerdict('adjust', activityFailure(failure(SendFailureType.transient, details(), true), RetryState.CANCEL_REQUESTED), false).kind).toBe(
      'dead-letter',
    );
  });

  it('dead-letters at the deadline with the last vendor answer, however Temporal reports it', () => {
    const last = details({ status: 503, message: 'Adjust 503: Service Unavailable', attempt: 7 });
    const expected = {
      kind: 'dead-letter',
      reason: "retry deadline passed (the vendor's age limit for this event); last error: Adjust 503: Service Unavailable",
      status: 503,
      detail: 'Adjust 503: Service Unavailable',
      attempts: 7,
    };
    expect(
      sendFailureVerdict('adjust', activityFailure(failure(SendFailureType.deadlinePassed, { ...last, lastType: SendFailureType.transient })), false),
    ).toEqual(expected);
    expect(sendFailureVerdict('adjust', activityFailure(failure(SendFailureType.transient, last, false), RetryState.TIMEOUT), false)).toEqual(expected);
    const timeout = sendFailureVerdict(
      'appsflyer',
      activityFailure(new TimeoutFailure('schedule-to-close', undefined, 'SCHEDULE_TO_CLOSE'), RetryState.TIMEOUT),
      false,
    );
    expect(timeout).toMatchObject({ kind: 'dead-letter', reason: expect.stringMatching(/^retry deadline passed .*; last error: /) });
  });

  it("a 451 stops the lane, with the vendor's message", () => {
    expect(
      sendFailureVerdict('adjust', activityFailure(failure(SendFailureType.optedOut, details({ status: 451, message: 'Device is opted out' }))), false),
    ).toEqual({
      kind: 'opted-out',
      status: 451,
      message: 'Device is opted out',
    });
  });

  it('names each kind of dead letter: rejected, not sent (invalid request), device never found', () => {
    expect(
      sendFailureVerdict('appsflyer', activityFailure(failure(SendFailureType.rejected, details({ status: 400, message: 'Bad request' }))), false),
    ).toMatchObject({
      reason: 'appsflyer rejected the event: Bad request',
      status: 400,
    });
    const invalid = sendFailureVerdict(
      'appsflyer',
      activityFailure(
        failure(SendFailureType.invalidRequest, {
          deliveryId: 'x',
          message: 'body: the JSON payload is 1100 bytes; AppsFlyer accepts at most 1024 (1 KB)',
          attempt: 1,
        }),
      ),
      false,
    );
    expect(invalid).toEqual({
      kind: 'dead-letter',
      reason: 'not sent: body: the JSON payload is 1100 bytes; AppsFlyer accepts at most 1024 (1 KB)',
      detail: 'body: the JSON payload is 1100 bytes; AppsFlyer accepts at most 1024 (1 KB)',
      attempts: 1,
    });
    expect(
      sendFailureVerdict('adjust', activityFailure(failure(SendFailureType.deviceNotFound, details({ status: 404, message: 'Device not found' }))), false),
    ).toMatchObject({
      reason: 'adjust never found the device: Device not found',
    });
  });

  it("falls back to the failure's own message without details, and to any error's message", () => {
    expect(sendFailureVerdict('adjust', activityFailure(failure(SendFailureType.rejected, undefined)), false)).toEqual({
      kind: 'dead-letter',
      reason: 'adjust rejected the event: failed',
      detail: 'failed',
    });
    expect(sendFailureVerdict('adjust', new Error('boom'), false)).toEqual({ kind: 'dead-letter', reason: 'adjust rejected the event: boom', detail: 'boom' });
  });
});

describe("firstAttemptFailure (a lane's part of the combined first attempt failed)", () => {
  const request = (over: Partial<BatchRequest> = {}): BatchRequest => ({
    destination: 'adjust',
    batch: [{ item: { deliveryId: 'dlv_adj_1' }, arrivedAtMs: 0, seq: 1, redrives: 0 } as unknown as Pending],
    deadlineMs: 10_000,
    input: {} as BatchRequest['input'],
    taskQueue: 'q-adjust',
    summary: 's',
    policy: DEFAULT_POLICY,
    combined: true,
    ...over,
  });
  const localFailure = (cause: Error) => activityFailure(cause, RetryState.MAXIMUM_ATTEMPTS_REACHED);

  it('hands a retryable failure to a send activity after the retry delay, showing the vendor answer on the lane', () => {
    const transient = failure(SendFailureType.transient, details({ status: 503, message: 'Adjust 503: Service Unavailable' }), false);
    expect(firstAttemptFailure(request(), localFailure(transient))).toEqual({
      kind: 'retry',
      delay: DEFAULT_POLICY.retry.initialInterval,
      report: {
        destination: 'adjust',
        deliveryId: 'dlv_adj_1',
        attempt: 1,
        type: SendFailureType.transient,
        status: 503,
        answer: 'Adjust 503: Service Unavailable',
      },
    });
  });

  it("keeps the activity's own next retry delay (Retry-After, a misconfigured app)", () => {
    const slow = ApplicationFailure.create({
      message: 'failed',
      type: SendFailureType.misconfigured,
      details: [details({ status: 401 })],
      nextRetryDelay: 300_000,
    });
    expect(firstAttemptFailure(request(), localFailure(slow))).toMatchObject({
      kind: 'retry',
      delay: 300_000,
      report: { type: SendFailureType.misconfigured, status: 401 },
    });
  });

  it("continues the delivery's attempt count: the activity's own, or the attempts made before this run", () => {
    const transient = failure(SendFailureType.transient, details({ attempt: 9 }), false);
    expect(firstAttemptFailure(request(), localFailure(transient))).toMatchObject({ report: { attempt: 9 } });
    const noDetails = localFailure(new TimeoutFailure('start-to-close', undefined, 'START_TO_CLOSE'));
    const resent = request({ input: { priorAttempts: 6 } as BatchRequest['input'] });
    expect(firstAttemptFailure(resent, noDetails)).toMatchObject({ kind: 'retry', report: { attempt: 7 } });
  });

  it('retries a local attempt that timed out or failed without an answer', () => {
    const timedOut = firstAttemptFailure(request(), localFailure(new TimeoutFailure('start-to-close', undefined, 'START_TO_CLOSE')));
    expect(timedOut).toMatchObject({ kind: 'retry', report: { deliveryId: 'dlv_adj_1', type: SendFailureType.transient, answer: 'start-to-close' } });
  });

  it('is final for an answer no retry changes, and for a cancellation (the drain)', () => {
    const rejected = localFailure(failure(SendFailureType.rejected, details()));
    expect(firstAttemptFailure(request(), rejected)).toEqual({ kind: 'final', error: rejected });
    const cancelled = localFailure(new CancelledFailure('cancelled'));
    expect(firstAttemptFailure(request(), cancelled)).toEqual({ kind: 'final', error: cancelled });
  });
});

describe('interruptedAttempts (a drain cancelled the send: how many attempts the head has had)', () => {
  const head = (attemptsMade?: number) => ({ deliveryId: 'dlv_adj_1', ...(attemptsMade !== undefined ? { attemptsMade } : {}) }) as DeliveryItem;
  const report = (deliveryId: string, attempt: number) => ({
    destination: 'adjust' as const,
    deliveryId,
    attempt,
    type: SendFailureType.transient,
    answer: '503',
  });

  it('takes the attempt that failed with the cancel, or the last report of this delivery when the cancel met a backoff', () => {
    expect(interruptedAttempts(head(), 3, report('dlv_adj_1', 2))).toBe(3);
    expect(interruptedAttempts(head(), undefined, report('dlv_adj_1', 2))).toBe(2);
  });

  it("never counts down, and ignores another delivery's report", () => {
    expect(interruptedAttempts(head(5), undefined, report('dlv_adj_1', 2))).toBe(5);
    expect(interruptedAttempts(head(), undefined, report('dlv_adj_2', 8))).toBe(0);
    expect(interruptedAttempts(head(), undefined, undefined)).toBe(0);
  });
});

describe('inWorkflowTask (whether the combined first attempt runs as a local activity)', () => {
  const pending = (deliveryId: string, resend?: true) =>
    ({ item: { deliveryId, ...(resend ? { resend } : {}) }, arrivedAtMs: 0, seq: 1, redrives: 0 }) as unknown as Pending;
  const request = (
    batch: Pending[],
    firstSendAttempt: Policy['firstSendAttempt'] = 'local',
    destination: BatchRequest['destination'] = 'adjust',
  ): BatchRequest => ({
    destination,
    batch,
    deadlineMs: 10_000,
    input: {} as BatchRequest['input'],
    taskQueue: 'q',
    summary: 's',
    policy: { ...DEFAULT_POLICY, firstSendAttempt },
    combined: true,
  });

  it('runs one fresh delivery per lane locally when the policy asks for it (not the default)', () => {
    expect(DEFAULT_POLICY.firstSendAttempt).toBe('combined');
    expect(inWorkflowTask([request([pending('a')]), request([pending('b')], 'local', 'appsflyer')])).toBe(true);
  });

  it('keeps the regular activity for a batch, a possible resend (in any lane) and the combined policy', () => {
    expect(inWorkflowTask([request([pending('a'), pending('b')])])).toBe(false);
    expect(inWorkflowTask([request([pending('a')]), request([pending('b', true)], 'local', 'appsflyer')])).toBe(false);
    expect(inWorkflowTask([request([pending('a')], 'combined')])).toBe(false);
  });
});
