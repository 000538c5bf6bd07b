// Ordering guarantees on a real server: the post-install gate, event-time order per lane despite
// out-of-order arrival, dedup of repeated ids, and Adjust's chronological rule (late-event policy, age).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secondsAgo, purchase } from '../../helpers/events';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { userWorkflowId } from '../../../domain/ids';
import { iosInstall, registerInstall } from '../../helpers/users';

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '3s', settleWindow: '4500ms' } });
});
afterAll(async () => {
  await relay?.stop();
});

const delivered = (userId: string, n: number) =>
  waitFor(
    `${n} deliveries for ${userId}`,
    async () => {
      const s = await relay.client.status(userId);
      return s.counters.delivered + s.counters.vendorDuplicates + s.counters.deadLettered + s.counters.skipped >= n ? s : undefined;
    },
    30_000,
  );

describe('post-install gate', () => {
  it('holds events until installedAt + delay, and AppsFlyer records them as attributed', async () => {
    const installedAt = new Date();
    const install = iosInstall({ installedAt: installedAt.toISOString() });
    // The emulator finishes processing the install 2 s after it; the relay waits 3 s.
    registerInstall(relay.emulator, install, 2_000);
    await relay.client.signup(install);
    const answer = await relay.client.track(purchase(install.userId, 'evt_gate', new Date().toISOString()));
    const status = await relay.client.status(install.userId);
    expect(status.state).toBe('gated');
    expect(status.gateAt).toBe(new Date(installedAt.getTime() + 3_000).toISOString());
    await delivered(install.userId, 2);
    for (const d of answer.deliveries) {
      const [req] = relay.emulator.requests({ deliveryId: d.deliveryId });
      expect(req, d.destination).toBeDefined();
      expect(req!.receivedAtMs).toBeGreaterThanOrEqual(installedAt.getTime() + 3_000);
      expect(req!.status).toBe(200);
      expect(req!.outcome).toBe(d.destination === 'appsflyer' ? 'attributed' : 'accepted');
    }
  });

  it('holds events that arrive before the signup, in order, and sends them after it', async () => {
    const install = iosInstall();
    registerInstall(relay.emulator, install);
    await relay.client.trackSignal(purchase(install.userId, 'evt_early_2', secondsAgo(20)));
    await relay.client.trackSignal(purchase(install.userId, 'evt_early_1', secondsAgo(30)));
    const held = await waitFor('held events', async () => {
      const s = await relay.client.status(install.userId);
      return s.held === 2 ? s : undefined;
    });
    expect(held.state).toBe('waiting for install');
    await relay.client.signup(install);
    await delivered(install.userId, 4);
    const sent = relay.emulator.requests({ vendor: 'adjust' }).filter((r) => r.params?.idfa === install.deviceIds?.idfa);
    expect(sent.map((r) => r.eventTimeMs)).toEqual([...sent.map((r) => r.eventTimeMs)].sort());
    expect(sent).toHaveLength(2);
  });
});

describe('lanes', () => {
  it('delivers events signalled out of order in event-time order on both lanes', async () => {
    const install = iosInstall();
    registerInstall(relay.emulator, install);
    await relay.client.signup(install);
    // Within the settle window of each other and of now: the window is what sorts out-of-order arrivals (events
    // older than it go at once, so four signals that reach the workflow in separate tasks could not be sorted).
    const times = [secondsAgo(1), secondsAgo(3), secondsAgo(2), secondsAgo(0)];
    await Promise.all(times.map((t, i) => relay.client.trackSignal(purchase(install.userId, `evt_ooo_${i}`, t))));
    await delivered(install.userId, 8);
    for (const vendor of ['adjust', 'appsflyer'] as const) {
      const reqs = relay.emulator
        .requests({ vendor })
        .filter((r) =>
          vendor === 'adjust' ? r.params?.idfa === install.deviceIds?.idfa : (r.json as { appsflyer_id?: string })?.appsflyer_id === install.appsflyerId,
        );
      expect(reqs.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      const sentTimes = reqs.map((r) => r.eventTimeMs as number);
      expect(sentTimes).toEqual([...sentTimes].sort((a, b) => a - b));
    }
  });

  it('sends the same event id once, and answers the duplicate with the first outcome', async () => {
    const install = iosInstall();
    registerInstall(relay.emulator, install);
    await relay.client.signup(install);
    const event = purchase(install.userId, 'evt_dup', secondsAgo(5));
    const first = await relay.client.track(event);
    await relay.client.trackSignal(event);
    await delivered(install.userId, 2);
    const again = await relay.client.track({ ...event, revenue: '9.99' });
    expect(again.status).toBe('duplicate');
    expect(again.conflictingDuplicate).toBe(true);
    expect(again.deliveries.map((d) => d.deliveryId).sort()).toEqual(first.deliveries.map((d) => d.deliveryId).sort());
    expect(again.deliveries.every((d) => d.outcome === 'delivered')).toBe(true);
    for (const d of first.deliveries) expect(relay.emulator.requests({ deliveryId: d.deliveryId })).toHaveLength(1);
    const status = await relay.client.status(install.userId);
    expect(status.counters.duplicateMessages).toBe(2);
    expect(status.counters.received).toBe(1);
  });
});

describe("Adjust's chronological rule", () => {
  it('restamps a late event to the newest time already sent (latePolicy restamp), so Adjust accepts it', async () => {
    const install = iosInstall();
    registerInstall(relay.emulator, install);
    await relay.client.signup(install);
    await relay.client.track(purchase(install.userId, 'evt_new', secondsAgo(10)));
    await delivered(install.userId, 2);
    const late = await relay.client.track(purchase(install.userId, 'evt_late', secondsAgo(100)));
    await delivered(install.userId, 4);
    const adjust = late.deliveries.find((d) => d.destination === 'adjust')!;
    const [req] = relay.emulator.requests({ deliveryId: adjust.deliveryId });
    expect(req?.status).toBe(200);
    const newest = relay.emulator.requests({ vendor: 'adjust' }).find((r) => r.params?.idfa === install.deviceIds?.idfa && r.deliveryId !== adjust.deliveryId)!;
    expect(req?.params?.created_at_unix).toBe(newest.params?.created_at_unix);
    expect(relay.emulator.requests({ vendor: 'adjust' }).filter((r) => r.status !== 200 && r.params?.idfa === install.deviceIds?.idfa)).toHaveLength(0);
  });

  it('never sends an event stamped before the install (same-second events are stamped at the install)', async () => {
    const second = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const install = iosInstall({ installedAt: new Date(second + 600).toISOString() });
    registerInstall(relay.emulator, install);
    await relay.client.signup(install);
    const answer = await relay.client.track(purchase(install.userId, 'evt_same_second', new Date(second + 700).toISOString()));
    await delivered(install.userId, 2);
    const adjust = answer.deliveries.find((d) => d.destination === 'adjust')!;
    const [req] = relay.emulator.requests({ deliveryId: adjust.deliveryId });
    expect(req?.status).toBe(200);
    expect(req?.params?.created_at_unix).toBe(String(second / 1000 + 1));
  });

  it('refuses an event older than every window it goes to, and skips only the vendor whose window it missed', async () => {
    const install = iosInstall({ installedAt: new Date(Date.now() - 40 * 86_400_000).toISOString() });
    registerInstall(relay.emulator, install);
    await relay.client.signup(install);
    // 29 days: past Adjust's 28 and AppsFlyer's 7. Refused at the edge, and by the workflow for a raw update.
    const tooOld = purchase(install.userId, 'evt_old', new Date(Date.now() - 29 * 86_400_000).toISOString());
    await expect(relay.client.track(tooOld)).rejects.toThrow(/occurredAt: .* older than any vendor's window \(28 days\)/);
    const raw = relay.temporal.workflow.getHandle(userWorkflowId(install.userId)).executeUpdate('track', { args: [tooOld] });
    await expect(raw).rejects.toMatchObject({
      cause: {
        type: 'RelayInputError',
        message: expect.stringMatching(/occurredAt: .* older than the longest window of the vendors it goes to \(adjust 28 days, appsflyer 7 days\)/),
      },
    });
    // 10 days: Adjust takes it, AppsFlyer's 7-day window has passed: skipped there with the reason, not dead-lettered.
    const old = await relay.client.track(purchase(install.userId, 'evt_10d', new Date(Date.now() - 10 * 86_400_000).toISOString()));
    const status = await delivered(install.userId, 1);
    const appsflyer = old.deliveries.find((d) => d.destination === 'appsflyer')!;
    expect(appsflyer).toMatchObject({ outcome: 'skipped', detail: expect.stringMatching(/older than the appsflyer window/) });
    expect(relay.emulator.requests({ deliveryId: appsflyer.deliveryId })).toHaveLength(0);
    expect(status.deadLetters).toHaveLength(0);
    expect(status.counters.received).toBe(1);
  });
});

describe('policy.settleLoneEvents false', () => {
  let quick: RelayHarness;
  beforeAll(async () => {
    quick = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '3s', settleLoneEvents: false } });
  });
  afterAll(async () => {
    await quick?.stop();
  });

  it('sends a lone event at once (no settle timer: 2 workflow tasks), and restamps an earlier one that arrives just after it', async () => {
    const install = iosInstall({ installedAt: secondsAgo(3_600) });
    registerInstall(quick.emulator, install);
    await quick.client.signup(install);
    const handle = quick.temporal.workflow.getHandle(userWorkflowId(install.userId));
    const before = (await handle.fetchHistory()).events?.length ?? 0;
    const lone = await quick.client.track(purchase(install.userId, 'evt_lone', new Date().toISOString()));
    const loneAdjust = lone.deliveries.find((d) => d.destination === 'adjust')!.deliveryId;
    await waitFor('the lone event at both vendors', () => lone.deliveries.every((d) => quick.emulator.requests({ deliveryId: d.deliveryId }).length === 1));
    const added = await waitFor('its history complete', async () => {
      const events = ((await handle.fetchHistory()).events ?? []).slice(before);
      return events.some((e) => e.activityTaskCompletedEventAttributes) && events.at(-1)?.workflowTaskCompletedEventAttributes ? events : undefined;
    });
    expect(added.filter((e) => e.timerStartedEventAttributes)).toHaveLength(0);
    expect(added.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(2);
    // Well within the 3 s window: the lone event did not wait for it.
    const [sent] = quick.emulator.requests({ deliveryId: loneAdjust });
    const accepted = added.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes)!;
    expect(sent!.receivedAtMs - Number(accepted.eventTime!.seconds) * 1000).toBeLessThan(3_000);

    // The lane is no longer quiet: an event that happened 2 s before it, arriving now, goes second, restamped.
    const late = await quick.client.track(purchase(install.userId, 'evt_just_before', new Date(Date.now() - 2_000).toISOString()));
    const lateAdjust = late.deliveries.find((d) => d.destination === 'adjust')!.deliveryId;
    await waitFor('the earlier event at Adjust', () => quick.emulator.requests({ deliveryId: lateAdjust }).length === 1);
    const [restamped] = quick.emulator.requests({ deliveryId: lateAdjust });
    expect(restamped!.status).toBe(200);
    expect(restamped!.params?.created_at_unix).toBe(sent!.params?.created_at_unix);
  });
});
