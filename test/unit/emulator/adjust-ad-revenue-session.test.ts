// Adjust /ad_revenue and /session over real HTTP: the documented example, each rejection with its exact
// answer, the ad-revenue window without ordering, install-on-first-session and the session gap.
import { describe, expect, it } from 'vitest';
import { ANDROID_APP, ANDROID_BEARER, DAY, GPS_ADID, IDFA_A, OK_JSON, T0, adjustError, call, isoAt, lastRecord, qs, useEmulator } from './helpers';

const fx = useEmulator();
const AD = 'Ad revenue request failed';
const SESSION = 'Session failed';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function adRevenue(overrides: Record<string, string | undefined> = {}): string {
  const base: Record<string, string | undefined> = {
    app_token: '4w565xzmb54d',
    idfa: IDFA_A,
    source: 'publisher',
    ad_impressions_count: '1',
    revenue: '0.01',
    currency: 'USD',
    s2s: '1',
    ...overrides,
  };
  return qs(Object.fromEntries(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined)));
}

const postAd = (q: string, headers: Record<string, string> = {}) => call(`${fx.emu.url}/adjust/ad_revenue?${q}`, { method: 'POST', headers });

describe('/ad_revenue', () => {
  it('accepts the ad-revenue docs example (POST with URL parameters)', async () => {
    const r = await postAd(adRevenue());
    expect([r.status, r.body]).toEqual([200, OK_JSON]);
    expect(lastRecord(fx.emu)).toMatchObject({ endpoint: 'ad_revenue', outcome: 'accepted', revenue: '0.01', currency: 'USD' });
  });

  it('accepts amount instead of revenue, and GET', async () => {
    expect((await postAd(adRevenue({ revenue: undefined, amount: '4.99' }))).status).toBe(200);
    expect(lastRecord(fx.emu).revenue).toBe('4.99');
    expect((await call(`${fx.emu.url}/adjust/ad_revenue?${adRevenue()}`)).status).toBe(200);
  });

  it.each([
    [undefined, 'none'],
    ['sdk', '"sdk"'],
  ])('source=%j: 400 Bad event state (must be publisher)', async (source, shown) => {
    const r = await postAd(adRevenue({ source }));
    expect([r.status, r.body]).toEqual([400, adjustError(`Bad event state: source must be publisher, got ${shown}`, AD)]);
  });

  it.each([undefined, '0', '1.5', '-1', 'ten'])('ad_impressions_count=%j: 400', async (ad_impressions_count) => {
    const r = await postAd(adRevenue({ ad_impressions_count }));
    expect([r.status, r.body]).toEqual([400, adjustError('Bad event state: ad_impressions_count must be a positive integer', AD)]);
  });

  it.each([
    ['no revenue or amount', { revenue: undefined }],
    ['no currency', { currency: undefined }],
    ['zero revenue', { revenue: '0' }],
    ['formatted revenue', { revenue: '1,5' }],
  ])('%s: 400 Invalid revenue', async (_l, o) => {
    const r = await postAd(adRevenue(o));
    expect([r.status, r.body]).toEqual([400, adjustError('Invalid revenue', AD)]);
  });

  it('28-day window (adRevenueWindowDays) but no ordering rule', async () => {
    const old = await postAd(adRevenue({ created_at_unix: String((T0 - 29 * DAY) / 1000) }));
    expect(old.body).toBe(adjustError(`Bad event state: too old, created_at ${isoAt(T0 - 29 * DAY)} is more than 28 days before the request was received`, AD));
    expect((await postAd(adRevenue({ created_at_unix: String((T0 - 2 * DAY) / 1000) }))).status).toBe(200);
    expect((await postAd(adRevenue({ created_at_unix: String((T0 - 5 * DAY) / 1000) }))).status).toBe(200);
  });

  it('rejects created_at before the install time with Bad event state', async () => {
    const idfa = 'AAAAAAAA-BBBB-CCCC-DDDD-FFFFFFFFFFFF';
    fx.emu.registerInstall({ appToken: '4w565xzmb54d', deviceIds: { idfa }, installedAt: isoAt(T0 - DAY) });
    const r = await postAd(adRevenue({ idfa, created_at_unix: String((T0 - 2 * DAY) / 1000) }));
    expect([r.status, r.body]).toEqual([400, adjustError(`Bad event state: created_at ${isoAt(T0 - 2 * DAY)} is before installed_at ${isoAt(T0 - DAY)}`, AD)]);
    expect(lastRecord(fx.emu).outcome).toBe('rejected');
    expect((await postAd(adRevenue({ idfa, created_at_unix: String((T0 - DAY) / 1000) }))).status).toBe(200);
  });

  it('revenue wins over amount when both are sent, with a warning', async () => {
    expect((await postAd(adRevenue({ revenue: '0.02', amount: '4.99' }))).status).toBe(200);
    const rec = lastRecord(fx.emu);
    expect(rec.revenue).toBe('0.02');
    expect(rec.warnings).toContain('both revenue and amount sent; revenue is used');
  });

  it('methods other than GET and POST answer 405', async () => {
    const r = await call(`${fx.emu.url}/adjust/ad_revenue?${adRevenue()}`, { method: 'PUT' });
    expect([r.status, r.headers['allow'], r.body]).toEqual([405, 'GET, POST', adjustError('Method not allowed, use GET or POST', AD)]);
  });

  it('shares the parameter rules, with the ad revenue prefix', async () => {
    expect((await postAd(adRevenue({ partner_params: '{"a":1}' }))).body).toBe(
      adjustError('Bad event state: invalid partner_params (a flat JSON object of strings is expected)', AD),
    );
    expect((await postAd(adRevenue({ callback_params: '[]' }))).body).toBe(adjustError('Invalid callback parameters', AD));
    expect((await postAd(adRevenue({ created_at_unix: '1.5' }))).body).toBe(
      adjustError('Bad event state: invalid created_at_unix "1.5", only digits are accepted (seconds or milliseconds)', AD),
    );
  });

  it('shares the app, authorization and device rules, with the ad revenue prefix', async () => {
    expect((await postAd(adRevenue({ app_token: 'bad' }))).body).toBe(adjustError('Invalid app token', AD));
    expect((await postAd(adRevenue({ idfa: '11111111-1111-1111-1111-111111111111' }))).body).toBe(adjustError('Device not found', AD));
    const android = adRevenue({ app_token: ANDROID_APP, idfa: undefined, gps_adid: GPS_ADID });
    const unauth = await postAd(android);
    expect([unauth.status, unauth.body]).toEqual([401, adjustError('Failed to authorize request', AD)]);
    expect((await postAd(android, { authorization: ANDROID_BEARER })).status).toBe(200);
  });

  it('extracts the delivery id from callback_params', async () => {
    await postAd(adRevenue({ callback_params: '{"s2s_delivery_id":"ad-1"}' }));
    expect(lastRecord(fx.emu).deliveryId).toBe('ad-1');
  });
});

describe('/session', () => {
  const NEW_IDFA = 'ABCDEF01-2345-6789-ABCD-EF0123456789';
  const session = (overrides: Record<string, string> = {}) =>
    call(`${fx.emu.url}/adjust/session`, { method: 'POST', headers: FORM, body: qs({ s2s: '1', app_token: '4w565xzmb54d', idfa: NEW_IDFA, ...overrides }) });

  it('the first session of a device is its install; it is then known to /event', async () => {
    const r = await session();
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as Record<string, unknown>;
    expect(body).toEqual({
      app_token: '4w565xzmb54d',
      adid: expect.stringMatching(/^[0-9a-f]{32}$/),
      timestamp: `${isoAt(T0)}+0000`,
      message: 'Install tracked',
      ask_in: 2000,
    });
    const ev = await call(`${fx.emu.url}/adjust/event?${qs({ s2s: '1', app_token: '4w565xzmb54d', event_token: 'f0ob4r', idfa: NEW_IDFA })}`);
    expect(ev.status).toBe(200);
  });

  it('a later session within 30 minutes is rejected; after 30 minutes it is "Session tracked"', async () => {
    await session();
    fx.clock.advance(29 * 60_000);
    const early = await session();
    expect(early.status).toBe(400);
    expect(early.body).toBe(
      adjustError(`Ignoring too frequent session. Last session: ${isoAt(T0)}, this session: ${isoAt(T0 + 29 * 60_000)}, min interval: 30 minutes`, SESSION),
    );
    fx.clock.advance(60_000);
    const later = await session();
    expect(later.status).toBe(200);
    expect(JSON.parse(later.body)).toMatchObject({ message: 'Session tracked', app_token: '4w565xzmb54d' });
  });

  it('sessionMinGapMinutes: 20 (developer guide) accepts a session 25 minutes later', async () => {
    fx.emu.updateConfig({ sessionMinGapMinutes: 20 });
    await session();
    fx.clock.advance(25 * 60_000);
    expect(JSON.parse((await session()).body)).toMatchObject({ message: 'Session tracked' });
  });

  it('a device known from an install answers "Session tracked" on its first session', async () => {
    const r = await session({ idfa: IDFA_A });
    expect(JSON.parse(r.body)).toMatchObject({ message: 'Session tracked' });
  });

  it('answers 400 Bad event state when S2S sessions are not enabled for the app (Adjust documents no answer for it)', async () => {
    const r = await call(`${fx.emu.url}/adjust/session`, {
      method: 'POST',
      headers: { ...FORM, authorization: ANDROID_BEARER },
      body: qs({ s2s: '1', app_token: ANDROID_APP, gps_adid: GPS_ADID }),
    });
    expect([r.status, r.body]).toEqual([400, adjustError('Bad event state: S2S session measurement is not enabled for this app', SESSION)]);
    expect(lastRecord(fx.emu).outcome).toBe('rejected');
  });

  it('shares the parameter rules, with the session prefix', async () => {
    expect((await session({ partner_params: '["a"]' })).body).toBe(
      adjustError('Bad event state: invalid partner_params (a flat JSON object of strings is expected)', SESSION),
    );
    expect((await session({ environment: 'dev' })).body).toBe(adjustError('Bad event state: environment must be sandbox or production, got "dev"', SESSION));
    expect((await session({ created_at_unix: 'now' })).body).toBe(
      adjustError('Bad event state: invalid created_at_unix "now", only digits are accepted (seconds or milliseconds)', SESSION),
    );
  });

  it('needs POST, s2s=1 and a device id', async () => {
    const get = await call(`${fx.emu.url}/adjust/session?${qs({ s2s: '1', app_token: '4w565xzmb54d', idfa: NEW_IDFA })}`);
    expect([get.status, get.headers['allow'], get.body]).toEqual([405, 'POST', adjustError('Method not allowed, use POST', SESSION)]);
    expect((await session({ s2s: '0' })).body).toBe(adjustError('Bad event state: the s2s parameter must be 1 for server-to-server requests', SESSION));
    const noDevice = await call(`${fx.emu.url}/adjust/session`, { method: 'POST', headers: FORM, body: qs({ s2s: '1', app_token: '4w565xzmb54d' }) });
    expect(noDevice.status).toBe(400);
    expect(noDevice.body).toMatch(/no device identifier/);
  });

  it('opted-out devices answer 451', async () => {
    fx.emu.updateConfig({ optedOutDevices: [NEW_IDFA] });
    expect(await session()).toMatchObject({ status: 451, body: adjustError('Device is opted out', SESSION) });
  });
});
