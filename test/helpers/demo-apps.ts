// Shared test inputs for pure tests and the send-activity tests: the demo apps as the relay configuration
// describes them, signups (install contexts) for an iOS and an Android user that the contract accepts, the
// messages, and delivery items built the way the user workflow builds them (domain/delivery.ts).
import { publicAppConfig, RelayConfig, type PublicAppConfig, type RelayConfigInput } from '../../domain/config';
import { Signup } from '../../domain/contract/install';
import type { AdRevenue, Refund, Track } from '../../domain/contract/messages';
import { timestampMs } from '../../domain/contract/time';
import { dedupKey, messageBody, type DeliveryItem, type Destination, type Message } from '../../domain/delivery';
import { deliveryId } from '../../domain/ids';

export const IOS_IDFA = 'D2CADB5F-410F-4963-AC0C-2A78534BDF1E';
export const IOS_IDFV = '95C9BD22-4A4C-41C8-9548-ED07C5C8C145';
export const ANDROID_GAID = '660e1d86-6796-463a-be86-897993136018';
export const AF_ID = '1234567890123-1234567';
export const ADJUST_S2S_TOKEN = 'demo-adjust-s2s-token';
export const AF_KEY = 'demo-appsflyer-s2s-key';

export const demoConfigInput = (base = 'http://127.0.0.1:9'): RelayConfigInput => ({
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

export const demoConfig: RelayConfig = RelayConfig.parse(demoConfigInput());
/** The demo apps as a user workflow and the request builders see them (no secret references). */
export const iosApp: PublicAppConfig = publicAppConfig(demoConfig.apps['demo-ios'] as RelayConfig['apps'][string]);
export const androidApp: PublicAppConfig = publicAppConfig(demoConfig.apps['demo-android'] as RelayConfig['apps'][string]);
export const vendors = demoConfig.vendors;

/** One app of a configuration, parsed and without secrets: `app({platform: 'ios', appsflyer: {...}})`. */
export function appFrom(input: Record<string, unknown>): PublicAppConfig {
  const config = RelayConfig.parse({ apps: { x: input } });
  return publicAppConfig(config.apps.x as RelayConfig['apps'][string]);
}

/** A copy of `base` with parts replaced (parsed again, so defaults and checks apply); null removes a vendor. */
export function appWith(
  base: PublicAppConfig,
  patch: { platform?: 'ios' | 'android'; bundleId?: string; adjust?: Record<string, unknown> | null; appsflyer?: Record<string, unknown> | null },
): PublicAppConfig {
  const input: Record<string, unknown> = { platform: patch.platform ?? base.platform };
  if (patch.bundleId ?? base.bundleId) input.bundleId = patch.bundleId ?? base.bundleId;
  if (patch.adjust !== null && (base.adjust || patch.adjust)) input.adjust = { ...base.adjust, ...patch.adjust };
  if (patch.appsflyer !== null && (base.appsflyer || patch.appsflyer)) input.appsflyer = { key: { env: 'TEST_AF_KEY' }, ...base.appsflyer, ...patch.appsflyer };
  return appFrom(input);
}

/** Drops keys whose value is undefined (an override that removes a field). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** An iOS signup as a backend sends it (not checked: contract tests use it for refusals too). */
export function iosSignup(overrides: Record<string, unknown> = {}): Signup {
  return defined({
    userId: 'user_ios_1',
    app: 'demo-ios',
    installedAt: '2016-01-01T00:00:00Z',
    platform: 'ios',
    deviceIds: { idfa: IOS_IDFA, idfv: IOS_IDFV },
    appsflyerId: AF_ID,
    customerUserId: 'cuid_1',
    ip: '203.0.113.7',
    osVersion: '17.1',
    attStatus: 3,
    appVersion: '2.4.0',
    ...overrides,
  }) as Signup;
}

export function androidSignup(overrides: Record<string, unknown> = {}): Signup {
  return defined({
    userId: 'user_android_1',
    app: 'demo-android',
    installedAt: '2016-01-01T00:00:00Z',
    platform: 'android',
    deviceIds: { gps_adid: ANDROID_GAID },
    appsflyerId: AF_ID,
    trackingEnabled: true,
    osVersion: '14',
    ...overrides,
  }) as Signup;
}

/** An iOS signup the contract's shape accepts (checked: a fixture it would refuse fails loudly). */
export function iosUser(overrides: Partial<Signup> = {}): Signup {
  return Signup.parse(iosSignup(overrides));
}

export function androidUser(overrides: Partial<Signup> = {}): Signup {
  return Signup.parse(androidSignup(overrides));
}

let counter = 0;
export const OCCURRED_AT = '2026-11-22T10:15:00.123Z';

/** A purchase of 4.99 USD (override any field; `revenue: undefined` removes it). */
export function track(overrides: Partial<Track> = {}, userId = 'user_ios_1'): Track {
  return defined({ userId, eventId: `evt_${++counter}`, name: 'purchase', occurredAt: OCCURRED_AT, revenue: '4.99', currency: 'USD', ...overrides });
}

export function refund(overrides: Partial<Refund> = {}, userId = 'user_ios_1'): Refund {
  return defined({ userId, refundId: `rf_${++counter}`, purchaseEventId: 'evt_1', amount: '2.5', currency: 'EUR', occurredAt: OCCURRED_AT, ...overrides });
}

export function adRevenue(overrides: Partial<AdRevenue> = {}, userId = 'user_ios_1'): AdRevenue {
  return defined({ userId, eventId: `ad_${++counter}`, occurredAt: OCCURRED_AT, revenue: '0.01', currency: 'USD', adImpressionsCount: 1, ...overrides });
}

/** A delivery of any message to one vendor, with the id and time the workflow gives it. */
export function delivery(destination: Destination, message: Message, extra: Partial<DeliveryItem> = {}): DeliveryItem {
  const body = messageBody(message);
  return { deliveryId: deliveryId(body.userId, dedupKey(message), destination), destination, message, occurredAtMs: timestampMs(body.occurredAt), ...extra };
}

/** A delivery of a tracked event (a 4.99 USD purchase unless overridden). */
export function item(destination: Destination, overrides: Partial<Track> = {}, userId = 'user_ios_1', extra: Partial<DeliveryItem> = {}): DeliveryItem {
  return delivery(destination, { kind: 'track', track: track(overrides, userId) }, extra);
}

/** Form body → plain object. */
export function formParams(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}
