// Settings come from the worker: a user whose app is missing from the worker's configuration has its
// messages held (nothing lost, the problem visible in the status) and they flow on their own once the
// configuration is fixed and the workers restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfigFileInput } from '../../domain/app-config';
import { purchase, secondsAgo } from '../helpers/events';
import { demoAppConfig, startRelay, TEST_POLICY, waitFor, type RelayHarness } from '../helpers/relay';
import { appsflyerId } from '../helpers/users';

const policy = { ...TEST_POLICY, settingsRetryInterval: '1s' };
let relay: RelayHarness;
let full: AppConfigFileInput;
beforeAll(async () => {
  relay = await startRelay({
    appConfig: (url) => {
      full = demoAppConfig(url, policy);
      const { ['demo-android']: _missing, ...apps } = full.apps;
      return { ...full, apps };
    },
  });
});
afterAll(async () => {
  await relay?.stop();
});

describe('settings', () => {
  it('holds messages for an app the worker does not know, and delivers them after the configuration is fixed', async () => {
    const userId = `android-${Date.now()}`;
    const deviceIds = { gps_adid: '660e1d86-6796-463a-be86-897993136018' };
    const afId = appsflyerId();
    relay.emulator.registerInstall({ appsflyerId: afId, deviceIds, installedAt: new Date(Date.now() - 3_600_000).toISOString(), processingDelayMs: 0 });
    await relay.client.signup({ userId, app: 'demo-android', platform: 'android', installedAt: new Date(Date.now() - 3_600_000).toISOString(), deviceIds, appsflyerId: afId });
    await relay.client.track(purchase(userId, 'evt_android', secondsAgo(5)));
    const stuck = await waitFor('settings problem visible', async () => {
      const s = await relay.client.status(userId);
      return s.settingsProblem ? s : undefined;
    });
    expect(stuck.settingsProblem).toMatch(/app "demo-android" is not in the worker's app configuration/);
    expect(stuck.held).toBe(1);

    await relay.stopWorkers();
    await relay.restartWorkers(full);
    const done = await waitFor('delivered after the fix', async () => {
      const s = await relay.client.status(userId);
      return s.counters.delivered === 2 ? s : undefined;
    }, 20_000);
    expect(done.settingsProblem).toBeUndefined();
    // The Android app has S2S security on: the Adjust request carried the configured token.
    const [adjust] = relay.emulator.requests({ vendor: 'adjust' }).filter((r) => r.params?.gps_adid === deviceIds.gps_adid);
    expect(adjust?.status).toBe(200);
  });
});
