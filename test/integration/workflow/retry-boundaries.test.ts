// Where retries meet the workflow's own boundaries, on a real server: a continue-as-new that drains a
// send while its attempt is still running must not turn a delay into a dead letter, and a delivery whose
// retries reach its deadline is dead-lettered with the vendor's last answer, not a bare timeout.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { userWorkflowId } from '../../../domain/ids';
import { defaultEmulatorConfig } from '../../../emulator/config';
import { purchase, secondsAgo } from '../../helpers/events';
import { userRuns } from '../../helpers/histories';
import { demoAppConfig, startRelay, TEST_POLICY, waitFor, type RelayHarness } from '../../helpers/relay';
import { signedUpUser } from '../../helpers/users';

type FirstSendAttempt = 'combined' | 'local' | 'per-vendor';

function startBoundaryRelay(firstSendAttempt: FirstSendAttempt): Promise<RelayHarness> {
  return startRelay({
    appConfig: (url) => ({
      ...demoAppConfig(url, { ...TEST_POLICY, postInstallDelay: '1s', settleWindow: '100ms', maxHistoryEvents: 30, appsflyerMaxAgeDays: 1, firstSendAttempt }),
      // A hung request ends at headersTimeout: each attempt below runs this long, so a drain meets one running.
      http: { headersTimeout: '2s', bodyTimeout: '2s' },
    }),
  });
}

// Every way a first attempt runs: in the combined activity of the lanes that start together (the default), as a
// local activity inside the workflow task (opt-in), and as each vendor's send activity from the start.
describe.each<FirstSendAttempt>(['combined', 'local', 'per-vendor'])('retry boundaries (first attempt: %s)', (mode) => {
  let relay: RelayHarness;
  beforeAll(async () => {
    relay = await startBoundaryRelay(mode);
  });
  afterEach(() => {
    relay.emulator.setFaults({});
    relay.emulator.setConfig(defaultEmulatorConfig);
  });
  afterAll(async () => {
    await relay?.stop();
  });

  it('a continue-as-new while an Adjust attempt hangs keeps the delivery queued, and it is delivered once, after recovery', async () => {
    const install = await signedUpUser(relay);
    relay.emulator.setFaults({ adjust: { hang: 1 } });
    const stuck = await relay.client.track(purchase(install.userId, 'evt_hung', secondsAgo(60)));
    const adjustId = stuck.deliveries.find((d) => d.destination === 'adjust')!.deliveryId;
    await waitFor('a hung Adjust attempt', () => relay.emulator.requests({ deliveryId: adjustId }).length >= 1);
    // AppsFlyer keeps delivering; its history grows past maxHistoryEvents while the Adjust attempt runs,
    // and a burst of signals arrives while the drain waits for that attempt.
    for (let i = 0; i < 6; i++) await relay.client.track(purchase(install.userId, `evt_more_${i}`, secondsAgo(50 - i)));
    await Promise.all(Array.from({ length: 5 }, (_, i) => relay.client.trackSignal(purchase(install.userId, `evt_burst_${i}`, secondsAgo(40 - i)))));
    const drained = await waitFor(
      'a continue-as-new during the outage',
      async () => {
        const s = await relay.client.status(install.userId);
        return s.counters.continuedAsNew >= 1 ? s : undefined;
      },
      45_000,
    );
    expect(drained.deadLetters, 'an interrupted attempt is no outcome').toEqual([]);
    relay.emulator.setFaults({});
    const settled = await waitFor(
      'everything delivered',
      async () => {
        const s = await relay.client.status(install.userId);
        return s.pending === 0 && s.counters.delivered === 24 ? s : undefined;
      },
      45_000,
    );
    expect(settled.deadLetters).toEqual([]);
    expect(settled.counters.received).toBe(12);
    // Some of the burst landed while the first run was draining (after it asked to cancel the hung send).
    const drains = [];
    for (const run of await userRuns(relay.temporal, install.userId)) {
      const events = (await relay.temporal.workflow.getHandle(run.workflowId, run.runId).fetchHistory()).events ?? [];
      // The drain cancels the Adjust send wherever it is: the combined first attempt, a send activity's attempt,
      // or the timer between them.
      const cancelAt = events.findIndex((e) => e.activityTaskCancelRequestedEventAttributes || e.timerCanceledEventAttributes);
      if (cancelAt >= 0) drains.push(events.slice(cancelAt).some((e) => e.workflowExecutionSignaledEventAttributes));
    }
    expect(drains.length, 'a drain cancelled the hung send').toBeGreaterThan(0);
    // A drain waits for the running attempt across workflow tasks, so signals land in the middle.
    expect(drains, 'a signal arrived during a drain').toContain(true);
    expect(settled.counters.deadLettered).toBe(0);
    const answered = relay.emulator.requests({ deliveryId: adjustId }).filter((r) => r.status === 200);
    expect(answered, 'the hung purchase reached Adjust once').toHaveLength(1);
    // Adjust got the user's purchases in event-time order.
    const mine = new Set((await relay.client.timeline(install.userId)).filter((e) => e.destination === 'adjust').map((e) => e.deliveryId));
    const order = relay.emulator
      .requests({ vendor: 'adjust' })
      .filter((r) => r.status === 200 && mine.has(r.deliveryId ?? ''))
      .map((r) => r.eventTimeMs);
    expect(order).toHaveLength(12);
    expect(order).toEqual([...order].sort((a, b) => (a ?? 0) - (b ?? 0)));
  }, 120_000);

  it('a delivery still failing at its deadline is dead-lettered with the last vendor answer', async () => {
    const install = await signedUpUser(relay, { installedAt: new Date(Date.now() - 2 * 86_400_000).toISOString() });
    relay.emulator.setFaults({ appsflyer: { error5xx: 1 } });
    // appsflyerMaxAgeDays is 1: this event's AppsFlyer deadline is 15 s away, time enough for retries on a loaded
    // machine (with 4 s, one npm test run found the event past its window before any attempt: "too old").
    const answer = await relay.client.track(purchase(install.userId, 'evt_deadline', new Date(Date.now() - 86_400_000 + 15_000).toISOString()));
    const af = answer.deliveries.find((d) => d.destination === 'appsflyer')!;
    const status = await waitFor(
      'dead letter',
      async () => {
        const s = await relay.client.status(install.userId);
        return s.deadLetters.length === 1 ? s : undefined;
      },
      45_000,
    );
    const letter = status.deadLetters[0]!;
    expect(letter.deliveryId).toBe(af.deliveryId);
    expect(letter.reason).toMatch(/^retry deadline passed .*last error: .*500/);
    expect(letter.status).toBe(500);
    const requests = relay.emulator.requests({ deliveryId: af.deliveryId });
    expect(requests.every((r) => r.status === 500)).toBe(true);
    // This harness continues as new every few failed attempts (maxHistoryEvents 30: each attempt's lane failure
    // report adds history), draining the send; the next run's activity continues the delivery's count, so the
    // dead letter counts the attempts of earlier runs too (the last CI run's letter said 1, the last run's own).
    const lastRunStartMs = (await relay.temporal.workflow.getHandle(userWorkflowId(install.userId)).describe()).startTime.getTime();
    const inEarlierRuns = requests.filter((r) => r.receivedAtMs < lastRunStartMs).length;
    expect(letter.attempts).toBeGreaterThanOrEqual(Math.max(2, inEarlierRuns));
    expect(letter.attempts).toBeLessThanOrEqual(requests.length);
  }, 90_000);
});
