// Tests of the pure retry decision: failure type, retryability and nextRetryDelay for every failure class.
import { describe, expect, it } from 'vitest';
import { RetrySettings as RetrySettingsSchema } from '../../../domain/config';
import { NON_RETRYABLE_SEND_FAILURES, SendFailureType } from '../../../domain/errors';
import { decideRetry, policyBackoffMs, type FailureClass } from '../../../activities/classify';

const retry = RetrySettingsSchema.parse({
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '60s',
  misconfiguredInterval: '5m',
  deviceNotFoundInterval: '30s',
  deviceNotFoundMaxAge: '2h',
});
const at = (attempt: number, elapsedMs = 0, retryAfterMs?: number) => ({ attempt, elapsedMs, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });

describe('decideRetry', () => {
  it.each<[FailureClass, string]>([
    ['rejected', SendFailureType.rejected],
    ['invalidRequest', SendFailureType.invalidRequest],
    ['optedOut', SendFailureType.optedOut],
  ])('%s is non-retryable %s', (cls, type) => {
    const decision = decideRetry(cls, at(1), retry);
    expect(decision).toEqual({ type, nonRetryable: true });
    expect(NON_RETRYABLE_SEND_FAILURES).toContain(type);
  });

  it('misconfigured retries slowly, at misconfiguredInterval, whatever the attempt', () => {
    for (const attempt of [1, 5, 50]) {
      expect(decideRetry('misconfigured', at(attempt, 3_600_000), retry)).toEqual({
        type: SendFailureType.misconfigured,
        nonRetryable: false,
        nextRetryDelayMs: 300_000,
      });
    }
    expect(NON_RETRYABLE_SEND_FAILURES).not.toContain(SendFailureType.misconfigured);
  });

  it('device not found retries at deviceNotFoundInterval until deviceNotFoundMaxAge, then dead-letters', () => {
    expect(decideRetry('deviceNotFound', at(1, 0), retry)).toEqual({ type: SendFailureType.deviceNotYetKnown, nonRetryable: false, nextRetryDelayMs: 30_000 });
    expect(decideRetry('deviceNotFound', at(200, 2 * 3_600_000), retry).type).toBe(SendFailureType.deviceNotYetKnown);
    expect(decideRetry('deviceNotFound', at(241, 2 * 3_600_000 + 1), retry)).toEqual({ type: SendFailureType.deviceNotFound, nonRetryable: true });
    expect(NON_RETRYABLE_SEND_FAILURES).not.toContain(SendFailureType.deviceNotYetKnown);
    expect(NON_RETRYABLE_SEND_FAILURES).toContain(SendFailureType.deviceNotFound);
  });

  it("transient and unknown answers leave the delay to the workflow's backoff", () => {
    expect(decideRetry('transient', at(3), retry)).toEqual({ type: SendFailureType.transient, nonRetryable: false });
    expect(decideRetry('unknown', at(3), retry)).toEqual({ type: SendFailureType.transient, nonRetryable: false });
  });

  it('a 429 Retry-After is honoured, never sooner than the backoff, never beyond the slowest configured interval', () => {
    expect(decideRetry('transient', at(1, 0, 10_000), retry).nextRetryDelayMs).toBe(10_000);
    expect(decideRetry('transient', at(5, 0, 1_000), retry).nextRetryDelayMs).toBe(16_000);
    expect(decideRetry('transient', at(1, 0, 86_400_000), retry).nextRetryDelayMs).toBe(300_000);
    expect(decideRetry('transient', at(1, 0, 0), retry).nextRetryDelayMs).toBeUndefined();
  });
});

describe('decideRetry at the delivery deadline', () => {
  const near = (attempt: number, msToDeadline: number, retryAfterMs?: number) => ({ ...at(attempt, 0, retryAfterMs), msToDeadline });

  it('a retryable failure whose next attempt would start at or after the deadline ends as S2SDeadlinePassed', () => {
    // Attempt 3 backs off 4 s.
    expect(decideRetry('transient', near(3, 4_001), retry)).toEqual({ type: SendFailureType.transient, nonRetryable: false });
    expect(decideRetry('transient', near(3, 4_000), retry)).toEqual({
      type: SendFailureType.deadlinePassed,
      nonRetryable: true,
      lastType: SendFailureType.transient,
    });
    expect(decideRetry('misconfigured', near(1, 60_000), retry)).toEqual({
      type: SendFailureType.deadlinePassed,
      nonRetryable: true,
      lastType: SendFailureType.misconfigured,
    });
    expect(decideRetry('transient', near(1, 5_000, 10_000), retry)).toMatchObject({
      type: SendFailureType.deadlinePassed,
      lastType: SendFailureType.transient,
    });
    expect(decideRetry('deviceNotFound', near(1, 1_000), retry)).toMatchObject({
      type: SendFailureType.deadlinePassed,
      lastType: SendFailureType.deviceNotYetKnown,
    });
    expect(NON_RETRYABLE_SEND_FAILURES).toContain(SendFailureType.deadlinePassed);
  });

  it('leaves non-retryable answers as they are', () => {
    expect(decideRetry('rejected', near(1, 0), retry)).toEqual({ type: SendFailureType.rejected, nonRetryable: true });
  });
});

describe('policyBackoffMs', () => {
  it('grows by the coefficient and stops at maximumInterval', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map((a) => policyBackoffMs(a, retry))).toEqual([1_000, 2_000, 4_000, 8_000, 60_000, 60_000, 60_000]);
  });
});
