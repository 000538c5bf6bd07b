// Shared test inputs for the send-activity tests: the demo apps (as the relay config describes them),
// install contexts for an iOS and an Android user, and delivery items built the way the workflow builds them.
import { AppConfigFile, type AppConfig, type AppConfigFileInput } from '../../domain/app-config';
import type { DeliveryItem } from '../../domain/delivery';
import { deliveryId } from '../../domain/ids';
import { InstallContext, type InstallContextInput } from '../../domain/install';

export const IOS_IDFA = 'D2CADB5F-410F-4963-AC0C-2A78534BDF1E';
export const ANDROID_GAID = '660e1d86-6796-463a-be86-897993136018';
export const AF_ID = '1234567890123-1234567';
export const ADJUST_S2S_TOKEN = 'demo-adjust-s2s-token';
export const AF_KEY = 'demo-appsflyer-s2s-key';

export const demoConfigInput = (base = 'http://127.0.0.1:9'): AppConfigFileInput => ({
  apps: {
    'demo-ios': {
      platform: 'ios',
      bundleId: 'com.example.s2srelay',
      adjust: {
        appToken: '4w565xzmb54d',
        environment: 'sandbox',
        events: {
          purchase: { token: 'p4rch1', revenue: true },
          renewal: { token: 'r3new1', revenue: true },
          trial: { token: 'tr1al1' },
          open: { token: 'f0ob4r' },
          signup: { token: 's1gnup', unique: true },
        },
        refundToken: 'r3fnd1',
      },
      appsflyer: {
        appId: 'id1234567890',
        key: { env: 'TEST_AF_KEY' },
        events: { purchase: 'af_purchase', renewal: 'renewal', trial: 'af_start_trial' },
      },
    },
    'demo-android': {
      platform: 'android',
      bundleId: 'com.example.s2srelay',
      adjust: {
        appToken: '2fm6y3pm9ahs',
        environment: 'sandbox',
        s2sToken: { env: 'TEST_ADJUST_TOKEN' },
        events: { purchase: { token: 'p4rch2', revenue: true }, trial: { token: 'tr1al2' } },
        refundToken: 'r3fnd2',
      },
      appsflyer: { appId: 'com.example.s2srelay', key: { env: 'TEST_AF_KEY' }, events: { purchase: 'af_purchase' } },
    },
  },
  vendors: { adjustBaseUrl: `${base}/adjust`, appsflyerApi3BaseUrl: `${base}/appsflyer`, appsflyerApi2BaseUrl: `${base}/appsflyer` },
});

export const testEnv = { TEST_AF_KEY: AF_KEY, TEST_ADJUST_TOKEN: ADJUST_S2S_TOKEN };

export const demoConfig: AppConfigFile = AppConfigFile.parse(demoConfigInput());
export const iosApp: AppConfig = demoConfig.apps['demo-ios'] as AppConfig;
export const androidApp: AppConfig = demoConfig.apps['demo-android'] as AppConfig;
export const vendors = demoConfig.vendors;

export function iosUser(overrides: Partial<InstallContextInput> = {}): InstallContext {
  return InstallContext.parse({
    userId: 'user_ios_1',
    app: 'demo-ios',
    installedAt: '2016-01-01T00:00:00Z',
    platform: 'ios',
    deviceIds: { idfa: IOS_IDFA, idfv: '95C9BD22-4A4C-41C8-9548-ED07C5C8C145' },
    appsflyerId: AF_ID,
    customerUserId: 'cuid_1',
    ip: '203.0.113.7',
    osVersion: '17.1',
    attStatus: 3,
    appVersion: '2.4.0',
    ...overrides,
  });
}

export function androidUser(overrides: Partial<InstallContextInput> = {}): InstallContext {
  return InstallContext.parse({
    userId: 'user_android_1',
    app: 'demo-android',
    installedAt: '2016-01-01T00:00:00Z',
    platform: 'android',
    deviceIds: { gps_adid: ANDROID_GAID },
    appsflyerId: AF_ID,
    trackingEnabled: true,
    osVersion: '14',
    ...overrides,
  });
}

let counter = 0;
export function item(destination: 'adjust' | 'appsflyer', overrides: Partial<DeliveryItem> = {}, userId = 'user_ios_1'): DeliveryItem {
  const sourceId = overrides.sourceId ?? `evt_${++counter}`;
  return {
    deliveryId: deliveryId(userId, `event:${sourceId}`, destination),
    destination,
    kind: 'event',
    sourceId,
    name: 'purchase',
    occurredAtMs: Date.parse('2026-11-22T10:15:00.123Z'),
    revenue: '4.99',
    currency: 'USD',
    ...overrides,
  };
}

/** Form body → plain object. */
export function formParams(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}
