// Failure handling on a real server: an Adjust outage delays only the Adjust lane; 451 stops a lane;
// a rejected event is dead-lettered and a redrive delivers it once the vendor side is fixed; a
// misconfigured app is retried until fixed; a bad signal is rejected, counted and never wedges the workflow.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultEmulatorConfig } from '../../../emulator/config';
import { userWorkflowId } from '../../../domain/ids';
import { SA } from '../../../domain/search-attributes';
import { purchase, secondsAgo } from '../../helpers/events';
import { decodedHistory, sendsIn } from '../../helpers/histories';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { iosInstall, registerInstall, signedUpUser } from '../../helpers/users';

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms' } });
});
afterEach(() => {
  relay.emulator.setFaults({});
  relay.emulator.setConfig(defaultEmulatorConfig);
});
afterAll(async () => {
  await relay?.stop();
});

const outcome = (userId: string, deliveryId: string) => relay.client.timeline(userId).then((t) => t.find((e) => e.deliveryId === deliveryId)?.outcome);

describe('faults', () => {
  it('an Adjust 5xx burst delays only the Adjust lane, which delivers once Adjust recovers', async () => {
    const install = await signedUpUser(relay);
    relay.emulator.setFaults({ adjust: { error5xx: 1 } });
    const answer = await relay.client.track(purchase(install.userId, 'evt_outage', secondsAgo(5)));
    const af = answer.deliveries.find((d) => d.destination === 'appsflyer')!;
    const adj = answer.deliveries.find((d) => d.destination === 'adjust')!;
    await waitFor('AppsFlyer delivered during the Adjust outage', async () => (await outcome(install.userId, af.deliveryId)) === 'delivered');
    await waitFor('a few failed Adjust attempts', () => relay.emulator.requests({ deliveryId: adj.deliveryId }).length >= 2);
    expect(await outcome(install.userId, adj.deliveryId)).toBe('pending');
    expect((await relay.client.status(install.userId)).lanes.adjust.inFlight).toEqual([adj.deliveryId]);
    relay.emulator.setFaults({});
    await waitFor('Adjust delivered after recovery', async () => (await outcome(install.userId, adj.deliveryId)) === 'delivered');
    const attempts = relay.emulator.requests({ deliveryId: adj.deliveryId });
    expect(attempts.filter((r) => r.status === 200)).toHaveLength(1);
    expect(attempts.filter((r) => r.status === 500).length).toBeGreaterThanOrEqual(2);
    // The first attempt (Adjust's part of the combined activity) failed; the send activity took over and counts on
    // from 2, and the lane showed the failure meanwhile.
    const sends = sendsIn((await decodedHistory(relay.temporal, userWorkflowId(install.userId))).events ?? []).filter((s) => s.activityType === 'sendToAdjust');
    expect(sends.map((s) => [s.combined, s.failed])).toEqual([
      [true, true],
      [false, false],
    ]);
    const receipt = sends[1]?.result?.receipts?.[0];
    expect(receipt?.attempt).toBe(attempts.length);
    expect(receipt?.attempt).toBeGreaterThanOrEqual(2);
  });

  it('451 opted out stops the lane: later events are skipped for that vendor, visibly, and still go to the other', async () => {
    const install = await signedUpUser(relay);
    relay.emulator.updateConfig({ optedOutDevices: [install.deviceIds!.idfa!] });
    const first = await relay.client.track(purchase(install.userId, 'evt_optout_1', secondsAgo(20)));
    await waitFor('lane stopped', async () => (await relay.client.status(install.userId)).lanes.adjust.stopped);
    const second = await relay.client.track(purchase(install.userId, 'evt_optout_2', secondsAgo(10)));
    const status = await waitFor('all settled', async () => {
      const s = await relay.client.status(install.userId);
      return s.pending === 0 && s.counters.delivered === 2 ? s : undefined;
    });
    expect(status.state).toBe('lane stopped');
    expect(status.lanes.adjust.stopped?.reason).toMatch(/opted out/);
    expect(status.lanes.adjust.counts.skipped).toBe(2);
    const adj2 = second.deliveries.find((d) => d.destination === 'adjust')!;
    expect(adj2.outcome).toBe('skipped');
    expect(relay.emulator.requests({ deliveryId: adj2.deliveryId })).toHaveLength(0);
    expect(relay.emulator.requests({ deliveryId: first.deliveries.find((d) => d.destination === 'adjust')!.deliveryId })[0]?.status).toBe(451);
  });

  it('dead-letters a rejected event with the vendor answer, and a redrive delivers it after the fix', async () => {
    const install = await signedUpUser(relay);
    // The vendor no longer knows the trial token: 400 Invalid event token (data it will never accept).
    relay.emulator.updateConfig({ adjustApps: [{ appToken: '4w565xzmb54d', eventTokens: { tr1al1: null } }] });
    const answer = await relay.client.track({ userId: install.userId, eventId: 'evt_trial', name: 'trial', occurredAt: secondsAgo(5) });
    const adj = answer.deliveries.find((d) => d.destination === 'adjust')!;
    const status = await waitFor('dead letter', async () => {
      const s = await relay.client.status(install.userId);
      return s.deadLetters.length === 1 ? s : undefined;
    });
    expect(status.deadLetters[0]).toMatchObject({ deliveryId: adj.deliveryId, destination: 'adjust', status: 400 });
    expect(status.deadLetters[0]!.vendorMessage).toMatch(/Invalid event token/);
    expect(relay.emulator.requests({ deliveryId: adj.deliveryId })).toHaveLength(1);
    // Visible to the UI filter S2SDeadLetters > 0.
    await waitFor(
      'search attribute',
      async () => {
        const d = await relay.temporal.workflow.getHandle(userWorkflowId(install.userId)).describe();
        return d.typedSearchAttributes.get(SA.deadLetters) === 1;
      },
      10_000,
    );

    relay.emulator.setConfig(defaultEmulatorConfig);
    const redriven = await relay.client.redrive(install.userId, [adj.deliveryId]);
    expect(redriven).toEqual({ redriven: [adj.deliveryId], notFound: [] });
    await waitFor('delivered after redrive', async () => (await outcome(install.userId, adj.deliveryId)) === 'delivered');
    const after = await relay.client.status(install.userId);
    expect(after.deadLetters).toHaveLength(0);
    expect(after.counters.redriven).toBe(1);
    expect(relay.emulator.requests({ deliveryId: adj.deliveryId }).map((r) => r.status)).toEqual([400, 200]);
  });

  it('retries a misconfigured app (401) slowly until an operator fixes it, then the events flow', async () => {
    const install = await signedUpUser(relay);
    relay.emulator.updateConfig({ appsflyerApps: [{ appId: 'id1234567890', key: 'rotated-key' }] });
    const answer = await relay.client.track(purchase(install.userId, 'evt_auth', secondsAgo(5)));
    const af = answer.deliveries.find((d) => d.destination === 'appsflyer')!;
    await waitFor('two 401s', () => relay.emulator.requests({ deliveryId: af.deliveryId }).filter((r) => r.status === 401).length >= 2, 15_000);
    expect(await outcome(install.userId, af.deliveryId)).toBe('pending');
    relay.emulator.setConfig(defaultEmulatorConfig);
    await waitFor('delivered after the fix', async () => (await outcome(install.userId, af.deliveryId)) === 'delivered', 15_000);
  });

  it('retries "Device not found" until Adjust knows the device', async () => {
    const install = iosInstall();
    await relay.client.signup(install);
    const answer = await relay.client.track(purchase(install.userId, 'evt_unknown_device', secondsAgo(5)));
    const adj = answer.deliveries.find((d) => d.destination === 'adjust')!;
    await waitFor('a 404', () => relay.emulator.requests({ deliveryId: adj.deliveryId }).some((r) => r.status === 404));
    registerInstall(relay.emulator, install);
    await waitFor('delivered once the device is known', async () => (await outcome(install.userId, adj.deliveryId)) === 'delivered', 15_000);
  });

  it('rejects and counts a malformed signal without failing a workflow task, and keeps working', async () => {
    const install = await signedUpUser(relay);
    const handle = relay.temporal.workflow.getHandle(userWorkflowId(install.userId));
    await handle.signal('track', { userId: install.userId, eventId: 'evt_bad', name: 'purchase', occurredAt: 'not a time', revenue: -3 });
    await handle.signal('track', 'not even an object');
    await handle.signal('refund', { userId: install.userId });
    const status = await waitFor('rejections counted', async () => {
      const s = await relay.client.status(install.userId);
      return s.counters.rejectedMessages === 3 ? s : undefined;
    });
    expect(status.recentRejections[0]).toMatchObject({ kind: 'track', id: 'evt_bad' });
    expect(status.recentRejections[0]!.reason).toMatch(/occurredAt/);
    const answer = await relay.client.track(purchase(install.userId, 'evt_good', secondsAgo(5)));
    expect(answer.status).toBe('accepted');
    await waitFor('good event delivered', async () => (await relay.client.status(install.userId)).counters.delivered === 2);
    const history = await handle.fetchHistory();
    expect((history.events ?? []).some((e) => e.workflowTaskFailedEventAttributes)).toBe(false);
  });
});
