// Loaded once per worker into the workflow sandbox's shared module cache (worker/bundle.ts: preloadModules),
// before any workflow exists: zod and the domain modules (message contract, configuration schema, routing,
// vendor builders, the workflow's public interface). Every cached user workflow then uses these instances
// instead of evaluating its own copy (about 0.9 MB per workflow otherwise, and the time to build them on
// every replay). The SDK deep-freezes shared modules after loading them, so this module also runs each schema
// through valid and invalid inputs first: zod fills its lazy internals on first use, which a frozen schema
// could no longer do. Nothing here may hold per-workflow state.
import { checkMessage, MESSAGES, ruleIssues, type MessageName } from './contract';
import { describeZod } from './contract/issues';
import { readTimestamp } from './contract/time';
import { DEFAULT_POLICY, RelayConfig, type PublicAppConfig } from './config';
import { dedupKey, deliveryDeadlineMs, messageBody, type Message } from './delivery';
import { deliveryId, hash30, hash64, userHash } from './ids';
import { addAmounts, compareAmounts, negateAmount, subtractAmounts } from './money';
import { adjustOrderKeys, adjustRoute, appsflyerRoute } from './routing';
import { buildAdjustRequest } from './vendors/adjust';
import { appsflyerEventFields, appsflyerInstallFields, buildAppsflyerEventRequest } from './vendors/appsflyer';
import './workflow-api';
import './search-attributes';
import './settings';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const AT = '2026-11-22T11:59:00Z';
const USER = 'warm_up_user';

/** Valid and invalid samples of every message, reaching every kind of check the schemas have. */
const SAMPLES: Record<MessageName, unknown[]> = {
  signup: [
    {
      userId: USER,
      app: 'warm-ios',
      platform: 'ios',
      installedAt: AT,
      deviceIds: { idfa: 'D2CADB5F-410F-4963-AC0C-2A78534BDF1E', idfv: '95C9BD22-4A4C-41C8-9548-ED07C5C8C145' },
      appsflyerId: '1234567890123-1234567',
      osVersion: '17.1',
      attStatus: 3,
      trackingEnabled: true,
      ip: '203.0.113.7',
      customerUserId: 'c1',
      appVersion: '1.0',
      userAgent: 'UA/1',
    },
    {
      userId: USER,
      app: 'warm-android',
      platform: 'android',
      installedAt: AT,
      deviceIds: {
        gps_adid: '660e1d86-6796-463a-be86-897993136018',
        oaid: 'x-1',
        android_id: 'abcdef12',
        fire_adid: 'df07c7dc-cea7-4a89-b328-810ff5acb15d',
        web_uuid: 'a9b8c7d6-e5f4-4321-8765-0fedcba98765',
        adid: '18546f6171f67e29d1cb983322ad1329',
      },
      ip: '::1',
    },
    {
      userId: '',
      app: 'Bad App',
      platform: 'tv',
      installedAt: '2026-02-30T10:00:00Z',
      deviceIds: { idfa: 'nope', gps_adid: 'nope', imei: '1' },
      appsflyerId: '1',
      osVersion: 'x',
      attStatus: 9,
      trackingEnabled: 'yes',
      ip: 'x',
      customerUserId: '\u0000',
      appVersion: '',
      userAgent: 7,
      extra: 1,
    },
    { userId: USER, app: 'warm-ios', platform: 'android', installedAt: '2026-11-22T10:00', deviceIds: 'x' },
    'not an object',
  ],
  track: [
    {
      userId: USER,
      eventId: 'e1',
      name: 'purchase',
      occurredAt: AT,
      revenue: '4.99',
      currency: 'USD',
      callbackParams: { 'items[0].sku': 'a' },
      partnerParams: { p: 'b' },
      eventValue: { af_content_id: 'x' },
      sharingFilter: ['partner'],
    },
    { userId: USER, eventId: 'e2', name: 'trial', occurredAt: '2026-11-22T13:59:00+02:00', sharingFilter: 'all' },
    {
      userId: USER,
      eventId: '',
      name: 'Bad',
      occurredAt: '2026-13-01T00:00:00Z',
      revenue: 4.99,
      currency: 'XXX',
      callbackParams: { a: 1 },
      partnerParams: [],
      eventValue: { af_revenue: '1', '\u0007': 'x'.repeat(2000) },
      sharingFilter: Array(30).fill('p'),
      other: true,
    },
    { userId: USER, eventId: 'e3', name: 'purchase', occurredAt: AT, revenue: '0', currency: 'usd' },
    { userId: USER, eventId: 'e4', name: 'purchase', occurredAt: AT, revenue: '00.1' },
    { userId: USER, eventId: 'e5', name: 'purchase', occurredAt: AT, currency: 'EUR', sharingFilter: 3 },
  ],
  refund: [
    { userId: USER, refundId: 'r1', purchaseEventId: 'e1', amount: '1.00', currency: 'USD', occurredAt: AT, reason: 'r' },
    { userId: USER, refundId: 'r 1', purchaseEventId: 7, amount: '-1', currency: 'US', occurredAt: 'yesterday', reason: '' },
  ],
  adRevenue: [
    {
      userId: USER,
      eventId: 'a1',
      occurredAt: AT,
      revenue: '0.01',
      currency: 'USD',
      adImpressionsCount: 2,
      network: 'n',
      unit: 'u',
      placement: 'p',
      callbackParams: { k: 'v' },
    },
    { userId: USER, eventId: 'a2', occurredAt: AT, revenue: '1e3', currency: 'USD', adImpressionsCount: 0.5 },
    { userId: USER, eventId: 'a3', occurredAt: AT, revenue: '1', currency: 'USD' },
  ],
  redrive: [{}, { ids: ['dlv_adj_0123456789abcdef'] }, { ids: ['bad id'] }, { ids: 'x' }],
  forget: [
    { userId: USER, reason: 'request' },
    { userId: USER, reason: 3 },
  ],
};

const WARM_CONFIG = RelayConfig.parse({
  apps: {
    'warm-ios': {
      platform: 'ios',
      bundleId: 'com.example.warm',
      adjust: {
        appToken: 'abcdefabcdef',
        events: { purchase: { token: 'p4rch1', revenue: true }, trial: { token: 'tr1al1' } },
        refundToken: 'r3fnd1',
        adRevenue: true,
      },
      appsflyer: { appId: 'id1', key: { env: 'WARM_UP' }, events: { purchase: 'af_purchase' }, sharingFilter: 'all' },
    },
  },
});

function warmUp(): void {
  const app = WARM_CONFIG.apps['warm-ios'] as unknown as PublicAppConfig;
  const ctx = { nowMs: NOW, policy: DEFAULT_POLICY, appKey: 'warm-ios', app };
  for (const [name, samples] of Object.entries(SAMPLES) as Array<[MessageName, unknown[]]>) {
    for (const sample of samples) {
      checkMessage(name, sample);
      checkMessage(name, sample, ctx);
      const parsed = MESSAGES[name].safeParse(sample);
      if (!parsed.success) describeZod(parsed.error);
    }
  }
  const install = SAMPLES.signup[0] as Parameters<typeof ruleIssues<'signup'>>[1];
  ruleIssues('signup', install, ctx);
  const tracks = (SAMPLES.track.slice(0, 2) as Array<Extract<Message, { kind: 'track' }>['track']>).map((track) => ({ kind: 'track' as const, track }));
  const messages: Message[] = [
    ...tracks,
    { kind: 'refund', refund: SAMPLES.refund[0] as Extract<Message, { kind: 'refund' }>['refund'] },
    { kind: 'adRevenue', adRevenue: SAMPLES.adRevenue[0] as Extract<Message, { kind: 'adRevenue' }>['adRevenue'] },
  ];
  for (const message of messages) {
    ruleIssues(message.kind, messageBody(message) as never, { ...ctx, install });
    adjustRoute(message, app, install);
    appsflyerRoute(message, app, install);
    adjustOrderKeys(message, app);
    for (const destination of ['adjust', 'appsflyer'] as const) {
      const item = { deliveryId: deliveryId(USER, dedupKey(message), destination), destination, message, occurredAtMs: NOW };
      deliveryDeadlineMs(item, DEFAULT_POLICY);
      try {
        if (destination === 'adjust') buildAdjustRequest(item, install, app, WARM_CONFIG.vendors, 'token');
        else {
          appsflyerInstallFields(install, app);
          appsflyerEventFields(item, app);
          buildAppsflyerEventRequest(item, install, app, WARM_CONFIG.vendors, 'key');
        }
      } catch {
        // Refusals are part of the warm-up (ad revenue to AppsFlyer, for one).
      }
    }
  }
  readTimestamp('2024-02-29T23:59:59.999+14:00');
  compareAmounts(addAmounts('1.5', subtractAmounts('2', '0.25')), negateAmount('1'));
  hash64('warm');
  hash30('warm');
  userHash(USER);
}

warmUp();

/** For tests: the warm-up ran (and can be run again on frozen schemas without throwing). */
export const warmedUp = warmUp;
