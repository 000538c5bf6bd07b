// Pure decision of how a failed send ends this activity attempt: which SendFailureType, whether Temporal may
// retry it, and when (nextRetryDelay overrides the workflow's backoff for slow classes and Retry-After).
// The Temporal RetryPolicy (backoff, schedule-to-close deadline) does the waiting, so retries are durable.
import type { AppConfigFile } from '../domain/app-config';
import { SendFailureType } from '../domain/delivery';
import type { SendClass } from './classify';

export type RetrySettings = AppConfigFile['policy']['retry'];

/** Every way a send can fail: the classifier's failure classes plus the builder refusing to build. */
export type FailureClass = Exclude<SendClass, 'delivered' | 'duplicate'> | 'invalidRequest';

export interface RetryInput {
  /** Activity attempt, starting at 1. */
  attempt: number;
  /** Since the activity was first scheduled (Context info scheduledTimestampMs). */
  elapsedMs: number;
  /** From a 429's Retry-After. */
  retryAfterMs?: number;
  /** Time left until the delivery's retry deadline (SendBatchInput.deadlineMs), if it has one. */
  msToDeadline?: number;
}

export interface RetryDecision {
  type: SendFailureType;
  nonRetryable: boolean;
  nextRetryDelayMs?: number;
  /** S2SDeadlinePassed: the type the failure would have been retried as. */
  lastType?: SendFailureType;
}

/** The delay Temporal's own backoff would use before attempt `attempt + 1`. */
export function policyBackoffMs(attempt: number, retry: RetrySettings): number {
  const delay = retry.initialInterval * retry.backoffCoefficient ** Math.max(0, attempt - 1);
  return Math.min(delay, retry.maximumInterval);
}

/**
 * A retryable failure whose next attempt would start at or after the delivery's deadline ends now, as
 * S2SDeadlinePassed with the last answer (rather than Temporal timing the activity out without it).
 */
export function decideRetry(cls: FailureClass, input: RetryInput, retry: RetrySettings): RetryDecision {
  const decision = decideByClass(cls, input, retry);
  if (decision.nonRetryable || input.msToDeadline === undefined) return decision;
  const nextAttemptInMs = decision.nextRetryDelayMs ?? policyBackoffMs(input.attempt, retry);
  if (nextAttemptInMs < input.msToDeadline) return decision;
  return { type: SendFailureType.deadlinePassed, nonRetryable: true, lastType: decision.type };
}

function decideByClass(cls: FailureClass, input: RetryInput, retry: RetrySettings): RetryDecision {
  switch (cls) {
    case 'rejected':
      return { type: SendFailureType.rejected, nonRetryable: true };
    case 'invalidRequest':
      return { type: SendFailureType.invalidRequest, nonRetryable: true };
    case 'optedOut':
      return { type: SendFailureType.optedOut, nonRetryable: true };
    case 'misconfigured':
      return { type: SendFailureType.misconfigured, nonRetryable: false, nextRetryDelayMs: retry.misconfiguredInterval };
    case 'deviceNotFound':
      if (input.elapsedMs > retry.deviceNotFoundMaxAge) return { type: SendFailureType.deviceNotFound, nonRetryable: true };
      return { type: SendFailureType.deviceNotYetKnown, nonRetryable: false, nextRetryDelayMs: retry.deviceNotFoundInterval };
    case 'transient':
    case 'unknown': {
      if (input.retryAfterMs === undefined || input.retryAfterMs <= 0) return { type: SendFailureType.transient, nonRetryable: false };
      // Honour Retry-After, but never sooner than our own backoff, and never longer than the slowest interval we configure.
      const cap = Math.max(retry.maximumInterval, retry.misconfiguredInterval);
      const delay = Math.min(Math.max(input.retryAfterMs, policyBackoffMs(input.attempt, retry)), cap);
      return { type: SendFailureType.transient, nonRetryable: false, nextRetryDelayMs: delay };
    }
  }
}
