// Settings come from the worker's configuration: a signup for an app it does not have is refused (nothing
// recorded, the workflow keeps running) and accepted once the configuration has it; a signed-up user whose
// app disappears from the configuration has its messages held, visibly, and they flow once it is fixed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayInputError } from '../../../client/errors';
import type { RelayConfigInput } from '../../../domain/config';
import { purchase, secondsAgo } from '../../helpers/events';
import { demoAppConfig, startRelay, TEST_POLICY, waitFor, type RelayHarness } from '../../helpers/relay';
import { appsflyerId } from '../../helpers/users';

const policy = { ...TEST_POLICY, settingsRetryInterval: '1s' };
let relay: RelayHarness;
let full: RelayConfigInput;
let withoutAndroid: RelayConfigInput;
beforeAll(async () => {
  relay = await startRelay({
    appConfig: (url) => {
      full = demoAppConfig(url, policy);
      const { ['demo-android']: _missing, ...apps } = full.apps;
      withoutAndroid = { ...full, apps };
      return withoutAndroid;
    },
  });
});
afterAll(async () => {
  await relay?.stop();
});

describe('settings', () => {
  it('refuses a signup for an app the configuration lacks, holds messages while an app is missing, and delivers once fixed', async () => {
    const userId = `android-${Date.now()}`;
    const deviceIds = { gps_adid: '660e1d86-6796-463a-be86-897993136018' };
    const afId = appsflyerId();
    const installedAt = new Date(Date.now() - 3_600_000).toISOString();
    relay.emulator.registerInstall({ appsflyerId: afId, deviceIds, installedAt, processingDelayMs: 0 });
    const signup = { userId, app: 'demo-android', platform: 'android' as const, installedAt, deviceIds, appsflyerId: afId, osVersion: '14' };

    const refused = await relay.client.signup(signup).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RelayInputError);
    expect((refused as RelayInputError).issues).toEqual([
      { path: 'app', message: expect.stringMatching(/app "demo-android" is not in the relay configuration \(configured: demo-ios\)/) },
    ]);
    expect((await relay.client.status(userId)).installedAt).toBeUndefined();

    await relay.stopWorkers();
    await relay.restartWorkers(full);
    expect((await relay.client.signup(signup)).status).toBe('signed-up');
    await relay.client.track(purchase(userId, 'evt_android_1', secondsAgo(5)));
    await waitFor('first event delivered', async () => (await relay.client.status(userId)).counters.delivered === 2, 20_000);

    // The app disappears from the configuration; a redrive reloads the settings, and new messages are held.
    await relay.stopWorkers();
    await relay.restartWorkers(withoutAndroid);
    await relay.client.redrive(userId);
    await relay.client.track(purchase(userId, 'evt_android_2', secondsAgo(5)));
    const stuck = await waitFor('settings problem visible', async () => {
      const s = await relay.client.status(userId);
      return s.settingsProblem && s.held === 1 ? s : undefined;
    });
    expect(stuck.settingsProblem).toMatch(/app "demo-android" is not in the relay configuration/);

    await relay.stopWorkers();
    await relay.restartWorkers(full);
    const done = await waitFor(
      'delivered after the fix',
      async () => {
        const s = await relay.client.status(userId);
        return s.counters.delivered === 4 ? s : undefined;
      },
      20_000,
    );
    expect(done.settingsProblem).toBeUndefined();
    // The Android app has S2S security on: the Adjust request carried the configured token.
    const [adjust] = relay.emulator.requests({ vendor: 'adjust' }).filter((r) => r.params?.gps_adid === deviceIds.gps_adid);
    expect(adjust?.status).toBe(200);
  });
});
