// Durable retries of the send activities on a real Temporal worker against the vendor emulator: each
// retry class with test intervals (misconfigured: slow, device not found: bounded, transient: backoff,
// 429: Retry-After, network faults), asserted by attempts and by the gaps between the vendor's requests.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SendFailureType } from '../../../domain/errors';
import { batch, gaps, install, sendItem, startSendHarness, until, user, type SendHarness } from './send-harness';

let h: SendHarness;
beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => {
  h.emulator.reset({ config: true });
});

const MISCONFIGURED_MS = 2500;
const DEVICE_NOT_FOUND_MS = 1600;
const SLACK_MS = 60;

function setAdjustApp(patch: Record<string, unknown>): void {
  const cfg = h.emulator.getConfig();
  h.emulator.setConfig({ ...cfg, adjustApps: cfg.adjustApps.map((a) => (a.appToken === '4w565xzmb54d' ? { ...a, ...patch } : a)) });
}

describe('misconfigured (an operator can fix it): retried slowly, logged loudly', () => {
  it('keeps retrying at misconfiguredInterval, and delivers once the app is fixed', async () => {
    setAdjustApp({ inactive: true });
    const u = user(h.emulator, 'ios');
    const pending = h.probe('adjust', batch(u, [sendItem(u, 'adjust')]), { scheduleToCloseMs: 30_000 });
    const failed = await until('two refused attempts', () => {
      const r = h.emulator.requests({ vendor: 'adjust' });
      return r.length >= 2 ? r : undefined;
    });
    expect(failed.every((r) => r.status === 403 && r.responseBody.includes('App is inactive'))).toBe(true);
    setAdjustApp({ inactive: false });
    const outcome = await pending;
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const recorded = h.emulator.requests({ vendor: 'adjust' });
    expect(outcome.result.receipts[0]?.attempt).toBe(recorded.length);
    expect(recorded.at(-1)?.status).toBe(200);
    for (const gap of gaps(recorded)) expect(gap).toBeGreaterThanOrEqual(MISCONFIGURED_MS - SLACK_MS);
    const loud = h.logs.filter((e) => e.meta?.class === 'misconfigured' && e.meta?.deliveryId === outcome.result.receipts[0]?.deliveryId);
    expect(loud.length).toBeGreaterThanOrEqual(2);
    expect(loud.every((e) => e.level === 'ERROR')).toBe(true);
  });

  it('AppsFlyer 401 with a wrong key: S2SMisconfigured after the attempts the policy allows, spaced slowly', async () => {
    const u = user(h.emulator, 'ios');
    const outcome = await h.probe('appsflyer', batch(u, [sendItem(u, 'appsflyer')], 'wrong-key'), {
      retry: { initialInterval: 100, backoffCoefficient: 2, maximumInterval: 400, maximumAttempts: 3 },
    });
    expect(outcome).toMatchObject({ ok: false, type: SendFailureType.misconfigured, nonRetryable: false, details: { status: 401, attempt: 3 } });
    const recorded = h.emulator.requests({ vendor: 'appsflyer' });
    expect(recorded).toHaveLength(3);
    for (const gap of gaps(recorded)) {
      expect(gap).toBeGreaterThanOrEqual(MISCONFIGURED_MS - SLACK_MS);
      expect(gap).toBeLessThan(MISCONFIGURED_MS + 1000);
    }
  });
});

describe('device not found: retried for a bounded time', () => {
  it('retries at deviceNotFoundInterval, then dead-letters after deviceNotFoundMaxAge', async () => {
    const u = user(h.emulator, 'ios', { installed: false });
    const started = Date.now();
    const outcome = await h.probe('adjust', batch(u, [sendItem(u, 'adjust')]));
    expect(outcome).toMatchObject({ ok: false, type: SendFailureType.deviceNotFound, nonRetryable: true, details: { status: 404 } });
    if (outcome.ok) return;
    expect(outcome.details?.message).toMatch(/Device not found.*beyond retry\.deviceNotFoundMaxAge/);
    const recorded = h.emulator.requests({ vendor: 'adjust' });
    expect(recorded.length).toBeGreaterThanOrEqual(3);
    expect(recorded.every((r) => r.status === 404)).toBe(true);
    expect(outcome.details?.attempt).toBe(recorded.length);
    for (const gap of gaps(recorded)) {
      expect(gap).toBeGreaterThanOrEqual(DEVICE_NOT_FOUND_MS - SLACK_MS);
      expect(gap).toBeLessThan(MISCONFIGURED_MS);
    }
    // Dead-lettered only once deviceNotFoundMaxAge (4 s) had passed since the activity was scheduled.
    expect((recorded.at(-1)?.receivedAtMs ?? 0) - started).toBeGreaterThanOrEqual(4000);
  });

  it("counts the bound from the delivery's first attempt, also when that was in an earlier activity", async () => {
    const u = user(h.emulator, 'ios', { installed: false });
    const outcome = await h.probe('adjust', batch(u, [sendItem(u, 'adjust', { firstAttemptAtMs: Date.now() - 5_000 })]));
    expect(outcome).toMatchObject({ ok: false, type: SendFailureType.deviceNotFound, nonRetryable: true, details: { status: 404, attempt: 1 } });
    expect(h.emulator.requests({ vendor: 'adjust' })).toHaveLength(1);
  });

  it('delivers once the vendor knows the device', async () => {
    const u = user(h.emulator, 'ios', { installed: false });
    const pending = h.probe('adjust', batch(u, [sendItem(u, 'adjust')]));
    await until('a Device not found answer', () => h.emulator.requests({ vendor: 'adjust' }).some((r) => r.status === 404));
    install(h.emulator, u);
    const outcome = await pending;
    expect(outcome.ok && outcome.result.receipts[0]?.outcome).toBe('delivered');
    expect(outcome.ok && outcome.result.receipts[0]?.attempt).toBeGreaterThanOrEqual(2);
  });
});

describe("transient: retried with the workflow's exponential backoff", () => {
  it("5xx twice, then delivered on attempt 3, after the workflow policy's 1.5 s and 3 s", async () => {
    h.emulator.setFaults({ adjust: { error5xx: 1, count: 2 } });
    const u = user(h.emulator, 'ios');
    const outcome = await h.probe('adjust', batch(u, [sendItem(u, 'adjust')]), {
      retry: { initialInterval: 1500, backoffCoefficient: 2, maximumInterval: 5000 },
    });
    expect(outcome.ok && outcome.result.receipts[0]?.attempt).toBe(3);
    const recorded = h.emulator.requests({ vendor: 'adjust' });
    expect(recorded.map((r) => r.status)).toEqual([500, 500, 200]);
    const [first, second] = gaps(recorded) as [number, number];
    expect(first).toBeGreaterThanOrEqual(1500 - SLACK_MS);
    expect(first).toBeLessThan(2500);
    expect(second).toBeGreaterThanOrEqual(3000 - SLACK_MS);
  });

  it('429 honours Retry-After (1 s) over a slower policy backoff (3 s)', async () => {
    h.emulator.setFaults({ appsflyer: { rate429: 1, count: 1 } });
    const u = user(h.emulator, 'ios');
    const outcome = await h.probe('appsflyer', batch(u, [sendItem(u, 'appsflyer')]), {
      retry: { initialInterval: 3000, backoffCoefficient: 2, maximumInterval: 5000 },
    });
    expect(outcome.ok && outcome.result.receipts[0]?.attempt).toBe(2);
    const recorded = h.emulator.requests({ vendor: 'appsflyer' });
    expect(recorded.map((r) => r.status)).toEqual([429, 200]);
    expect(gaps(recorded)[0]).toBeGreaterThanOrEqual(1000 - SLACK_MS);
    expect(gaps(recorded)[0]).toBeLessThan(2500);
  });

  it('a reset connection is retried', async () => {
    h.emulator.setFaults({ adjust: { reset: 1, count: 1 } });
    const u = user(h.emulator, 'ios');
    const outcome = await h.probe('adjust', batch(u, [sendItem(u, 'adjust')]));
    expect(outcome.ok && outcome.result.receipts.map((r) => [r.outcome, r.attempt])).toEqual([['delivered', 2]]);
    const transient = h.logs.find((e) => e.meta?.class === 'transient' && e.meta?.deliveryId === (outcome.ok && outcome.result.receipts[0]?.deliveryId));
    expect(String(transient?.meta?.reason)).toMatch(/network error: network: /);
  });

  it('a hung request ends at headersTimeout (1 s) and is retried', async () => {
    h.emulator.setFaults({ appsflyer: { hang: 1, count: 1 } });
    const u = user(h.emulator, 'android');
    const outcome = await h.probe('appsflyer', batch(u, [sendItem(u, 'appsflyer')]));
    expect(outcome.ok && outcome.result.receipts[0]?.attempt).toBe(2);
    const recorded = h.emulator.requests({ vendor: 'appsflyer' });
    expect(recorded).toHaveLength(2);
    expect(gaps(recorded)[0]).toBeGreaterThanOrEqual(1000);
    expect(gaps(recorded)[0]).toBeLessThan(4000);
  });

  it('an answer lost after the vendor accepted a unique event comes back as a duplicate, not a second count', async () => {
    h.emulator.setFaults({ adjust: { acceptThenReset: 1, count: 1 } });
    const u = user(h.emulator, 'ios');
    const outcome = await h.probe('adjust', batch(u, [sendItem(u, 'adjust', { name: 'signup', revenue: undefined, currency: undefined })]));
    expect(outcome.ok && outcome.result.receipts.map((r) => [r.outcome, r.attempt])).toEqual([['duplicate', 2]]);
  });

  it('the schedule-to-close deadline ends the retries', async () => {
    h.emulator.setFaults({ adjust: { error5xx: 1 } });
    const u = user(h.emulator, 'ios');
    const started = Date.now();
    const outcome = await h.probe('adjust', batch(u, [sendItem(u, 'adjust')]), { scheduleToCloseMs: 1500 });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    // Either the server saw the next retry would pass the deadline (the last failure comes back, retry state
    // TIMEOUT), or the deadline passed while waiting (a TimeoutFailure, without the last vendor answer).
    if (outcome.timeoutType === undefined) expect(outcome).toMatchObject({ type: SendFailureType.transient, retryState: 'TIMEOUT', details: { status: 500 } });
    else expect(outcome.timeoutType).toBe('SCHEDULE_TO_CLOSE');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(h.emulator.requests({ vendor: 'adjust' }).length).toBeGreaterThanOrEqual(2);
  });
});

describe('a delivery retried in a later activity (after a continue-as-new drain)', () => {
  it("counts on from its earlier attempts, and judges the deadline by this activity's own backoff", async () => {
    // Backoff 1 s for an activity's attempt 1, 20 s from its attempt 5 on.
    const slow = await startSendHarness({ retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' } });
    try {
      slow.emulator.setFaults({ appsflyer: { error5xx: 1, count: 1 } });
      const u = user(slow.emulator, 'android');
      // Six attempts in earlier activities; the deadline 10 s away. Temporal retries this activity's attempt 1 after
      // 1 s, so the 500 is retried; judged by the delivery's attempt 7 (20 s), it would be dead-lettered at once.
      const input = { ...batch(u, [sendItem(u, 'appsflyer', { resend: true })]), priorAttempts: 6, deadlineMs: Date.now() + 10_000 };
      const outcome = await slow.probe('appsflyer', input);
      expect(outcome.ok && outcome.result.receipts.map((r) => [r.outcome, r.attempt])).toEqual([['delivered', 8]]);
      expect(slow.emulator.requests({ vendor: 'appsflyer' }).map((r) => r.status)).toEqual([500, 200]);
    } finally {
      await slow.stop();
    }
  });
});
