// What a failed send means for the delivery at the head of its batch: a 451 stops the lane (the delivery
// and everything after it for that vendor are skipped, visibly); anything else that reaches the workflow
// (non-retryable rejections, invalid requests, a device never found, the retry deadline) is dead-lettered
// with the vendor's status and message.
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { SendFailureType, type Destination, type SendFailureDetails } from '../domain/delivery';
import { recordOutcome } from './outcome';
import type { Pending, UserState } from './state';

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
  const reason =
    cause instanceof TimeoutFailure
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
