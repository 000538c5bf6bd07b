// Pure tests of the AppsFlyer request builder: every body field, refunds as negative revenue, event-name
// mapping, the 1 KB limit, every refusal, and the API reference's example events rebuilt from equivalent inputs.
import { describe, expect, it } from 'vitest';
import { AppConfig } from '../../domain/app-config';
import { appsflyerEventTime, buildAppsflyerEventRequest } from '../../activities/appsflyer-request';
import { InvalidRequestError, VendorConfigMissingError } from '../../activities/vendor-request';
import { AF_ID, AF_KEY, androidApp, androidUser, iosApp, iosUser, item, vendors } from './fixtures';

const body = (req: { body: string }) => JSON.parse(req.body) as Record<string, unknown>;
const eventValue = (req: { body: string }) => {
  const text = body(req).eventValue;
  expect(typeof text).toBe('string');
  return text === '' ? '' : (JSON.parse(text as string) as Record<string, string>);
};

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
    const req = buildAppsflyerEventRequest(it1, iosUser(), iosApp, vendors, AF_KEY);
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
      idfa: 'D2CADB5F-410F-4963-AC0C-2A78534BDF1E',
      idfv: '95C9BD22-4A4C-41C8-9548-ED07C5C8C145',
      att: 3,
      bundleIdentifier: 'com.example.s2srelay',
      app_version_name: '2.4.0',
    });
    expect(req.body).not.toContain(AF_KEY);
  });

  it('maps Android ids: advertising_id, oaid, amazon_aid; no att', () => {
    const user = androidUser({ deviceIds: { gps_adid: '660e1d86-6796-463a-be86-897993136018', oaid: 'oaid-1', fire_adid: 'df07c7dc-cea7-4a89-b328-810ff5acb15d' }, attStatus: 3 });
    const b = body(buildAppsflyerEventRequest(item('appsflyer'), user, androidApp, vendors, AF_KEY));
    expect(b).toMatchObject({ advertising_id: '660e1d86-6796-463a-be86-897993136018', oaid: 'oaid-1', amazon_aid: 'df07c7dc-cea7-4a89-b328-810ff5acb15d', os: '14' });
    expect(b).not.toHaveProperty('att');
    expect(b).not.toHaveProperty('idfa');
  });

  it('uses the api2 base URL when the app says so', () => {
    const app = AppConfig.parse({ ...androidApp, appsflyer: { ...androidApp.appsflyer, apiVersion: 'api2' } });
    const req = buildAppsflyerEventRequest(item('appsflyer'), androidUser(), app, { ...vendors, appsflyerApi2BaseUrl: 'https://api2.example' }, AF_KEY);
    expect(req.url).toBe('https://api2.example/inappevent/com.example.s2srelay');
    const odd = AppConfig.parse({ platform: 'android', appsflyer: { appId: 'com.example.a_b', key: { env: 'X' } } });
    expect(buildAppsflyerEventRequest(item('appsflyer'), androidUser(), odd, vendors, AF_KEY).url).toBe('http://127.0.0.1:9/appsflyer/inappevent/com.example.a_b');
  });

  it('sends refunds as negative af_revenue under the refund event name', () => {
    const refund = item('appsflyer', { kind: 'refund', revenue: '2.5', currency: 'EUR', purchaseEventId: 'evt_1' });
    const req = buildAppsflyerEventRequest(refund, iosUser(), iosApp, vendors, AF_KEY);
    expect(body(req).eventName).toBe('cancel_purchase');
    expect(eventValue(req)).toMatchObject({ af_revenue: '-2.5', af_currency: 'EUR' });
    expect(body(req).eventCurrency).toBe('EUR');
  });

  it('maps event names; unmapped names pass through by default, or are refused with "skip"', () => {
    expect(body(buildAppsflyerEventRequest(item('appsflyer', { name: 'trial', revenue: undefined, currency: undefined }), iosUser(), iosApp, vendors, AF_KEY)).eventName).toBe('af_start_trial');
    expect(body(buildAppsflyerEventRequest(item('appsflyer', { name: 'level_up' }), iosUser(), iosApp, vendors, AF_KEY)).eventName).toBe('level_up');
    const skip = AppConfig.parse({ ...iosApp, appsflyer: { ...iosApp.appsflyer, unmappedEvents: 'skip' } });
    expect(refusal(() => buildAppsflyerEventRequest(item('appsflyer', { name: 'level_up' }), iosUser(), skip, vendors, AF_KEY)).field).toBe('name');
  });

  it('sends eventValue "" when there is nothing to put in it', () => {
    const app = AppConfig.parse({ ...iosApp, appsflyer: { ...iosApp.appsflyer, deliveryIdKey: false } });
    const req = buildAppsflyerEventRequest(item('appsflyer', { name: 'trial', revenue: undefined, currency: undefined }), iosUser(), app, vendors, AF_KEY);
    expect(body(req).eventValue).toBe('');
    expect(body(req)).not.toHaveProperty('eventCurrency');
  });

  it('puts the delivery id under a configured eventValue key, replacing an extra of the same name', () => {
    const app = AppConfig.parse({ ...iosApp, appsflyer: { ...iosApp.appsflyer, deliveryIdKey: 'relay_id' } });
    const it1 = item('appsflyer', { eventValue: { relay_id: 'mine' } });
    const req = buildAppsflyerEventRequest(it1, iosUser(), app, vendors, AF_KEY);
    expect((eventValue(req) as Record<string, string>).relay_id).toBe(it1.deliveryId);
    expect(req.warnings).toEqual(['eventValue.relay_id replaced by the delivery id (apps.<app>.appsflyer.deliveryIdKey)']);
  });

  it('formats eventTime as yyyy-MM-dd HH:mm:ss.SSS UTC from sendAtMs, else occurredAtMs', () => {
    expect(appsflyerEventTime(Date.parse('2019-05-15T12:17:01.123Z'))).toBe('2019-05-15 12:17:01.123');
    expect(appsflyerEventTime(Date.parse('2019-05-15T14:17:01+02:00'))).toBe('2019-05-15 12:17:01.000');
    const req = buildAppsflyerEventRequest(item('appsflyer', { sendAtMs: Date.parse('2026-01-02T03:04:05.006Z') }), iosUser(), iosApp, vendors, AF_KEY);
    expect(body(req).eventTime).toBe('2026-01-02 03:04:05.006');
  });

  it('leaves IPv6 out and warns when an iOS user has no os version (still builds)', () => {
    const req = buildAppsflyerEventRequest(item('appsflyer'), iosUser({ ip: '2001:db8::1', osVersion: undefined }), iosApp, vendors, AF_KEY);
    expect(body(req)).not.toHaveProperty('ip');
    expect(body(req)).not.toHaveProperty('os');
    expect(req.warnings).toHaveLength(1);
    expect(req.warnings[0]).toMatch(/^os \(iOS version\) unknown/);
    const android = buildAppsflyerEventRequest(item('appsflyer'), androidUser({ osVersion: undefined }), androidApp, vendors, AF_KEY);
    expect(android.warnings).toEqual([]);
  });

  describe('refuses what AppsFlyer would reject', () => {
    const cases: Array<[string, () => unknown, string]> = [
      ['no appsflyer_id', () => buildAppsflyerEventRequest(item('appsflyer'), iosUser({ appsflyerId: undefined }), iosApp, vendors, AF_KEY), 'user.appsflyerId'],
      ['refund without amount', () => buildAppsflyerEventRequest(item('appsflyer', { kind: 'refund', revenue: undefined, currency: undefined }), iosUser(), iosApp, vendors, AF_KEY), 'revenue'],
      ['revenue without currency', () => buildAppsflyerEventRequest(item('appsflyer', { currency: undefined }), iosUser(), iosApp, vendors, AF_KEY), 'currency'],
      ['formatted revenue', () => buildAppsflyerEventRequest(item('appsflyer', { revenue: '1,234.56' }), iosUser(), iosApp, vendors, AF_KEY), 'revenue'],
      ['revenue with 6 decimals', () => buildAppsflyerEventRequest(item('appsflyer', { revenue: '1.123456' }), iosUser(), iosApp, vendors, AF_KEY), 'revenue'],
      ['af_revenue smuggled in eventValue', () => buildAppsflyerEventRequest(item('appsflyer', { eventValue: { af_revenue: '9' } }), iosUser(), iosApp, vendors, AF_KEY), 'eventValue.af_revenue'],
      ['nested eventValue', () => buildAppsflyerEventRequest(item('appsflyer', { eventValue: { a: { b: 'c' } as unknown as string } }), iosUser(), iosApp, vendors, AF_KEY), 'eventValue.a'],
      ['an Adjust delivery', () => buildAppsflyerEventRequest(item('adjust'), iosUser(), iosApp, vendors, AF_KEY), 'destination'],
      ['a payload over 1 KB', () => buildAppsflyerEventRequest(item('appsflyer', { eventValue: { note: 'x'.repeat(900) } }), iosUser(), iosApp, vendors, AF_KEY), 'body'],
    ];
    it.each(cases)('%s', (_name, build, field) => {
      const error = refusal(build);
      expect(error.field).toBe(field);
    });

    it('names the payload size and the limit', () => {
      const error = refusal(() => buildAppsflyerEventRequest(item('appsflyer', { eventValue: { note: 'x'.repeat(900) } }), iosUser(), iosApp, vendors, AF_KEY));
      expect(error.message).toMatch(/^body: the JSON payload is 1\d{3} bytes; AppsFlyer accepts at most 1024/);
    });

    it('says AppsFlyer requires appsflyer_id', () => {
      expect(refusal(() => buildAppsflyerEventRequest(item('appsflyer'), iosUser({ appsflyerId: undefined }), iosApp, vendors, AF_KEY)).message).toContain('AppsFlyer requires it');
    });

    it('an app without an appsflyer section is a configuration problem', () => {
      const app = AppConfig.parse({ platform: 'ios', adjust: iosApp.adjust });
      expect(() => buildAppsflyerEventRequest(item('appsflyer'), iosUser(), app, vendors, AF_KEY)).toThrow(VendorConfigMissingError);
    });
  });

  describe("the API reference's example events", () => {
    const guideApp = (platform: 'ios' | 'android', appId: string) =>
      AppConfig.parse({ platform, bundleId: 'com.myapp', appsflyer: { appId, key: { env: 'X' }, events: { purchase: 'af_purchase' }, deliveryIdKey: false } });
    const exampleValue = { af_revenue: '6', af_content_type: 'wallets', af_content_id: '15854', your_custom_attribute: '456.123' };
    const exampleItem = item('appsflyer', { revenue: '6', currency: 'USD', occurredAtMs: Date.parse('2019-05-15T12:17:01.123Z'), eventValue: { af_content_type: 'wallets', af_content_id: '15854', your_custom_attribute: '456.123' } });

    it('Android (api3 AndroidIds example values)', () => {
      const user = androidUser({ deviceIds: { gps_adid: '9c9a82fb-d5de-4cd1-90c3-527441c11828', oaid: '1fe9a970-efbb-29e0-0bdd-f5dbbf751ab5' }, customerUserId: 'customer_user_id', ip: '192.0.2.1', appVersion: 'my_app_version', trackingEnabled: undefined });
      const ours = body(buildAppsflyerEventRequest(exampleItem, user, guideApp('android', 'com.myapp'), vendors, AF_KEY));
      expect(ours).toMatchObject({
        advertising_id: '9c9a82fb-d5de-4cd1-90c3-527441c11828',
        oaid: '1fe9a970-efbb-29e0-0bdd-f5dbbf751ab5',
        appsflyer_id: '1234567890123-1234567',
        customer_user_id: 'customer_user_id',
        ip: '192.0.2.1',
        app_version_name: 'my_app_version',
        eventTime: '2019-05-15 12:17:01.123',
        eventCurrency: 'USD',
        bundleIdentifier: 'com.myapp',
      });
      // The example's eventValue, plus the currency we always pair with af_revenue.
      expect(JSON.parse(ours.eventValue as string)).toEqual({ ...exampleValue, af_currency: 'USD' });
    });

    it('iOS (api3 IosIds example values) and the guide\'s stringified eventValue', () => {
      const user = iosUser({ deviceIds: { idfa: '9876F1AA-2983-3855-27BB-2C626772EFAB', idfv: '95C9BD22-4A4C-41C8-9548-ED07C5C8C145' }, osVersion: '14.5.1', ip: '192.0.2.1', attStatus: 3 });
      const ours = body(buildAppsflyerEventRequest(exampleItem, user, guideApp('ios', 'id123456789'), vendors, AF_KEY));
      expect(ours).toMatchObject({ idfa: '9876F1AA-2983-3855-27BB-2C626772EFAB', idfv: '95C9BD22-4A4C-41C8-9548-ED07C5C8C145', os: '14.5.1', att: 3, ip: '192.0.2.1' });
      const guide = JSON.parse('{"af_revenue":"6" ,"af_content_type":"wallets"}') as Record<string, string>;
      expect(JSON.parse(ours.eventValue as string)).toMatchObject(guide);
      expect(typeof ours.eventValue).toBe('string');
    });
  });
});
