// Pure tests of the Adjust request builder (domain/vendors/adjust.ts): every parameter of /event and
// /ad_revenue, what is left out and why, every refusal, and the Adjust guides' own example requests rebuilt
// from equivalent inputs.
import { describe, expect, it } from 'vitest';
import { ADJUST_MAX_REQUEST_BYTES, buildAdjustRequest } from '../../../domain/vendors/adjust';
import { InvalidRequestError, VendorConfigMissingError } from '../../../domain/errors';
import type { Message } from '../../../domain/delivery';
import {
  ADJUST_S2S_TOKEN,
  adRevenue,
  androidApp,
  androidUser,
  appWith,
  delivery,
  formParams,
  IOS_IDFA,
  IOS_IDFV,
  iosApp,
  iosUser,
  item,
  refund,
  vendors,
} from '../../helpers/demo-apps';

function refusal(fn: () => unknown): InvalidRequestError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return error as InvalidRequestError;
  }
  throw new Error('expected an InvalidRequestError');
}

const params = (req: { body: string }) => formParams(req.body);
const adRevenueApp = appWith(iosApp, { adjust: { adRevenue: true } });

describe('buildAdjustRequest: /event', () => {
  it('builds a revenue event with every documented parameter', () => {
    const it1 = item('adjust', { callbackParams: { plan: 'pro' }, partnerParams: { channel: 'web' } });
    const req = buildAdjustRequest(it1, iosUser({ userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X)' }), iosApp, vendors);
    expect(req.method).toBe('POST');
    expect(req.url).toBe('http://127.0.0.1:9/adjust/event');
    expect(req.headers).toEqual({ 'content-type': 'application/x-www-form-urlencoded' });
    expect(req.warnings).toEqual([]);
    expect(params(req)).toEqual({
      s2s: '1',
      app_token: '4w565xzmb54d',
      event_token: 'p4rch1',
      idfa: IOS_IDFA,
      idfv: IOS_IDFV,
      os_name: 'ios',
      att_status: '3',
      ip_address: '203.0.113.7',
      user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X)',
      created_at_unix: String(Math.floor(Date.parse('2026-11-22T10:15:00.123Z') / 1000)),
      revenue: '4.99',
      currency: 'USD',
      callback_params: JSON.stringify({ plan: 'pro', s2s_delivery_id: it1.deliveryId }),
      partner_params: JSON.stringify({ channel: 'web' }),
      environment: 'sandbox',
    });
    // The user agent is URL-encoded, as Adjust asks.
    expect(req.body).toContain('user_agent=Mozilla%2F5.0+%28iPhone%3B+CPU+iPhone+OS+17_1+like+Mac+OS+X%29');
  });

  it("sends every device id the user has, in Adjust's order, IDFA/IDFV upper-case and Google/Fire ids lower-case", () => {
    const user = androidUser({
      deviceIds: {
        gps_adid: '660E1D86-6796-463A-BE86-897993136018',
        fire_adid: 'DF07C7DC-CEA7-4A89-B328-810FF5ACB15D',
        oaid: 'oaid-1',
        web_uuid: 'a9b8c7d6-e5f4-4321-8765-0fedcba98765',
        android_id: '9774d56d682e549c',
        adid: '18546f6171f67e29d1cb983322ad1329',
      },
    });
    const p = params(
      buildAdjustRequest(item('adjust', { name: 'trial', revenue: undefined, currency: undefined }, 'user_android_1'), user, androidApp, vendors),
    );
    const ids = Object.entries(p).filter(([k]) => ['idfa', 'gps_adid', 'fire_adid', 'oaid', 'web_uuid', 'idfv', 'android_id', 'adid'].includes(k));
    expect(ids).toEqual([
      ['gps_adid', '660e1d86-6796-463a-be86-897993136018'],
      ['fire_adid', 'df07c7dc-cea7-4a89-b328-810ff5acb15d'],
      ['oaid', 'oaid-1'],
      ['web_uuid', 'a9b8c7d6-e5f4-4321-8765-0fedcba98765'],
      ['android_id', '9774d56d682e549c'],
      ['adid', '18546f6171f67e29d1cb983322ad1329'],
    ]);
    expect(params(buildAdjustRequest(item('adjust'), iosUser({ deviceIds: { idfa: IOS_IDFA.toLowerCase() } }), iosApp, vendors)).idfa).toBe(IOS_IDFA);
  });

  it('reports sendAtMs (a restamp) over occurredAtMs, in whole seconds', () => {
    const req = buildAdjustRequest(
      item('adjust', {}, 'user_ios_1', { occurredAtMs: 1_484_085_154_999, sendAtMs: 1_484_085_999_500 }),
      iosUser(),
      iosApp,
      vendors,
    );
    expect(params(req).created_at_unix).toBe('1484085999');
    expect(params(buildAdjustRequest(item('adjust', {}, 'user_ios_1', { occurredAtMs: 1_484_085_154_999 }), iosUser(), iosApp, vendors)).created_at_unix).toBe(
      '1484085154',
    );
  });

  it('leaves an IPv6 address and an absent user agent out', () => {
    const p = params(buildAdjustRequest(item('adjust'), iosUser({ ip: '2001:db8::1' }), iosApp, vendors));
    expect(p).not.toHaveProperty('ip_address');
    expect(p).not.toHaveProperty('user_agent');
  });

  it('sends att_status on iOS, tracking_enabled otherwise, never both', () => {
    const ios = params(buildAdjustRequest(item('adjust'), iosUser({ attStatus: 2, trackingEnabled: true }), iosApp, vendors));
    expect(ios.att_status).toBe('2');
    expect(ios).not.toHaveProperty('tracking_enabled');
    const iosNoAtt = params(buildAdjustRequest(item('adjust'), iosUser({ attStatus: undefined, trackingEnabled: false }), iosApp, vendors));
    expect(iosNoAtt.tracking_enabled).toBe('0');
    expect(iosNoAtt).not.toHaveProperty('att_status');
    const android = params(buildAdjustRequest(item('adjust', {}, 'user_android_1'), androidUser(), androidApp, vendors));
    expect(android).toMatchObject({ tracking_enabled: '1', os_name: 'android' });
    expect(android).not.toHaveProperty('att_status');
    const neither = params(buildAdjustRequest(item('adjust', {}, 'user_android_1'), androidUser({ trackingEnabled: undefined }), androidApp, vendors));
    expect(neither).not.toHaveProperty('tracking_enabled');
  });

  it('adds Authorization: Bearer when an S2S token is configured, never in the body', () => {
    const req = buildAdjustRequest(item('adjust', {}, 'user_android_1'), androidUser(), androidApp, vendors, ADJUST_S2S_TOKEN);
    expect(req.headers.authorization).toBe(`Bearer ${ADJUST_S2S_TOKEN}`);
    expect(req.body).not.toContain(ADJUST_S2S_TOKEN);
    expect(req.url).not.toContain(ADJUST_S2S_TOKEN);
  });

  it('sends refunds with the refund token and without revenue (Adjust accepts no negative revenue)', () => {
    const message: Message = { kind: 'refund', refund: refund({ amount: '2.50', currency: 'EUR' }) };
    const req = buildAdjustRequest(delivery('adjust', message), iosUser(), iosApp, vendors);
    const p = params(req);
    expect(p.event_token).toBe('r3fnd1');
    expect(p).not.toHaveProperty('revenue');
    expect(p).not.toHaveProperty('currency');
    expect(JSON.parse(p.callback_params as string)).toEqual({ s2s_delivery_id: delivery('adjust', message).deliveryId });
    expect(req.warnings).toEqual([]);
  });

  it('leaves revenue out of a non-revenue token, with a warning', () => {
    const req = buildAdjustRequest(item('adjust', { name: 'trial', revenue: '1.00', currency: 'USD' }), iosUser(), iosApp, vendors);
    expect(params(req)).not.toHaveProperty('revenue');
    expect(params(req)).not.toHaveProperty('currency');
    expect(req.warnings).toEqual(['revenue 1.00 USD left out: Adjust event token tr1al1 ("trial") is not a revenue token']);
  });

  it("sends a revenue token's event without revenue as a plain event (decided per request, not per token)", () => {
    const req = buildAdjustRequest(item('adjust', { revenue: undefined, currency: undefined }), iosUser(), iosApp, vendors);
    expect(params(req).event_token).toBe('p4rch1');
    expect(params(req)).not.toHaveProperty('revenue');
    expect(params(req)).not.toHaveProperty('currency');
    expect(req.warnings).toEqual([]);
  });

  it('sends callback and partner params with any printable keys as flat JSON (items[0].sku)', () => {
    const it1 = item('adjust', { callbackParams: { 'items[0].sku': 'sku_1', 'a b': 'é😀' }, partnerParams: { 'items[0].price': '4.99' } });
    const p = params(buildAdjustRequest(it1, iosUser(), iosApp, vendors));
    expect(JSON.parse(p.callback_params as string)).toEqual({ 'items[0].sku': 'sku_1', 'a b': 'é😀', s2s_delivery_id: it1.deliveryId });
    expect(JSON.parse(p.partner_params as string)).toEqual({ 'items[0].price': '4.99' });
  });

  it('omits callback_params when there is nothing to send (delivery id param off), and empty partner params', () => {
    const app = appWith(iosApp, { adjust: { deliveryIdParam: false } });
    const p = params(buildAdjustRequest(item('adjust', { partnerParams: {} }), iosUser(), app, vendors));
    expect(p).not.toHaveProperty('callback_params');
    expect(p).not.toHaveProperty('partner_params');
  });

  it('puts the delivery id under a configured callback parameter name', () => {
    const app = appWith(iosApp, { adjust: { deliveryIdParam: 'relay_id' } });
    const it1 = item('adjust');
    expect(JSON.parse(params(buildAdjustRequest(it1, iosUser(), app, vendors)).callback_params as string)).toEqual({ relay_id: it1.deliveryId });
  });

  it('sends environment production unless the app says sandbox', () => {
    expect(params(buildAdjustRequest(item('adjust'), iosUser(), appWith(iosApp, { adjust: { environment: 'production' } }), vendors)).environment).toBe(
      'production',
    );
    expect(params(buildAdjustRequest(item('adjust'), iosUser(), iosApp, vendors)).environment).toBe('sandbox');
  });

  describe('refuses what Adjust would reject', () => {
    const cases: Array<[string, () => unknown, string, RegExp]> = [
      [
        'an unmapped event name',
        () => buildAdjustRequest(item('adjust', { name: 'unknown_event' }), iosUser(), iosApp, vendors),
        'name',
        /no Adjust event token configured for "unknown_event"/,
      ],
      [
        'a refund without a refund token',
        () =>
          buildAdjustRequest(
            delivery('adjust', { kind: 'refund', refund: refund() }),
            iosUser(),
            appWith(iosApp, { adjust: { refundToken: undefined } }),
            vendors,
          ),
        'adjust.refundToken',
        /no refundToken configured/,
      ],
      [
        'ad revenue for an app without adjust.adRevenue',
        () => buildAdjustRequest(delivery('adjust', { kind: 'adRevenue', adRevenue: adRevenue() }), iosUser(), iosApp, vendors),
        'adjust.adRevenue',
        /adjust\.adRevenue is off/,
      ],
      [
        'revenue below 0.001',
        () => buildAdjustRequest(item('adjust', { revenue: '0.0009' }), iosUser(), iosApp, vendors),
        'revenue',
        /^revenue: must be at least 0.001 \(Adjust's minimum\); got 0.0009$/,
      ],
      [
        'revenue above 100,000,000,000',
        () => buildAdjustRequest(item('adjust', { revenue: '100000000000.01' }), iosUser(), iosApp, vendors),
        'revenue',
        /^revenue: must be at most 100000000000; got 100000000000.01$/,
      ],
      [
        'an AppsFlyer delivery',
        () => buildAdjustRequest(item('appsflyer'), iosUser(), iosApp, vendors),
        'destination',
        /^destination: an appsflyer delivery cannot be sent to Adjust$/,
      ],
      [
        'a request over 1 MB',
        () =>
          buildAdjustRequest(
            item('adjust', { callbackParams: Object.fromEntries(Array.from({ length: 1100 }, (_, i) => [`k${i}`, 'x'.repeat(1000)])) }),
            iosUser(),
            iosApp,
            vendors,
          ),
        'body',
        /^body: the request is \d+ bytes; Adjust accepts at most 1048576 \(1 MB\) and answers 413 above it$/,
      ],
    ];
    it.each(cases)('%s', (_name, build, field, message) => {
      const error = refusal(build);
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
    });

    it('refuses a user without an Adjust device id, saying so', () => {
      expect(refusal(() => buildAdjustRequest(item('adjust'), iosUser({ deviceIds: undefined }), iosApp, vendors)).message).toMatch(
        /^user\.deviceIds: Adjust needs at least one device identifier/,
      );
    });

    it('names user.deviceIds as the field at fault for a user without an Adjust device id', () => {
      expect(refusal(() => buildAdjustRequest(item('adjust'), iosUser({ deviceIds: undefined }), iosApp, vendors)).field).toBe('user.deviceIds');
    });

    it('accepts the boundaries 0.001 and 100,000,000,000', () => {
      expect(params(buildAdjustRequest(item('adjust', { revenue: '0.001' }), iosUser(), iosApp, vendors)).revenue).toBe('0.001');
      expect(params(buildAdjustRequest(item('adjust', { revenue: '100000000000' }), iosUser(), iosApp, vendors)).revenue).toBe('100000000000');
    });

    it('counts the URL and the token in the 1 MB limit', () => {
      const fill = (n: number) => ({ big: 'x'.repeat(n) });
      const size = (req: { url: string; body: string }, token = '') => Buffer.byteLength(req.body) + Buffer.byteLength(req.url) + Buffer.byteLength(token);
      const probe = buildAdjustRequest(
        item('adjust', { callbackParams: fill(0) }, 'user_android_1', { deliveryId: 'dlv_adj_0000000000000000' }),
        androidUser(),
        androidApp,
        vendors,
        ADJUST_S2S_TOKEN,
      );
      const room = ADJUST_MAX_REQUEST_BYTES - size(probe, ADJUST_S2S_TOKEN);
      const exact = buildAdjustRequest(
        item('adjust', { callbackParams: fill(room) }, 'user_android_1', { deliveryId: 'dlv_adj_0000000000000000' }),
        androidUser(),
        androidApp,
        vendors,
        ADJUST_S2S_TOKEN,
      );
      expect(size(exact, ADJUST_S2S_TOKEN)).toBe(ADJUST_MAX_REQUEST_BYTES);
      expect(
        refusal(() =>
          buildAdjustRequest(
            item('adjust', { callbackParams: fill(room + 1) }, 'user_android_1', { deliveryId: 'dlv_adj_0000000000000000' }),
            androidUser(),
            androidApp,
            vendors,
            ADJUST_S2S_TOKEN,
          ),
        ).field,
      ).toBe('body');
    });

    it('an app without an adjust section is a configuration problem, not a bad request', () => {
      expect(() => buildAdjustRequest(item('adjust'), iosUser(), appWith(iosApp, { adjust: null }), vendors)).toThrow(VendorConfigMissingError);
    });
  });

  describe("the guides' example requests", () => {
    const guideApp = appWith(iosApp, {
      adjust: { appToken: '4w565xzmb54d', environment: 'production', events: { example: { token: 'f0ob4r' } }, deliveryIdParam: false },
      appsflyer: null,
    });
    const guideUser = (idfa: string) => iosUser({ deviceIds: { idfa }, ip: undefined, attStatus: undefined, trackingEnabled: undefined });
    const adjustCom = { ...vendors, adjustBaseUrl: 'https://s2s.adjust.com' };

    it('POST with body parameters (events guide, "Setup completion")', () => {
      const guide = new URLSearchParams(
        's2s=1&event_token=f0ob4r&app_token=4w565xzmb54d&idfa=D2CADB5F-410F-4963-AC0C-2A78534BDF1E&created_at=2017-01-02T15%3A04%3A05Z%2B0200&callback_params=%7B%22f0o%22%3A%22bar%22%2C%20%22bar%22%3A%22baz%22%7D&partner_params=%7B%22f0o%22%3A%22bar%22%2C%20%22bar%22%3A%22baz%22%7D',
      );
      const ours = params(
        buildAdjustRequest(
          item('adjust', {
            name: 'example',
            revenue: undefined,
            currency: undefined,
            occurredAt: '2017-01-02T15:04:05+02:00',
            callbackParams: { f0o: 'bar', bar: 'baz' },
            partnerParams: { f0o: 'bar', bar: 'baz' },
          }),
          guideUser('D2CADB5F-410F-4963-AC0C-2A78534BDF1E'),
          guideApp,
          adjustCom,
        ),
      );
      for (const [name, value] of guide) {
        if (name === 'created_at') expect(Number(ours.created_at_unix)).toBe(Date.parse('2017-01-02T15:04:05+02:00') / 1000);
        else if (name.endsWith('_params')) expect(JSON.parse(ours[name] as string)).toEqual(JSON.parse(value));
        else expect(ours[name], name).toBe(value);
      }
      // What we add beyond the example: the recommended created_at_unix, os_name and an explicit environment.
      expect(
        Object.keys(ours)
          .filter((k) => !guide.has(k))
          .sort(),
      ).toEqual(['created_at_unix', 'environment', 'os_name']);
      expect(ours.environment).toBe('production');
    });

    it('the callback_params example (API reference) with created_at_unix=1484085154', () => {
      const guide = new URLSearchParams(
        's2s=1&event_token=f0ob4r&app_token=4w565xzmb54d&idfa=8A3CB124-5A79-4334-8802-F75FEC099C58&callback_params=%7B%22f0o%22%3A%22bar%22%2C%20%22bar%22%3A%22baz%22%7D',
      );
      const req = buildAdjustRequest(
        item('adjust', {
          name: 'example',
          revenue: undefined,
          currency: undefined,
          occurredAt: '2017-01-10T21:52:34Z',
          callbackParams: { f0o: 'bar', bar: 'baz' },
        }),
        guideUser('8A3CB124-5A79-4334-8802-F75FEC099C58'),
        guideApp,
        adjustCom,
      );
      expect(req.url).toBe('https://s2s.adjust.com/event');
      const ours = params(req);
      for (const [name, value] of guide) {
        if (name === 'callback_params') expect(JSON.parse(ours[name] as string)).toEqual(JSON.parse(value));
        else expect(ours[name], name).toBe(value);
      }
      expect(ours.created_at_unix).toBe('1484085154');
    });
  });
});

describe('buildAdjustRequest: /ad_revenue', () => {
  const ad = (over: Parameters<typeof adRevenue>[0] = {}) =>
    delivery('adjust', { kind: 'adRevenue', adRevenue: adRevenue({ occurredAt: '2023-11-14T22:13:20Z', ...over }) });

  it('matches the ad revenue example (source=publisher, ad_impressions_count, revenue, currency), with the delivery id', () => {
    const guide = new URLSearchParams(
      'app_token=4w565xzmb54d&idfa=D2CADB5F-410F-4963-AC0C-2A78534BDF1E&source=publisher&ad_impressions_count=1&revenue=0.01&currency=USD&s2s=1',
    );
    const it1 = ad();
    const req = buildAdjustRequest(
      it1,
      iosUser({ deviceIds: { idfa: IOS_IDFA } }),
      adRevenueApp,
      { ...vendors, adjustBaseUrl: 'https://s2s.adjust.com' },
      'tok_secret',
    );
    expect(req.url).toBe('https://s2s.adjust.com/ad_revenue');
    expect(req.headers.authorization).toBe('Bearer tok_secret');
    const ours = params(req);
    for (const [name, value] of guide) expect(ours[name], name).toBe(value);
    expect(ours.created_at_unix).toBe('1700000000');
    expect(ours).not.toHaveProperty('event_token');
    expect(JSON.parse(ours.callback_params as string)).toEqual({ s2s_delivery_id: it1.deliveryId });
  });

  it('sends network, unit, placement and callback params when given, and no partner params or order keys', () => {
    const it1 = ad({
      network: 'Admob',
      unit: 'rewarded_video',
      placement: 'home_screen',
      adImpressionsCount: 100,
      revenue: '4.99',
      currency: 'EUR',
      callbackParams: { 'items[0].sku': 'x' },
    });
    const ours = params(buildAdjustRequest(it1, iosUser(), adRevenueApp, vendors));
    expect(ours).toMatchObject({
      ad_revenue_network: 'Admob',
      ad_revenue_unit: 'rewarded_video',
      ad_revenue_placement: 'home_screen',
      ad_impressions_count: '100',
      revenue: '4.99',
      currency: 'EUR',
    });
    expect(JSON.parse(ours.callback_params as string)).toEqual({ 'items[0].sku': 'x', s2s_delivery_id: it1.deliveryId });
    expect(ours).not.toHaveProperty('partner_params');
  });

  it('applies no minimum to ad revenue (Adjust documents none): 0.00001 goes as given', () => {
    expect(params(buildAdjustRequest(ad({ revenue: '0.00001' }), iosUser(), adRevenueApp, vendors)).revenue).toBe('0.00001');
  });
});
