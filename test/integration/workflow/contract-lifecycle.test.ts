// The contract over a user's life, on a real server: a closed run is never silently replaced by an empty one
// (signup and track name the fix, `recover` carries the closed run's state into a new one); a later signup
// fills in install fields the first left out; dedup is exact past the old 1,000-id window; ad revenue
// reaches Adjust's /ad_revenue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayClosedWorkflowError, RelayNotClosedError } from '../../../client/errors';
import type { RelayConfigInput } from '../../../domain/config';
import { userWorkflowId } from '../../../domain/ids';
import { purchase, secondsAgo } from '../../helpers/events';
import { userRuns } from '../../helpers/histories';
import { demoAppConfig, startRelay, TEST_POLICY, waitFor, type RelayHarness } from '../../helpers/relay';
import { iosInstall, registerInstall } from '../../helpers/users';

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({
    appConfig: (url): RelayConfigInput => {
      const config = demoAppConfig(url, { ...TEST_POLICY, postInstallDelay: '1s', settleWindow: '100ms', maxBatchSize: 100 });
      const ios = config.apps['demo-ios'] as { appsflyer: Record<string, unknown> };
      // An app that accepts iOS signups without osVersion (the documented opt-out), for the amendment case.
      // `ping` goes to AppsFlyer only (no Adjust token): a cheap event for the dedup case.
      const relaxed = {
        ...config.apps['demo-ios'],
        appsflyer: { ...ios.appsflyer, requireOsVersion: false, events: { ...(ios.appsflyer.events as object), ping: 'af_ping' } },
      };
      // Short HTTP timeouts: a batch stops early when less than one request's worst case is left of its attempt.
      return {
        ...config,
        http: { connectTimeout: '1s', headersTimeout: '2s', bodyTimeout: '2s' },
        apps: { ...config.apps, 'demo-relaxed': relaxed },
      } as unknown as RelayConfigInput;
    },
  });
});
afterAll(async () => {
  await relay?.stop();
});

describe('a closed workflow', () => {
  it('is never replaced by an empty run: signup and track name the fix, recover carries the last state into a new run', async () => {
    const install = iosInstall();
    registerInstall(relay.emulator, install);
    const userId = install.userId;
    await relay.client.signup(install);
    await relay.client.track(purchase(userId, 'evt_before', secondsAgo(20), '7.00'));
    await waitFor('delivered', async () => (await relay.client.status(userId)).counters.delivered === 2);
    await expect(relay.client.recover(userId)).rejects.toBeInstanceOf(RelayNotClosedError);
    await relay.temporal.workflow.getHandle(userWorkflowId(userId)).terminate('operator test');

    for (const call of [
      () => relay.client.track(purchase(userId, 'evt_after', secondsAgo(5))),
      () => relay.client.signup(install),
      () => relay.client.trackSignal(purchase(userId, 'evt_sig', secondsAgo(5))),
    ]) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RelayClosedWorkflowError);
      expect((error as Error).message).toMatch(/is closed \(TERMINATED, run [\w-]+\); it is not replaced by an empty one\. .*s2s recover/);
    }
    expect(await userRuns(relay.temporal, userId)).toHaveLength(1);
    // The closed run still answers its status (a worker replays it): what it held when it was closed.
    expect((await relay.client.status(userId)).counters.delivered).toBe(2);

    const recovered = await relay.client.recover(userId);
    expect(recovered).toMatchObject({ closedStatus: 'TERMINATED', carried: { pending: 0, deadLetters: 0 } });
    expect(recovered.carried.dedupEntries).toBe(1);
    // The new run knows the user: the purchase is still a duplicate and refundable; new events flow.
    expect((await relay.client.track(purchase(userId, 'evt_before', secondsAgo(20), '7.00'))).status).toBe('duplicate');
    expect(
      (await relay.client.refund({ userId, refundId: 'rf_after', purchaseEventId: 'evt_before', amount: '7.00', currency: 'USD', occurredAt: secondsAgo(1) }))
        .status,
    ).toBe('accepted');
    expect((await relay.client.track(purchase(userId, 'evt_after', secondsAgo(5)))).status).toBe('accepted');
    const status = await waitFor('the new run delivers', async () => {
      const s = await relay.client.status(userId);
      return s.counters.delivered === 6 ? s : undefined;
    });
    expect(status.installedAt).toBe(install.installedAt);
    expect(await userRuns(relay.temporal, userId)).toHaveLength(2);
  });
});

describe('signup amendment', () => {
  it('fills in install fields the first signup left out, never changes one already given, and the next requests carry them', async () => {
    const install = iosInstall({ app: 'demo-relaxed', osVersion: undefined, appVersion: undefined });
    registerInstall(relay.emulator, install);
    const userId = install.userId;
    expect((await relay.client.signup(install)).status).toBe('signed-up');
    const first = await relay.client.track(purchase(userId, 'evt_no_os', secondsAgo(10)));
    const af1 = await waitFor(
      'first AppsFlyer request',
      () => relay.emulator.requests({ deliveryId: first.deliveries.find((d) => d.destination === 'appsflyer')!.deliveryId })[0],
    );
    expect((af1.json as Record<string, unknown>).os).toBeUndefined();

    const again = await relay.client.signup({ ...install, osVersion: '17.4', appVersion: '3.1.0', customerUserId: 'changed' });
    expect(again).toMatchObject({ status: 'already-signed-up', amended: ['osVersion', 'appVersion'], ignoredDifferences: ['customerUserId'] });
    const second = await relay.client.track(purchase(userId, 'evt_with_os', secondsAgo(5)));
    const af2 = await waitFor(
      'second AppsFlyer request',
      () => relay.emulator.requests({ deliveryId: second.deliveries.find((d) => d.destination === 'appsflyer')!.deliveryId })[0],
    );
    expect(af2.json).toMatchObject({ os: '17.4', app_version_name: '3.1.0', customer_user_id: install.customerUserId });
  });
});

describe('dedup', () => {
  it('is exact past the old 1,000-id window: after 3,000 events a re-sent id is still a duplicate, and nothing was sent twice', async () => {
    const install = iosInstall({ app: 'demo-relaxed' });
    registerInstall(relay.emulator, install);
    const userId = install.userId;
    await relay.client.signup(install);
    const n = 3_000;
    const base = Date.now() - 3_600_000;
    const event = (i: number) => ({ userId, eventId: `evt_d${i}`, name: 'ping', occurredAt: new Date(base + i).toISOString() });
    for (let i = 0; i < n; i += 25) await Promise.all(Array.from({ length: 25 }, (_, k) => relay.client.trackSignal(event(i + k))));
    await waitFor(`${n} events delivered to AppsFlyer`, async () => (await relay.client.status(userId)).counters.delivered === n, 240_000, 1_000);
    for (const i of [0, 1, 500, 999]) expect((await relay.client.track(event(i))).status).toBe('duplicate');
    const status = await relay.client.status(userId);
    expect(status.counters).toMatchObject({ received: n, delivered: n, skipped: n, duplicateMessages: 4 });
    expect(status.dedup).toEqual({ entries: n });
    const first = relay.emulator.requests({ vendor: 'appsflyer' }).filter((r) => (r.json as { appsflyer_id?: string }).appsflyer_id === install.appsflyerId);
    expect(first).toHaveLength(n);
  }, 300_000);
});

describe('ad revenue', () => {
  it("reaches Adjust's /ad_revenue once, and is skipped for AppsFlyer with the reason", async () => {
    const install = iosInstall();
    registerInstall(relay.emulator, install);
    await relay.client.signup(install);
    const answer = await relay.client.adRevenue({
      userId: install.userId,
      eventId: 'ad_1',
      occurredAt: secondsAgo(30),
      revenue: '0.0125',
      currency: 'EUR',
      adImpressionsCount: 3,
      network: 'AdMob',
      placement: 'home',
    });
    expect(answer.deliveries.find((d) => d.destination === 'appsflyer')).toMatchObject({ outcome: 'skipped', detail: 'ad revenue is reported to Adjust only' });
    const adjust = answer.deliveries.find((d) => d.destination === 'adjust')!;
    const request = await waitFor('ad revenue request', () => relay.emulator.requests({ deliveryId: adjust.deliveryId }).find((r) => r.status === 200));
    expect(request.path).toMatch(/\/ad_revenue$/);
    expect(request.params).toMatchObject({
      source: 'publisher',
      revenue: '0.0125',
      currency: 'EUR',
      ad_impressions_count: '3',
      ad_revenue_network: 'AdMob',
      ad_revenue_placement: 'home',
    });
    expect(
      (
        await relay.client.adRevenue({
          userId: install.userId,
          eventId: 'ad_1',
          occurredAt: secondsAgo(30),
          revenue: '0.0125',
          currency: 'EUR',
          adImpressionsCount: 3,
        })
      ).status,
    ).toBe('duplicate');
  });
});
