// Pure tests of the AppsFlyer request builder (domain/vendors/appsflyer.ts): every body field, refunds as
// negative revenue, event-name mapping, ua (api3 only), aie, sharing_filter (app- and event-level), the
// 1 KB limit, every refusal, and the API reference's example events rebuilt from equivalent inputs.
import { describe, expect, it } from 'vitest';
import { InvalidRequestError, VendorConfigMissingError } from '../../../domain/errors';
import { appsflyerEventTime, buildAppsflyerEventRequest } from '../../../domain/vendors/appsflyer';
import {
  AF_ID,
  AF_KEY,
  adRevenue,
  androidApp,
  androidUser,
  appWith,
  delivery,
  IOS_IDFA,
  IOS_IDFV,
  iosApp,
  iosUser,
  item,
  refund,
  vendors,
} from '../../helpers/demo-apps';

const body = (req: { body: string }) => JSON.parse(req.body) as Record<string, unknown>;
const eventValue = (req: { body: string }) => {
  const text = body(req).eventValue;
  expect(typeof text).toBe('string');
  return text === '' ? '' : (JSON.parse(text as string) as Record<string, string>);
};
const build = (it1: ReturnType<typeof item>, user = iosUser(), app = iosApp) => buildAppsflyerEventRequest(it1, user, app, vendors, AF_KEY);

function refusal(fn: () => unknown): InvalidRequestError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return error as InvalidRequestError;
  }
  throw new Error('expected an InvalidRequestError');
}

describe('buildAppsflyerEventRequest', () => {
  it('builds an iOS purchase with every field', () => {
    const it1 = item('appsflyer', { eventValue: { af_content_id: 'sku_1' } });
    const req = build(it1);
    expect(req.method).toBe('POST');
    expect(req.url).toBe('http://127.0.0.1:9/appsflyer/inappevent/id1234567890');
    expect(req.headers).toEqual({ 'content-type': 'application/json', authentication: AF_KEY });
    expect(req.warnings).toEqual([]);
    expect(body(req)).toEqual({
      appsflyer_id: AF_ID,
      eventName: 'af_purchase',
      eventValue: JSON.stringify({ af_revenue: '4.99', af_currency: 'USD', af_content_id: 'sku_1', s2s_delivery_id: it1.deliveryId }),
      eventTime: '2026-11-22 10:15:00.123',
      eventCurrency: 'USD',
      os: '17.1',
      ip: '203.0.113.7',
      customer_user_id: 'cuid_1',
      idfa: IOS_IDFA,
      idfv: IOS_IDFV,
      att: 3,
      bundleIdentifier: 'com.example.s2srelay',
      app_version_name: '2.4.0',
    });
    expect(req.body).not.toContain(AF_KEY);
  });

  it('maps Android ids: advertising_id, oaid, amazon_aid (Google and Fire ids lower-case); no att', () => {
    const user = androidUser({
      deviceIds: { gps_adid: '660E1D86-6796-463A-BE86-897993136018', oaid: 'oaid-1', fire_adid: 'df07c7dc-cea7-4a89-b328-810ff5acb15d' },
    });
    const b = body(build(item('appsflyer', {}, 'user_android_1'), user, androidApp));
    expect(b).toMatchObject({
      advertising_id: '660e1d86-6796-463a-be86-897993136018',
      oaid: 'oaid-1',
      amazon_aid: 'df07c7dc-cea7-4a89-b328-810ff5acb15d',
      os: '14',
    });
    expect(b).not.toHaveProperty('att');
    expect(b).not.toHaveProperty('idfa');
    expect(b).not.toHaveProperty('android_id');
  });

  it('sends aie from trackingEnabled on Android, and on iOS only when no ATT status is known', () => {
    expect(body(build(item('appsflyer', {}, 'user_android_1'), androidUser({ trackingEnabled: true }), androidApp)).aie).toBe(true);
    expect(body(build(item('appsflyer', {}, 'user_android_1'), androidUser({ trackingEnabled: false }), androidApp)).aie).toBe(false);
    expect(body(build(item('appsflyer', {}, 'user_android_1'), androidUser({ trackingEnabled: undefined }), androidApp))).not.toHaveProperty('aie');
    const iosAtt = body(build(item('appsflyer'), iosUser({ attStatus: 2, trackingEnabled: true })));
    expect(iosAtt.att).toBe(2);
    expect(iosAtt).not.toHaveProperty('aie');
    const iosNoAtt = body(build(item('appsflyer'), iosUser({ attStatus: undefined, trackingEnabled: false })));
    expect(iosNoAtt.aie).toBe(false);
    expect(iosNoAtt).not.toHaveProperty('att');
  });

  it('sends the device user agent as ua on api3 only (api2 does not document it)', () => {
    const ua = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36';
    expect(body(build(item('appsflyer', {}, 'user_android_1'), androidUser({ userAgent: ua }), androidApp)).ua).toBe(ua);
    const api2 = appWith(androidApp, { appsflyer: { apiVersion: 'api2' } });
    expect(body(build(item('appsflyer', {}, 'user_android_1'), androidUser({ userAgent: ua }), api2))).not.toHaveProperty('ua');
    expect(body(build(item('appsflyer', {}, 'user_android_1'), androidUser(), androidApp))).not.toHaveProperty('ua');
  });

  it('sends sharing_filter from the event, else from the app, else not at all', () => {
    const appLevel = appWith(iosApp, { appsflyer: { sharingFilter: ['googleadwords_int', 'Apple Search Ads'] } });
    expect(body(build(item('appsflyer'), iosUser(), appLevel)).sharing_filter).toEqual(['googleadwords_int', 'Apple Search Ads']);
    expect(body(build(item('appsflyer', { sharingFilter: 'all' }), iosUser(), appLevel)).sharing_filter).toBe('all');
    expect(body(build(item('appsflyer', { sharingFilter: ['twitter'] }))).sharing_filter).toEqual(['twitter']);
    expect(body(build(item('appsflyer')))).not.toHaveProperty('sharing_filter');
    // Refunds follow the app's filter.
    expect(
      body(build(delivery('appsflyer', { kind: 'refund', refund: refund() }), iosUser(), appWith(iosApp, { appsflyer: { sharingFilter: 'all' } })))
        .sharing_filter,
    ).toBe('all');
  });

  it('uses the api2 base URL when the app says so, and URL-encodes the app id', () => {
    const app = appWith(androidApp, { appsflyer: { apiVersion: 'api2' } });
    const req = buildAppsflyerEventRequest(
      item('appsflyer', {}, 'user_android_1'),
      androidUser(),
      app,
      { ...vendors, appsflyerApi2BaseUrl: 'https://api2.example' },
      AF_KEY,
    );
    expect(req.url).toBe('https://api2.example/inappevent/com.example.s2srelay');
    const odd = appWith(androidApp, { appsflyer: { appId: 'com.example.a_b' } });
    expect(build(item('appsflyer', {}, 'user_android_1'), androidUser(), odd).url).toBe('http://127.0.0.1:9/appsflyer/inappevent/com.example.a_b');
  });

  it("sends refunds as negative af_revenue under the refund event name, in the refund's currency", () => {
    const message = { kind: 'refund' as const, refund: refund({ amount: '2.5', currency: 'EUR' }) };
    const it1 = delivery('appsflyer', message);
    const req = build(it1);
    expect(body(req).eventName).toBe('cancel_purchase');
    expect(eventValue(req)).toEqual({ af_revenue: '-2.5', af_currency: 'EUR', s2s_delivery_id: it1.deliveryId });
    expect(body(req).eventCurrency).toBe('EUR');
    expect(eventValue(build(delivery('appsflyer', { kind: 'refund', refund: refund({ amount: '1234.56' }) }))) as Record<string, string>).toMatchObject({
      af_revenue: '-1234.56',
    });
    expect(body(build(delivery('appsflyer', message), iosUser(), appWith(iosApp, { appsflyer: { refundEventName: 'af_refund' } }))).eventName).toBe(
      'af_refund',
    );
  });

  it('sends revenue exactly as given (no float rounding)', () => {
    expect(eventValue(build(item('appsflyer', { revenue: '99999999999.99999' }))) as Record<string, string>).toMatchObject({ af_revenue: '99999999999.99999' });
    expect(eventValue(build(item('appsflyer', { revenue: '0.10' }))) as Record<string, string>).toMatchObject({ af_revenue: '0.10' });
  });

  it('maps event names; unmapped names pass through by default, or are refused with "skip"', () => {
    expect(body(build(item('appsflyer', { name: 'trial', revenue: undefined, currency: undefined }))).eventName).toBe('af_start_trial');
    expect(body(build(item('appsflyer', { name: 'level_up' }))).eventName).toBe('level_up');
    const skip = appWith(iosApp, { appsflyer: { unmappedEvents: 'skip' } });
    expect(refusal(() => build(item('appsflyer', { name: 'level_up' }), iosUser(), skip))).toMatchObject({
      field: 'name',
      message: 'name: no AppsFlyer event name configured for "level_up" (unmappedEvents: skip)',
    });
  });

  it('sends eventValue "" and no eventCurrency when there is nothing to put in them', () => {
    const app = appWith(iosApp, { appsflyer: { deliveryIdKey: false } });
    const req = build(item('appsflyer', { name: 'trial', revenue: undefined, currency: undefined }), iosUser(), app);
    expect(body(req).eventValue).toBe('');
    expect(body(req)).not.toHaveProperty('eventCurrency');
  });

  it('puts the delivery id under a configured eventValue key, over anything else of that name', () => {
    const app = appWith(iosApp, { appsflyer: { deliveryIdKey: 'relay_id' } });
    const it1 = item('appsflyer', { eventValue: { relay_id: 'mine', other: 'x' } });
    expect(eventValue(build(it1, iosUser(), app))).toEqual({ af_revenue: '4.99', af_currency: 'USD', relay_id: it1.deliveryId, other: 'x' });
  });

  it('keeps eventValue keys such as items[0].sku and escapes values inside the eventValue string', () => {
    const it1 = item('appsflyer', { eventValue: { 'items[0].sku': 'a "quoted" \\ value', emoji: '😀' } });
    expect(eventValue(build(it1)) as Record<string, string>).toMatchObject({ 'items[0].sku': 'a "quoted" \\ value', emoji: '😀' });
  });

  it('formats eventTime as yyyy-MM-dd HH:mm:ss.SSS UTC from sendAtMs, else occurredAtMs', () => {
    expect(appsflyerEventTime(Date.parse('2019-05-15T12:17:01.123Z'))).toBe('2019-05-15 12:17:01.123');
    expect(appsflyerEventTime(Date.parse('2019-05-15T14:17:01+02:00'))).toBe('2019-05-15 12:17:01.000');
    const req = build(item('appsflyer', {}, 'user_ios_1', { sendAtMs: Date.parse('2026-01-02T03:04:05.006Z') }));
    expect(body(req).eventTime).toBe('2026-01-02 03:04:05.006');
    expect(body(build(item('appsflyer', { occurredAt: '2026-11-22T12:15:00.5+02:00' }))).eventTime).toBe('2026-11-22 10:15:00.500');
  });

  it('leaves IPv6 out and warns when an iOS user has no os version (still builds)', () => {
    const req = build(item('appsflyer'), iosUser({ ip: '2001:db8::1', osVersion: undefined }));
    expect(body(req)).not.toHaveProperty('ip');
    expect(body(req)).not.toHaveProperty('os');
    expect(req.warnings).toEqual(['os (iOS version) unknown: AppsFlyer treats iOS events without "os" as iOS 14.5']);
    expect(build(item('appsflyer', {}, 'user_android_1'), androidUser({ osVersion: undefined }), androidApp).warnings).toEqual([]);
  });

  describe('refuses what AppsFlyer would reject', () => {
    it('a user without appsflyer_id, saying AppsFlyer requires it', () => {
      expect(refusal(() => build(item('appsflyer'), iosUser({ appsflyerId: undefined })))).toMatchObject({
        field: 'user.appsflyerId',
        message: 'user.appsflyerId: AppsFlyer requires it (appsflyer_id is a mandatory field); give the install context an appsflyerId',
      });
    });

    it('an Adjust delivery, and ad revenue (Adjust only)', () => {
      expect(refusal(() => build(item('adjust'))).field).toBe('destination');
      expect(refusal(() => build(delivery('appsflyer', { kind: 'adRevenue', adRevenue: adRevenue() })))).toMatchObject({
        field: 'name',
        message: 'name: ad revenue is reported to Adjust only',
      });
    });

    it('a body over 1 KB, naming its size and the limit', () => {
      const error = refusal(() => build(item('appsflyer', { eventValue: { note: 'x'.repeat(900) } })));
      expect(error.field).toBe('body');
      expect(error.message).toMatch(/^body: the JSON payload is 1\d{3} bytes; AppsFlyer accepts at most 1024 \(1 KB\)$/);
    });

    it('builds 1,024 bytes and refuses 1,025 (UTF-8 bytes, not characters)', () => {
      const sized = (n: number, ch = 'x') => item('appsflyer', { eventValue: { note: ch.repeat(n) } }, 'user_ios_1', { deliveryId: 'dlv_af_0000000000000000' });
      const base = Buffer.byteLength(build(sized(0)).body);
      expect(Buffer.byteLength(build(sized(1024 - base)).body)).toBe(1024);
      expect(refusal(() => build(sized(1025 - base))).message).toMatch(/is 1025 bytes/);
      // é is 2 bytes: half as many fit.
      expect(Buffer.byteLength(build(sized(Math.floor((1024 - base) / 2), 'é')).body)).toBeLessThanOrEqual(1024);
      expect(() => build(sized(Math.floor((1024 - base) / 2) + 1, 'é'))).toThrow(InvalidRequestError);
    });

    it('an app without an appsflyer section is a configuration problem', () => {
      expect(() => build(item('appsflyer'), iosUser(), appWith(iosApp, { appsflyer: null }))).toThrow(VendorConfigMissingError);
    });
  });

  describe("the API reference's example events", () => {
    const guideApp = (platform: 'ios' | 'android', appId: string) =>
      appWith(platform === 'ios' ? iosApp : androidApp, {
        bundleId: 'com.myapp',
        adjust: null,
        appsflyer: { appId, events: { purchase: 'af_purchase' }, deliveryIdKey: false },
      });
    const exampleValue = { af_revenue: '6', af_content_type: 'wallets', af_content_id: '15854', your_custom_attribute: '456.123' };
    const exampleItem = (userId: string) =>
      item(
        'appsflyer',
        {
          revenue: '6',
          currency: 'USD',
          occurredAt: '2019-05-15T12:17:01.123Z',
          eventValue: { af_content_type: 'wallets', af_content_id: '15854', your_custom_attribute: '456.123' },
        },
        userId,
      );

    it('Android (api3 AndroidIds example values)', () => {
      const user = androidUser({
        deviceIds: { gps_adid: '9c9a82fb-d5de-4cd1-90c3-527441c11828', oaid: '1fe9a970-efbb-29e0-0bdd-f5dbbf751ab5' },
        customerUserId: 'customer_user_id',
        ip: '192.0.2.1',
        appVersion: 'my_app_version',
        trackingEnabled: undefined,
      });
      const ours = body(build(exampleItem(user.userId), user, guideApp('android', 'com.myapp')));
      expect(ours).toMatchObject({
        advertising_id: '9c9a82fb-d5de-4cd1-90c3-527441c11828',
        oaid: '1fe9a970-efbb-29e0-0bdd-f5dbbf751ab5',
        appsflyer_id: '1234567890123-1234567',
        customer_user_id: 'customer_user_id',
        ip: '192.0.2.1',
        app_version_name: 'my_app_version',
        eventName: 'af_purchase',
        eventTime: '2019-05-15 12:17:01.123',
        eventCurrency: 'USD',
        bundleIdentifier: 'com.myapp',
      });
      // The example's eventValue, plus the currency we always pair with af_revenue.
      expect(JSON.parse(ours.eventValue as string)).toEqual({ ...exampleValue, af_currency: 'USD' });
    });

    it("iOS (api3 IosIds example values) and the guide's stringified eventValue", () => {
      const user = iosUser({
        deviceIds: { idfa: '9876F1AA-2983-3855-27BB-2C626772EFAB', idfv: '95C9BD22-4A4C-41C8-9548-ED07C5C8C145' },
        osVersion: '14.5.1',
        ip: '192.0.2.1',
        attStatus: 3,
      });
      const ours = body(build(exampleItem(user.userId), user, guideApp('ios', 'id123456789')));
      expect(ours).toMatchObject({
        idfa: '9876F1AA-2983-3855-27BB-2C626772EFAB',
        idfv: '95C9BD22-4A4C-41C8-9548-ED07C5C8C145',
        os: '14.5.1',
        att: 3,
        ip: '192.0.2.1',
      });
      const guide = JSON.parse('{"af_revenue":"6" ,"af_content_type":"wallets"}') as Record<string, string>;
      expect(JSON.parse(ours.eventValue as string)).toMatchObject(guide);
      expect(typeof ours.eventValue).toBe('string');
    });

    it("the SDK guide's negative revenue example (cancel_purchase, -1234.56)", () => {
      const user = androidUser();
      const ours = body(
        build(
          delivery('appsflyer', { kind: 'refund', refund: refund({ amount: '1234.56', currency: 'USD' }, user.userId) }),
          user,
          guideApp('android', 'com.myapp'),
        ),
      );
      expect(ours.eventName).toBe('cancel_purchase');
      expect(JSON.parse(ours.eventValue as string)).toEqual({ af_revenue: '-1234.56', af_currency: 'USD' });
    });
  });
});
