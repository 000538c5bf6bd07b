// policy.firstSendAttempt `local` on a real server: a lone event's first attempts to both vendors run as one local
// activity inside the workflow task (a marker in history, no activity task) and are delivered; an event brought
// by an update whose answer is still due goes in the regular activity, so the backend's call never waits for a
// vendor; and a vendor slower than the local attempt's 5 s hands the delivery to its send activity.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { userWorkflowId } from '../../../domain/ids';
import { purchase, secondsAgo } from '../../helpers/events';
import { decodedHistory, sendsIn } from '../../helpers/histories';
import { demoAppConfig, startRelay, TEST_POLICY, waitFor, type RelayHarness } from '../../helpers/relay';
import { signedUpUser } from '../../helpers/users';

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({
    appConfig: (url) => demoAppConfig(url, { ...TEST_POLICY, postInstallDelay: '1s', settleWindow: '300ms', firstSendAttempt: 'local' }),
  });
});
afterEach(() => relay.emulator.setFaults({}));
afterAll(async () => {
  await relay?.stop();
});

async function deliveredBoth(userId: string, count: number) {
  return waitFor(`${count} deliveries for ${userId}`, async () => {
    const s = await relay.client.status(userId);
    return s.counters.delivered === count && s.pending === 0 ? s : undefined;
  });
}

describe('first send attempt as a local activity', () => {
  it('sends a signalled event inside the workflow task: a marker, no activity task', async () => {
    const install = await signedUpUser(relay);
    await relay.client.trackSignal(purchase(install.userId, 'evt_local_1', secondsAgo(0)));
    await deliveredBoth(install.userId, 2);
    const events = (await decodedHistory(relay.temporal, userWorkflowId(install.userId))).events ?? [];
    const sends = sendsIn(events);
    expect(sends.map((s) => [s.activityType, s.local, s.completed, s.failed]).sort()).toEqual([
      ['sendToAdjust', true, true, false],
      ['sendToAppsflyer', true, true, false],
    ]);
    expect(sends[0]?.result?.receipts?.[0]?.attempt).toBe(1);
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
    // Each vendor got its delivery exactly once.
    const ids = sends.flatMap((s) => s.result?.receipts?.map((r) => r.deliveryId) ?? []);
    expect(ids).toHaveLength(2);
    for (const deliveryId of ids) expect(relay.emulator.requests({ deliveryId })).toHaveLength(1);
  });

  it('sends an event whose update is being answered in the regular activity, so the answer does not wait for the vendor', async () => {
    const install = await signedUpUser(relay);
    // Older than the settle window: planned in the same workflow task as the update's answer.
    const answer = await relay.client.track(purchase(install.userId, 'evt_local_2', secondsAgo(60)));
    expect(answer.status).toBe('accepted');
    await deliveredBoth(install.userId, 2);
    const sends = sendsIn((await decodedHistory(relay.temporal, userWorkflowId(install.userId))).events ?? []);
    expect(sends.map((s) => [s.activityType, s.combined, s.local]).sort()).toEqual([
      ['sendToAdjust', true, false],
      ['sendToAppsflyer', true, false],
    ]);
  });

  it('hands a delivery whose vendor answers too slowly to its send activity, which delivers it', async () => {
    const install = await signedUpUser(relay);
    relay.emulator.setFaults({ adjust: { slow: 1, slowMs: 7_000, count: 1 } });
    await relay.client.trackSignal(purchase(install.userId, 'evt_local_3', secondsAgo(0)));
    await deliveredBoth(install.userId, 2);
    const sends = sendsIn((await decodedHistory(relay.temporal, userWorkflowId(install.userId))).events ?? []);
    const adjust = sends.filter((s) => s.activityType === 'sendToAdjust');
    // The local attempt failed (timed out, or its request was cut off), then the vendor's activity delivered.
    expect(adjust.map((s) => [s.local, s.completed || s.failed])).toEqual([
      [true, true],
      [false, true],
    ]);
    expect(adjust[1]?.result?.receipts?.[0]?.attempt).toBeGreaterThanOrEqual(2);
  });
});
