// What a failed send means for the delivery at the head of its batch: a 451 stops the lane (the delivery
// and everything after it for that vendor are skipped, visibly); anything else that reaches the workflow
// (non-retryable rejections, invalid requests, a device never found, the retry deadline) is dead-lettered
// with the vendor's status and message. A retryable failure that ended only because a continue-as-new
// drain cancelled its activity is no outcome at all: the delivery stays queued for the next run.
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { NON_RETRYABLE_SEND_FAILURES, SendFailureType, type Destination, type SendFailureDetails } from '../domain/delivery';
import { recordOutcome } from './outcome';
import type { Pending, UserState } from './state';

/**
 * The drain cancelled the activity while an attempt was running; that attempt then failed in a way
 * Temporal would have retried (5xx, timeout, misconfigured...), so the server ended it with retry state
 * CANCEL_REQUESTED instead of retrying. The delivery has not failed: it is sent again after the drain.
 */
export function interruptedByCancel(error: unknown): boolean {
  if (!(error instanceof ActivityFailure) || error.retryState !== RetryState.CANCEL_REQUESTED) return false;
  const cause = error.cause;
  return !(cause instanceof ApplicationFailure && (cause.nonRetryable || NON_RETRYABLE_SEND_FAILURES.includes(cause.type ?? '')));
}

/** Records the head's outcome; returns whether the lane stopped (device opted out). */
export function recordSendFailure(state: UserState, destination: Destination, head: Pending, error: unknown, nowMs: number): { laneStopped: boolean } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  const app = cause instanceof ApplicationFailure ? cause : cause instanceof TimeoutFailure && cause.cause instanceof ApplicationFailure ? cause.cause : undefined;
  const details = app?.details?.[0] as SendFailureDetails | undefined;
  const status = details?.status;
  const vendorMessage = details?.message ?? app?.message ?? (cause instanceof Error ? cause.message : String(cause));
  if (app?.type === SendFailureType.optedOut) {
    state.lanes[destination].stopped = { reason: `device opted out (${status ?? 451}: ${vendorMessage})`, atMs: nowMs };
    recordOutcome(state, head, { outcome: 'skipped', ...(status !== undefined ? { status } : {}), detail: `opted out: ${vendorMessage}` }, nowMs);
    return { laneStopped: true };
  }
  const deadline =
    cause instanceof TimeoutFailure || app?.type === SendFailureType.deadlinePassed || (error instanceof ActivityFailure && error.retryState === RetryState.TIMEOUT);
  const reason =
    deadline
      ? `retry deadline passed (the vendor's age limit for this event); last error: ${vendorMessage}`
      : app?.type === SendFailureType.invalidRequest
        ? `not sent: ${vendorMessage}`
        : `${destination} ${app?.type === SendFailureType.deviceNotFound ? 'never found the device' : 'rejected the event'}: ${vendorMessage}`;
  recordOutcome(
    state,
    head,
    { outcome: 'dead-lettered', reason, ...(status !== undefined ? { status } : {}), detail: vendorMessage, ...(details?.attempt !== undefined ? { attempts: details.attempt } : {}) },
    nowMs,
  );
  return { laneStopped: false };
}
