// Pure tests of the Adjust request builders: every parameter, every refusal, and the Adjust guides' own
// example requests rebuilt from equivalent inputs.
import { describe, expect, it } from 'vitest';
import { AppConfig } from '../../domain/app-config';
import { buildAdjustAdRevenueRequest, buildAdjustEventRequest } from '../../activities/adjust-request';
import { InvalidRequestError, VendorConfigMissingError } from '../../activities/vendor-request';
import { ADJUST_S2S_TOKEN, androidApp, androidUser, formParams, IOS_IDFA, iosApp, iosUser, item, vendors } from './fixtures';

function refusal(fn: () => unknown): InvalidRequestError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return error as InvalidRequestError;
  }
  throw new Error('expected an InvalidRequestError');
}

describe('buildAdjustEventRequest', () => {
  it('builds a revenue event with every documented parameter', () => {
    const it1 = item('adjust', { callbackParams: { plan: 'pro' }, partnerParams: { channel: 'web' } });
    const req = buildAdjustEventRequest(it1, iosUser(), iosApp, vendors);
    expect(req.method).toBe('POST');
    expect(req.url).toBe('http://127.0.0.1:9/adjust/event');
    expect(req.headers).toEqual({ 'content-type': 'application/x-www-form-urlencoded' });
    expect(req.warnings).toEqual([]);
    expect(formParams(req.body)).toEqual({
      s2s: '1',
      app_token: '4w565xzmb54d',
      event_token: 'p4rch1',
      idfa: IOS_IDFA,
      idfv: '95C9BD22-4A4C-41C8-9548-ED07C5C8C145',
      created_at_unix: String(Math.floor(Date.parse('2026-11-22T10:15:00.123Z') / 1000)),
      ip_address: '203.0.113.7',
      revenue: '4.99',
      currency: 'USD',
      callback_params: JSON.stringify({ plan: 'pro', s2s_delivery_id: it1.deliveryId }),
      partner_params: JSON.stringify({ channel: 'web' }),
      environment: 'sandbox',
      os_name: 'ios',
      att_status: '3',
    });
  });

  it('sends every device id the user has, in Adjust\'s order', () => {
    const user = androidUser({
      deviceIds: {
        gps_adid: '660e1d86-6796-463a-be86-897993136018',
        fire_adid: 'df07c7dc-cea7-4a89-b328-810ff5acb15d',
        oaid: 'oaid-1',
        web_uuid: 'a9b8c7d6-e5f4-4321-8765-0fedcba98765',
        android_id: '9774d56d682e549c',
        adid: '18546f6171f67e29d1cb983322ad1329',
      },
    });
    const params = formParams(buildAdjustEventRequest(item('adjust', { name: 'trial', revenue: undefined, currency: undefined }), user, androidApp, vendors).body);
    expect(Object.keys(params).filter((k) => ['idfa', 'gps_adid', 'fire_adid', 'oaid', 'web_uuid', 'idfv', 'android_id', 'adid'].includes(k))).toEqual([
      'gps_adid',
      'fire_adid',
      'oaid',
      'web_uuid',
      'android_id',
      'adid',
    ]);
    expect(params.adid).toBe('18546f6171f67e29d1cb983322ad1329');
  });

  it('uses sendAtMs (restamped) over occurredAtMs, in whole seconds', () => {
    const req = buildAdjustEventRequest(item('adjust', { occurredAtMs: 1_484_085_154_999, sendAtMs: 1_484_085_999_500 }), iosUser(), iosApp, vendors);
    expect(formParams(req.body).created_at_unix).toBe('1484085999');
  });

  it('leaves an IPv6 address out', () => {
    const params = formParams(buildAdjustEventRequest(item('adjust'), iosUser({ ip: '2001:db8::1' }), iosApp, vendors).body);
    expect(params).not.toHaveProperty('ip_address');
  });

  it('sends att_status on iOS, tracking_enabled otherwise, never both', () => {
    const ios = formParams(buildAdjustEventRequest(item('adjust'), iosUser({ attStatus: 2, trackingEnabled: true }), iosApp, vendors).body);
    expect(ios.att_status).toBe('2');
    expect(ios).not.toHaveProperty('tracking_enabled');
    const iosNoAtt = formParams(buildAdjustEventRequest(item('adjust'), iosUser({ attStatus: undefined, trackingEnabled: false }), iosApp, vendors).body);
    expect(iosNoAtt.tracking_enabled).toBe('0');
    expect(iosNoAtt).not.toHaveProperty('att_status');
    const android = formParams(buildAdjustEventRequest(item('adjust'), androidUser({ attStatus: 3 }), androidApp, vendors).body);
    expect(android.tracking_enabled).toBe('1');
    expect(android).not.toHaveProperty('att_status');
    expect(android.os_name).toBe('android');
    const neither = formParams(buildAdjustEventRequest(item('adjust'), androidUser({ trackingEnabled: undefined }), androidApp, vendors).body);
    expect(neither).not.toHaveProperty('tracking_enabled');
  });

  it('adds Authorization: Bearer when an S2S token is configured', () => {
    const req = buildAdjustEventRequest(item('adjust'), androidUser(), androidApp, vendors, ADJUST_S2S_TOKEN);
    expect(req.headers.authorization).toBe(`Bearer ${ADJUST_S2S_TOKEN}`);
    expect(req.body).not.toContain(ADJUST_S2S_TOKEN);
  });

  it('sends refunds with the refund token and without revenue', () => {
    const refund = item('adjust', { kind: 'refund', name: 'purchase', revenue: '2.50', currency: 'EUR', purchaseEventId: 'evt_1' });
    const params = formParams(buildAdjustEventRequest(refund, iosUser(), iosApp, vendors).body);
    expect(params.event_token).toBe('r3fnd1');
    expect(params).not.toHaveProperty('revenue');
    expect(params).not.toHaveProperty('currency');
  });

  it('leaves revenue out of a non-revenue token, with a warning', () => {
    const req = buildAdjustEventRequest(item('adjust', { name: 'trial', revenue: '1.00', currency: 'USD' }), iosUser(), iosApp, vendors);
    expect(formParams(req.body)).not.toHaveProperty('revenue');
    expect(formParams(req.body)).not.toHaveProperty('currency');
    expect(req.warnings).toEqual(['revenue 1.00 USD left out: Adjust event token tr1al1 ("trial") is not a revenue token']);
  });

  it('omits callback_params when there is nothing to send (delivery id param off)', () => {
    const app = AppConfig.parse({ ...iosApp, adjust: { ...iosApp.adjust, deliveryIdParam: false } });
    const params = formParams(buildAdjustEventRequest(item('adjust'), iosUser(), app, vendors).body);
    expect(params).not.toHaveProperty('callback_params');
    expect(params).not.toHaveProperty('partner_params');
  });

  it('puts the delivery id under a configured callback parameter name', () => {
    const app = AppConfig.parse({ ...iosApp, adjust: { ...iosApp.adjust, deliveryIdParam: 'relay_id' } });
    const it1 = item('adjust');
    expect(JSON.parse(formParams(buildAdjustEventRequest(it1, iosUser(), app, vendors).body).callback_params as string)).toEqual({ relay_id: it1.deliveryId });
  });

  describe('refuses what Adjust would reject', () => {
    const cases: Array<[string, () => unknown, string]> = [
      ['unmapped event name', () => buildAdjustEventRequest(item('adjust', { name: 'unknown_event' }), iosUser(), iosApp, vendors), 'name'],
      ['refund without a refund token', () => buildAdjustEventRequest(item('adjust', { kind: 'refund' }), iosUser(), AppConfig.parse({ ...iosApp, adjust: { ...iosApp.adjust, refundToken: undefined } }), vendors), 'adjust.refundToken'],
      ['revenue token without revenue', () => buildAdjustEventRequest(item('adjust', { revenue: undefined, currency: undefined }), iosUser(), iosApp, vendors), 'revenue'],
      ['revenue token without currency', () => buildAdjustEventRequest(item('adjust', { currency: undefined }), iosUser(), iosApp, vendors), 'currency'],
      ['revenue below 0.001', () => buildAdjustEventRequest(item('adjust', { revenue: '0.0009' }), iosUser(), iosApp, vendors), 'revenue'],
      ['revenue above 100,000,000,000', () => buildAdjustEventRequest(item('adjust', { revenue: '100000000000.01' }), iosUser(), iosApp, vendors), 'revenue'],
      ['negative revenue', () => buildAdjustEventRequest(item('adjust', { revenue: '-1' }), iosUser(), iosApp, vendors), 'revenue'],
      ['formatted revenue', () => buildAdjustEventRequest(item('adjust', { revenue: '1,234.56' }), iosUser(), iosApp, vendors), 'revenue'],
      ['no device id', () => buildAdjustEventRequest(item('adjust'), iosUser({ deviceIds: {} }), iosApp, vendors), 'user.deviceIds'],
      ['non-string callback value', () => buildAdjustEventRequest(item('adjust', { callbackParams: { n: 1 as unknown as string } }), iosUser(), iosApp, vendors), 'callbackParams.n'],
      ['nested partner param', () => buildAdjustEventRequest(item('adjust', { partnerParams: { n: { a: 'b' } as unknown as string } }), iosUser(), iosApp, vendors), 'partnerParams.n'],
      ['an AppsFlyer delivery', () => buildAdjustEventRequest(item('appsflyer'), iosUser(), iosApp, vendors), 'destination'],
      ['a request over 1 MB', () => buildAdjustEventRequest(item('adjust', { callbackParams: Object.fromEntries(Array.from({ length: 1100 }, (_, i) => [`k${i}`, 'x'.repeat(1000)])) }), iosUser(), iosApp, vendors), 'body'],
    ];
    it.each(cases)('%s', (_name, build, field) => {
      const error = refusal(build);
      expect(error.field).toBe(field);
      expect(error.message.startsWith(`${field}: `)).toBe(true);
    });

    it('accepts the boundaries 0.001 and 100,000,000,000', () => {
      expect(formParams(buildAdjustEventRequest(item('adjust', { revenue: '0.001' }), iosUser(), iosApp, vendors).body).revenue).toBe('0.001');
      expect(formParams(buildAdjustEventRequest(item('adjust', { revenue: '100000000000' }), iosUser(), iosApp, vendors).body).revenue).toBe('100000000000');
    });

    it('names the size of an oversized request', () => {
      const big = Object.fromEntries(Array.from({ length: 1100 }, (_, i) => [`k${i}`, 'x'.repeat(1000)]));
      expect(refusal(() => buildAdjustEventRequest(item('adjust', { callbackParams: big }), iosUser(), iosApp, vendors)).message).toMatch(/the request is \d+ bytes; Adjust accepts at most 1048576/);
    });

    it('an app without an adjust section is a configuration problem, not a bad request', () => {
      const app = AppConfig.parse({ platform: 'ios', appsflyer: iosApp.appsflyer });
      expect(() => buildAdjustEventRequest(item('adjust'), iosUser(), app, vendors)).toThrow(VendorConfigMissingError);
    });
  });

  describe("the guides' example requests", () => {
    const guideApp = AppConfig.parse({ platform: 'ios', adjust: { appToken: '4w565xzmb54d', events: { example: { token: 'f0ob4r' } }, deliveryIdParam: false } });
    const guideUser = (idfa: string) => iosUser({ deviceIds: { idfa }, ip: undefined, attStatus: undefined, trackingEnabled: undefined });

    it('POST with body parameters (events guide, "Setup completion")', () => {
      const guide = new URLSearchParams(
        's2s=1&event_token=f0ob4r&app_token=4w565xzmb54d&idfa=D2CADB5F-410F-4963-AC0C-2A78534BDF1E&created_at=2017-01-02T15%3A04%3A05Z%2B0200&callback_params=%7B%22f0o%22%3A%22bar%22%2C%20%22bar%22%3A%22baz%22%7D&partner_params=%7B%22f0o%22%3A%22bar%22%2C%20%22bar%22%3A%22baz%22%7D',
      );
      const ours = formParams(
        buildAdjustEventRequest(
          item('adjust', { name: 'example', revenue: undefined, currency: undefined, occurredAtMs: Date.parse('2017-01-02T15:04:05+02:00'), callbackParams: { f0o: 'bar', bar: 'baz' }, partnerParams: { f0o: 'bar', bar: 'baz' } }),
          guideUser('D2CADB5F-410F-4963-AC0C-2A78534BDF1E'),
          guideApp,
          { ...vendors, adjustBaseUrl: 'https://s2s.adjust.com' },
        ).body,
      );
      for (const [name, value] of guide) {
        if (name === 'created_at') expect(Number(ours.created_at_unix)).toBe(Date.parse('2017-01-02T15:04:05+02:00') / 1000);
        else if (name.endsWith('_params')) expect(JSON.parse(ours[name] as string)).toEqual(JSON.parse(value));
        else expect(ours[name], name).toBe(value);
      }
      // What we add beyond the example: the recommended created_at_unix, os_name and an explicit environment.
      expect(Object.keys(ours).filter((k) => !guide.has(k)).sort()).toEqual(['created_at_unix', 'environment', 'os_name']);
      expect(ours.environment).toBe('production');
    });

    it('the callback_params example (API reference) with created_at_unix=1484085154', () => {
      const guide = new URLSearchParams(
        's2s=1&event_token=f0ob4r&app_token=4w565xzmb54d&idfa=8A3CB124-5A79-4334-8802-F75FEC099C58&callback_params=%7B%22f0o%22%3A%22bar%22%2C%20%22bar%22%3A%22baz%22%7D',
      );
      const req = buildAdjustEventRequest(
        item('adjust', { name: 'example', revenue: undefined, currency: undefined, occurredAtMs: 1_484_085_154_000, callbackParams: { f0o: 'bar', bar: 'baz' } }),
        guideUser('8A3CB124-5A79-4334-8802-F75FEC099C58'),
        guideApp,
        { ...vendors, adjustBaseUrl: 'https://s2s.adjust.com' },
      );
      expect(req.url).toBe('https://s2s.adjust.com/event');
      const ours = formParams(req.body);
      for (const [name, value] of guide) {
        if (name === 'callback_params') expect(JSON.parse(ours[name] as string)).toEqual(JSON.parse(value));
        else expect(ours[name], name).toBe(value);
      }
      expect(ours.created_at_unix).toBe('1484085154');
    });
  });
});

describe('buildAdjustAdRevenueRequest', () => {
  const adItem = { deliveryId: 'dlv_adj_0000000000000001', occurredAtMs: 1_700_000_000_000, revenue: '0.01', currency: 'USD', adImpressionsCount: 1 };

  it('matches the ad-revenue example (source=publisher, ad_impressions_count, revenue, currency)', () => {
    const guide = new URLSearchParams('app_token=4w565xzmb54d&idfa=D2CADB5F-410F-4963-AC0C-2A78534BDF1E&source=publisher&ad_impressions_count=1&revenue=0.01&currency=USD&s2s=1');
    const req = buildAdjustAdRevenueRequest(adItem, iosUser({ deviceIds: { idfa: IOS_IDFA } }), iosApp, { ...vendors, adjustBaseUrl: 'https://s2s.adjust.com' }, 'tok_secret');
    expect(req.url).toBe('https://s2s.adjust.com/ad_revenue');
    expect(req.headers.authorization).toBe('Bearer tok_secret');
    const ours = formParams(req.body);
    for (const [name, value] of guide) expect(ours[name], name).toBe(value);
    expect(ours.created_at_unix).toBe('1700000000');
    expect(JSON.parse(ours.callback_params as string)).toEqual({ s2s_delivery_id: adItem.deliveryId });
  });

  it('sends network, unit and placement when given', () => {
    const ours = formParams(buildAdjustAdRevenueRequest({ ...adItem, network: 'Admob', unit: 'rewarded_video', placement: 'home_screen' }, iosUser(), iosApp, vendors).body);
    expect(ours).toMatchObject({ ad_revenue_network: 'Admob', ad_revenue_unit: 'rewarded_video', ad_revenue_placement: 'home_screen' });
  });

  it.each([
    ['no impressions', { adImpressionsCount: 0 }, 'adImpressionsCount'],
    ['fractional impressions', { adImpressionsCount: 1.5 }, 'adImpressionsCount'],
    ['zero revenue', { revenue: '0' }, 'revenue'],
    ['no currency', { currency: '' }, 'currency'],
  ])('refuses %s', (_name, patch, field) => {
    expect(refusal(() => buildAdjustAdRevenueRequest({ ...adItem, ...patch }, iosUser(), iosApp, vendors)).field).toBe(field);
  });
});
