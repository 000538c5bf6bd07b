// Adjust /event over real HTTP, part 2: app, token, auth, device, size, revenue and parameter rules, each
// rejection with the documented status and exact error body.
import { describe, expect, it } from 'vitest';
import { ANDROID_APP, ANDROID_BEARER, GPS_ADID, IDFA_A, DAY, T0, adjustError, adjustEvent, call, lastRecord, qs, useEmulator } from './helpers';

const fx = useEmulator();
const ev = (params: Record<string, string>, headers: Record<string, string> = {}) => call(`${fx.emu.url}/adjust/event?${qs(params)}`, { headers });
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('app, token and device rules', () => {
  it('requires s2s=1', async () => {
    const r = await ev(adjustEvent({ s2s: undefined }));
    expect([r.status, r.body]).toEqual([400, adjustError('Bad event state: the s2s parameter must be 1 for server-to-server requests')]);
  });

  it.each([
    ['missing', undefined],
    ['malformed', 'NOT-A-TOKEN'],
  ])('app token %s: 400 Invalid app token', async (_label, app_token) => {
    const r = await ev(adjustEvent({ app_token }));
    expect([r.status, r.body]).toEqual([400, adjustError('Invalid app token')]);
  });

  it('parameter names are case-sensitive', async () => {
    const r = await ev(adjustEvent({ app_token: undefined, App_Token: '4w565xzmb54d' }));
    expect([r.status, r.body]).toEqual([400, adjustError('Invalid app token')]);
  });

  it('well-formed unknown app token: 404 App token not found', async () => {
    const r = await ev(adjustEvent({ app_token: 'abcdefabcdef' }));
    expect([r.status, r.body]).toEqual([404, adjustError('App token not found')]);
  });

  it.each([
    ['missing', undefined],
    ['unknown', 'zzzzzz'],
    ["another app's", 'p4rch2'],
  ])('%s event token: 400 Invalid event token', async (_label, event_token) => {
    const r = await ev(adjustEvent({ event_token }));
    expect([r.status, r.body]).toEqual([400, adjustError('Invalid event token')]);
  });

  it('needs at least one device identifier', async () => {
    const r = await ev(adjustEvent({ idfa: undefined }));
    expect(r.status).toBe(400);
    expect(r.body).toBe(adjustError('Bad event state: no device identifier (send one of idfa, gps_adid, fire_adid, oaid, web_uuid, idfv, android_id, adid)'));
  });

  it('S2S security: missing or wrong bearer token answers 401, the right one passes', async () => {
    const p = adjustEvent({ app_token: ANDROID_APP, event_token: 'tr1al2', idfa: undefined, gps_adid: GPS_ADID });
    expect((await ev(p)).body).toBe(adjustError('Failed to authorize request'));
    const wrong = await ev(p, { authorization: 'Bearer nope' });
    expect([wrong.status, wrong.body]).toEqual([401, adjustError('Failed to authorize request')]);
    expect((await ev(p, { authorization: ANDROID_BEARER })).status).toBe(200);
  });

  it('inactive app, disabled tracking and blocklisted tokens answer 403', async () => {
    fx.emu.updateConfig({ adjustApps: [{ appToken: '4w565xzmb54d', inactive: true }] });
    expect(await ev(adjustEvent())).toMatchObject({ status: 403, body: adjustError('App is inactive') });
    fx.emu.updateConfig({ adjustApps: [{ appToken: '4w565xzmb54d', inactive: false, trackingDisabled: true }] });
    expect(await ev(adjustEvent())).toMatchObject({ status: 403, body: adjustError('Tracking disabled') });
    fx.emu.updateConfig({ adjustApps: [{ appToken: '4w565xzmb54d', trackingDisabled: false, eventTokens: { f0ob4r: { blocklisted: true } } }] });
    expect(await ev(adjustEvent())).toMatchObject({ status: 403, body: adjustError('Event token blocklisted') });
  });

  it('unknown devices answer 404 Device not found', async () => {
    const r = await ev(adjustEvent({ idfa: '11111111-2222-3333-4444-555555555555' }));
    expect([r.status, r.body]).toEqual([404, adjustError('Device not found')]);
  });

  it('opted-out devices answer 451; removing the opt-out at runtime lets the same request through', async () => {
    fx.emu.updateConfig({ optedOutDevices: [IDFA_A.toLowerCase()] });
    expect(await ev(adjustEvent())).toMatchObject({ status: 451, body: adjustError('Device is opted out') });
    fx.emu.updateConfig({ optedOutDevices: [] });
    expect((await ev(adjustEvent())).status).toBe(200);
  });

  it('a 1 MB request answers 413 Request size too large; just under the limit passes', async () => {
    const base = qs(adjustEvent()) + '&pad=';
    const over = await call(`${fx.emu.url}/adjust/event`, { method: 'POST', headers: FORM, body: base + 'x'.repeat(1_048_576) });
    expect([over.status, over.body]).toEqual([413, adjustError('Request size too large')]);
    const pathBytes = '/adjust/event'.length;
    const under = await call(`${fx.emu.url}/adjust/event`, { method: 'POST', headers: FORM, body: base + 'x'.repeat(1_048_576 - base.length - pathBytes) });
    expect(under.status).toBe(200);
  });

  it('a GET whose URL alone is over 1 MB answers 413 Request size too large', async () => {
    const r = await call(`${fx.emu.url}/adjust/event?${qs(adjustEvent())}&pad=${'x'.repeat(1_048_576)}`);
    expect([r.status, r.body]).toEqual([413, adjustError('Request size too large')]);
  });

  it('a body that is not form-encoded is ignored (parameters only from the URL)', async () => {
    const r = await call(`${fx.emu.url}/adjust/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(adjustEvent()),
    });
    expect([r.status, r.body]).toEqual([400, adjustError('Bad event state: the s2s parameter must be 1 for server-to-server requests')]);
    expect(lastRecord(fx.emu).warnings.join(' ')).toMatch(/body ignored/);
  });

  it('methods other than GET and POST answer 405', async () => {
    const r = await call(`${fx.emu.url}/adjust/event?${qs(adjustEvent())}`, { method: 'PUT' });
    expect([r.status, r.body]).toEqual([405, adjustError('Method not allowed, use GET or POST')]);
    expect(r.headers['allow']).toBe('GET, POST');
  });

  it('device ids are compared case-insensitively', async () => {
    const r = await ev(adjustEvent({ idfa: IDFA_A.toLowerCase() }));
    expect(r.status).toBe(200);
    expect(lastRecord(fx.emu).deviceKey).toBe(`idfa:${IDFA_A.toLowerCase()}`);
  });
});

describe('parameter merging', () => {
  it('a name in both URL and body: the body wins and a warning is recorded', async () => {
    const r = await call(`${fx.emu.url}/adjust/event?${qs({ event_token: 'zzzzzz' })}`, { method: 'POST', headers: FORM, body: qs(adjustEvent()) });
    expect(r.status).toBe(200);
    const rec = lastRecord(fx.emu);
    expect(rec.params?.['event_token']).toBe('f0ob4r');
    expect(rec.warnings).toContain('parameter event_token is in both URL and body; the body value is used');
  });

  it('a repeated name: the first value is used and a warning is recorded', async () => {
    const r = await call(`${fx.emu.url}/adjust/event?${qs(adjustEvent())}&event_token=zzzzzz`);
    expect(r.status).toBe(200);
    expect(lastRecord(fx.emu).warnings).toContain('parameter event_token repeated in the URL; the first value is used');
  });
});

describe('lenient devices', () => {
  it('registers an unknown device on first sight as installed long ago', async () => {
    fx.emu.updateConfig({ lenientDevices: true });
    const idfa = '99999999-2222-3333-4444-555555555555';
    expect((await ev(adjustEvent({ idfa, created_at_unix: String((T0 - 20 * DAY) / 1000) }))).status).toBe(200);
    expect(lastRecord(fx.emu).warnings.join(' ')).toMatch(/lenientDevices/);
    fx.emu.updateConfig({ lenientDevices: false });
    expect((await ev(adjustEvent({ idfa }))).status).toBe(200);
  });
});

describe('revenue and parameters', () => {
  it.each([
    ['0.0009', 'USD'],
    ['0', 'USD'],
    ['-5', 'USD'],
    ['100000000000.01', 'USD'],
    ['1,000', 'USD'],
    ['$5', 'USD'],
    ['1e3', 'USD'],
    ['5', undefined],
    ['5', 'usd'],
  ])('revenue=%j currency=%j: 400 Invalid revenue', async (revenue, currency) => {
    const r = await ev(adjustEvent({ event_token: 'p4rch1', revenue, currency }));
    expect([r.status, r.body]).toEqual([400, adjustError('Invalid revenue')]);
  });

  it.each(['0.001', '149.99', '100000000000'])('revenue=%s is accepted and recorded', async (revenue) => {
    const r = await ev(adjustEvent({ event_token: 'p4rch1', revenue, currency: 'USD' }));
    expect(r.status).toBe(200);
    expect(lastRecord(fx.emu)).toMatchObject({ revenue, currency: 'USD' });
  });

  it.each([
    ['nested', '{"a":{"b":"c"}}'],
    ['non-string value', '{"a":1}'],
    ['not JSON', '{a:b}'],
    ['an array', '["a"]'],
  ])('callback_params %s: 400 Invalid callback parameters', async (_l, callback_params) => {
    const r = await ev(adjustEvent({ callback_params }));
    expect([r.status, r.body]).toEqual([400, adjustError('Invalid callback parameters')]);
  });

  it.each([
    ['nested', '{"a":{"b":"c"}}'],
    ['holding an array', '{"a":[1]}'],
    ['non-string value', '{"a":1}'],
    ['not JSON', '{a:b}'],
    ['an array', '["a"]'],
  ])('partner_params %s: 400 Bad event state (Adjust documents no message of its own for it)', async (_l, partner_params) => {
    const r = await ev(adjustEvent({ partner_params }));
    expect([r.status, r.body]).toEqual([400, adjustError('Bad event state: invalid partner_params (a flat JSON object of strings is expected)')]);
    expect(lastRecord(fx.emu).outcome).toBe('rejected');
  });

  it('ip_address must be IPv4: IPv6 is rejected with Bad event state', async () => {
    const r = await ev(adjustEvent({ ip_address: '2001:db8::1' }));
    expect([r.status, r.body]).toEqual([400, adjustError('Bad event state: ip_address must be IPv4 (IPv6 is not supported)')]);
    const bad = await ev(adjustEvent({ ip_address: '300.1.1.1' }));
    expect(bad.body).toBe(adjustError('Bad event state: ip_address must be IPv4 (not an IPv4 address)'));
    expect((await ev(adjustEvent({ ip_address: '192.0.2.1' }))).status).toBe(200);
  });

  it('environment must be sandbox or production', async () => {
    const r = await ev(adjustEvent({ environment: 'staging' }));
    expect([r.status, r.body]).toEqual([400, adjustError('Bad event state: environment must be sandbox or production, got "staging"')]);
  });

  it('extracts the relay delivery id from callback_params.s2s_delivery_id', async () => {
    await ev(adjustEvent({ callback_params: JSON.stringify({ s2s_delivery_id: 'dlv-42', other: 'x' }) }));
    expect(lastRecord(fx.emu)).toMatchObject({ deliveryId: 'dlv-42', appKey: '4w565xzmb54d', eventKey: 'f0ob4r' });
    expect(fx.emu.requests({ deliveryId: 'dlv-42' })).toHaveLength(1);
  });
});
