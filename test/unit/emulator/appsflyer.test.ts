// AppsFlyer /inappevent/{app_id} over real HTTP: authentication, app ids, body validation with the
// documented answers, the 1 KB limit, the iOS id-prefix pitfall, time stamping, and organic attribution.
import { describe, expect, it } from 'vitest';
import { AF_ID, AF_KEY, T0, afBody, call, lastRecord, postAf, useEmulator } from './helpers';

const fx = useEmulator();
const PARSE = 'Payload is missing or failed to parse';

// The AppsFlyer guide ("Events don't contain revenue"): eventValue stringified exactly as the guide prints it.
const GUIDE_BODY = String.raw`{"appsflyer_id":"1234567890123-1234567","eventName":"af_purchase","eventValue":"{\"af_revenue\":\"6\" ,\"af_content_type\":\"wallets\"}","os":"14.5.1"}`;

// Example values of the api3 OpenAPI file (appsflyer-openapi/s2s_events_api3.yaml). It gives no eventName example.
const YAML_EVENT = {
  appsflyer_id: '1234567890123-1234567',
  eventName: 'af_purchase',
  eventValue: '{ "af_revenue": "6", "af_content_type": "wallets", "af_content_id": "15854", "your_custom_attribute" :"456.123" }',
  eventTime: '2019-05-15 12:17:01.123',
  customer_user_id: 'customer_user_id',
  ip: '192.0.2.1',
  app_version_name: 'my_app_version',
  app_store: 'my_android_store_is_best',
  bundleIdentifier: 'com.myapp',
  os: '14.5.1',
};
const YAML_ANDROID = {
  ...YAML_EVENT,
  advertising_id: '9c9a82fb-d5de-4cd1-90c3-527441c11828',
  oaid: '1fe9a970-efbb-29e0-0bdd-f5dbbf751ab5',
  imei: 'AA-BBBBBB-CCCCCC-D',
  fb_login_id: '10293847561029384',
  sharing_filter: ['googleadwords_int', 'adcolony_int'],
  app_set_id: { scope: 1, id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' },
};
const YAML_IOS = {
  ...YAML_EVENT,
  idfa: '9876F1AA-2983-3855-27BB-2C626772EFAB',
  idfv: '95C9BD22-4A4C-41C8-9548-ED07C5C8C145',
  att: 3,
  sharing_filter: 'all',
};
// The rest of the examples; with the ones above they would exceed the yaml's own 1 KB payload limit.
const YAML_MORE = {
  appsflyer_id: YAML_EVENT.appsflyer_id,
  eventName: YAML_EVENT.eventName,
  eventValue: YAML_EVENT.eventValue,
  email_hashed: '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f',
  phone_number_hashed: 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
  phone_number_e164_hashed: '9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd',
  custom_data: '{"key_group" : { "key_a1" : "value a1", "key_a2" : "value a2" }, "key_b" : "value b"}',
  ua: 'Mozilla/5.0 (Linux; Android 13; SM-G781B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/129.0.6668.70 Mobile Safari/537.36 GoogleApp/15.38.49.28.arm64',
};
const USD_WARNING = 'af_revenue without af_currency or eventCurrency; AppsFlyer assumes USD';

describe("the guides' example requests", () => {
  it.each([
    ['iOS', 'id1234567890'],
    ['Android', 'com.example.s2srelay'],
  ])("the guide's stringified eventValue, verbatim, on the %s demo app: 200 OK, revenue 6 in USD", async (_l, appId) => {
    const r = await postAf(fx.emu, GUIDE_BODY, appId);
    expect([r.status, r.body]).toEqual([200, 'OK']);
    expect(lastRecord(fx.emu)).toMatchObject({
      outcome: 'attributed',
      eventKey: 'af_purchase',
      revenue: '6',
      currency: 'USD',
      recordedTimestamp: new Date(T0).toISOString(),
      warnings: [USD_WARNING],
    });
  });

  it.each([
    ['Android', 'com.example.s2srelay', YAML_ANDROID],
    ['iOS', 'id1234567890', YAML_IOS],
    ['Android (remaining examples)', 'com.example.s2srelay', YAML_MORE],
  ])('the api3 yaml example values, %s: 200 OK; a 2019 eventTime arriving today is stamped with the arrival time', async (_l, appId, example) => {
    const body = JSON.stringify(example);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1024);
    const r = await postAf(fx.emu, body, appId);
    expect([r.status, r.body]).toEqual([200, 'OK']);
    const rec = lastRecord(fx.emu);
    expect(rec).toMatchObject({ outcome: 'attributed', revenue: '6', currency: 'USD', recordedTimestamp: new Date(T0).toISOString(), warnings: [USD_WARNING] });
    if ('eventTime' in example) {
      expect(rec.eventTimeMs).toBe(Date.parse('2019-05-15T12:17:01.123Z'));
      expect(rec.reason).toBe('arrived after 02:00 UTC the day after the event: arrival time');
    }
  });

  it.each([
    ['Android', 'com.example.s2srelay', YAML_ANDROID],
    ['iOS', 'id1234567890', YAML_IOS],
  ])('the api3 yaml example values, %s, arriving shortly after the example eventTime keep that eventTime', async (_l, appId, example) => {
    fx.clock.set(Date.parse('2019-05-15T13:00:00.000Z'));
    expect((await postAf(fx.emu, JSON.stringify(example), appId)).status).toBe(200);
    expect(lastRecord(fx.emu)).toMatchObject({
      outcome: 'attributed',
      recordedTimestamp: '2019-05-15T12:17:01.123Z',
      eventTimeMs: Date.parse('2019-05-15T12:17:01.123Z'),
    });
  });

  it("all the api3 example values in one body exceed the yaml's own 1 KB limit", async () => {
    const body = JSON.stringify({ ...YAML_ANDROID, ...YAML_MORE });
    const n = Buffer.byteLength(body);
    expect(n).toBeGreaterThan(1024);
    expect(await postAf(fx.emu, body, 'com.example.s2srelay')).toMatchObject({
      status: 400,
      body: `Bad request: JSON payload is ${n} bytes, the limit is 1KB (1024 bytes)`,
    });
  });
});

describe('accepted events', () => {
  it('a valid event answers 200 OK and is attributed to the demo install', async () => {
    const r = await postAf(fx.emu, afBody());
    expect([r.status, r.body]).toEqual([200, 'OK']);
    expect(lastRecord(fx.emu)).toMatchObject({
      vendor: 'appsflyer',
      endpoint: 'inappevent',
      outcome: 'attributed',
      appKey: 'id1234567890',
      eventKey: 'af_purchase',
      deviceKey: `appsflyer_id:${AF_ID}`,
      revenue: '9.99',
      currency: 'USD',
      recordedTimestamp: new Date(T0).toISOString(),
      warnings: [],
    });
  });

  it.each(['', ' '])('eventValue %j means "no value" and is accepted', async (eventValue) => {
    expect((await postAf(fx.emu, afBody({ eventValue }))).status).toBe(200);
  });

  it.each(['-123.45', '123', '123.456'])('af_revenue %s is accepted (negative for refunds)', async (af_revenue) => {
    const r = await postAf(fx.emu, afBody({ eventValue: JSON.stringify({ af_revenue, af_currency: 'EUR' }) }));
    expect(r.status).toBe(200);
    expect(lastRecord(fx.emu)).toMatchObject({ revenue: af_revenue, currency: 'EUR' });
  });

  it('the Android demo app accepts the same key; os is not needed there', async () => {
    const r = await postAf(fx.emu, afBody({ os: undefined, advertising_id: '9c9a82fb-d5de-4cd1-90c3-527441c11828' }), 'com.example.s2srelay');
    expect(r.status).toBe(200);
    expect(lastRecord(fx.emu).warnings).toEqual([]);
  });

  it('os missing on an iOS app is accepted and recorded as a warning', async () => {
    expect((await postAf(fx.emu, afBody({ os: undefined }))).status).toBe(200);
    expect(lastRecord(fx.emu).warnings.join(' ')).toMatch(/os missing on an iOS app/);
  });

  it.each([
    ['eventValue', { eventValue: JSON.stringify({ af_revenue: '1', s2s_delivery_id: 'af-dlv-1' }) }, 'af-dlv-1'],
    ['custom_data', { custom_data: JSON.stringify({ s2s_delivery_id: 'af-dlv-2' }) }, 'af-dlv-2'],
  ])('extracts the delivery id from %s', async (_l, o, id) => {
    await postAf(fx.emu, afBody(o));
    expect(lastRecord(fx.emu).deliveryId).toBe(id);
    expect(fx.emu.requests({ deliveryId: id })).toHaveLength(1);
  });

  it('an api2 app accepts its dev key and refuses another key', async () => {
    fx.emu.updateConfig({ appsflyerApps: [{ appId: 'com.example.legacy', platform: 'android', apiVersion: 'api2', key: 'legacy-dev-key' }] });
    expect((await postAf(fx.emu, afBody(), 'com.example.legacy', { authentication: 'legacy-dev-key' })).status).toBe(200);
    expect(await postAf(fx.emu, afBody(), 'com.example.legacy')).toMatchObject({ status: 401, body: 'Unauthorized' });
  });
});

describe('authentication and app ids', () => {
  const url = () => `${fx.emu.url}/appsflyer/inappevent/id1234567890`;

  it('missing authentication header: 401 Unauthorized', async () => {
    const r = await call(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: afBody() });
    expect([r.status, r.body]).toEqual([401, 'Unauthorized']);
  });

  it('wrong key: 401 Unauthorized', async () => {
    expect(await postAf(fx.emu, afBody(), 'id1234567890', { authentication: 'not-the-key' })).toMatchObject({ status: 401, body: 'Unauthorized' });
  });

  it('empty or malformed key: 400 Failed to Authenticate', async () => {
    expect(await postAf(fx.emu, afBody(), 'id1234567890', { authentication: ' ' })).toMatchObject({ status: 400, body: 'Failed to Authenticate' });
    expect(await postAf(fx.emu, afBody(), 'id1234567890', { authentication: 'two words' })).toMatchObject({ status: 400, body: 'Failed to Authenticate' });
  });

  it('unknown app id: 400 app_id', async () => {
    expect(await postAf(fx.emu, afBody(), 'com.unknown.app')).toMatchObject({ status: 400, body: 'app_id' });
  });

  it('Zero Package apps: 403 Forbidden', async () => {
    fx.emu.updateConfig({ appsflyerApps: [{ appId: 'id1234567890', zeroPackage: true }] });
    expect(await postAf(fx.emu, afBody())).toMatchObject({ status: 403, body: 'Forbidden' });
  });

  it('iOS app id without the "id" prefix: 200 OK but nothing recorded', async () => {
    const r = await postAf(fx.emu, afBody(), '1234567890');
    expect([r.status, r.body]).toEqual([200, 'OK']);
    const rec = lastRecord(fx.emu);
    expect(rec.outcome).toBe('not_recorded');
    expect(rec.warnings.join(' ')).toMatch(/without the "id" prefix/);
  });

  it('only POST', async () => {
    const r = await call(url(), { headers: { authentication: AF_KEY } });
    expect([r.status, r.headers['allow']]).toEqual([405, 'POST']);
  });
});

describe('body validation', () => {
  it('content type must be application/json', async () => {
    expect(await postAf(fx.emu, afBody(), 'id1234567890', { 'content-type': 'text/plain' })).toMatchObject({ status: 400, body: PARSE });
  });

  it.each([
    ['malformed JSON', '{"appsflyer_id":'],
    ['empty body', ''],
    ['an array of events', `[${afBody()},${afBody()}]`],
    ['more than one event', JSON.stringify({ events: [JSON.parse(afBody()), JSON.parse(afBody())] })],
    ['eventValue sent as an object', afBody({ eventValue: { af_revenue: '6' } })],
    ['eventValue holding malformed JSON', afBody({ eventValue: '{"af_revenue":' })],
    ['eventValue holding an array', afBody({ eventValue: '[1,2]' })],
    ['eventValue sent as a number', afBody({ eventValue: 6 })],
    ['eventName as an array of events', afBody({ eventName: ['af_purchase', 'af_purchase'] })],
    ['a JSON string instead of an object', JSON.stringify(afBody())],
    ['JSON null', 'null'],
  ])('%s: 400 Payload is missing or failed to parse', async (_l, body) => {
    expect(await postAf(fx.emu, body)).toMatchObject({ status: 400, body: PARSE });
  });

  it.each([undefined, '', null])('appsflyer_id %j: 400 appsflyer_id is a mandatory field', async (appsflyer_id) => {
    expect(await postAf(fx.emu, afBody({ appsflyer_id }))).toMatchObject({ status: 400, body: 'appsflyer_id is a mandatory field' });
  });

  it.each([
    ['malformed appsflyer_id', { appsflyer_id: '12345-678' }],
    ['appsflyer_id as a number', { appsflyer_id: 1234567890123 }],
    ['missing eventName', { eventName: undefined }],
    ['eventName over 100 characters', { eventName: 'e'.repeat(101) }],
    ['missing eventValue', { eventValue: undefined }],
    ['af_revenue with a comma', { eventValue: JSON.stringify({ af_revenue: '1,234.56' }) }],
    ['af_revenue with a currency sign', { eventValue: JSON.stringify({ af_revenue: '$5' }) }],
    ['af_revenue with two decimal points', { eventValue: JSON.stringify({ af_revenue: '1.2.3' }) }],
    ['lower-case af_currency', { eventValue: JSON.stringify({ af_revenue: '5', af_currency: 'usd' }) }],
    ['eventCurrency not 3 letters', { eventCurrency: 'EURO' }],
    ['IPv6 ip', { ip: '2001:db8::1' }],
    ['malformed ip', { ip: '1.2.3' }],
    ['lower-case idfa', { idfa: 'd2cadb5f-410f-4963-ac0c-2a78534bdf1e' }],
    ['att out of range', { att: 4 }],
    ['att as a string', { att: '3' }],
  ])('%s: 400 Bad request', async (_l, o) => {
    expect(await postAf(fx.emu, afBody(o))).toMatchObject({ status: 400, body: 'Bad request' });
    expect(lastRecord(fx.emu).outcome).toBe('rejected');
  });

  // Field shapes of the api3 yaml; the record's reason starts with the failing field.
  it.each([
    ['eventName', { eventName: '' }],
    ['eventName', { eventName: 42 }],
    ['idfv', { idfv: '95c9bd22-4a4c-41c8-9548-ed07c5c8c145' }],
    ['aie', { aie: 'true' }],
    ['aie', { aie: 1 }],
    ['fb_login_id', { fb_login_id: 'fb-10293847561029384' }],
    ['fb_login_id', { fb_login_id: 1029384756102938 }],
    ['fb_login_id', { fb_login_id: '' }],
    ['sharing_filter', { sharing_filter: 'none' }],
    ['sharing_filter', { sharing_filter: [] }],
    ['sharing_filter', { sharing_filter: [''] }],
    ['sharing_filter', { sharing_filter: ['twitter', 7] }],
    ['app_type', { app_type: 'web' }],
    ['app_type', { app_type: 'App_Clip' }],
    ['app_set_id', { app_set_id: { scope: 3, id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' } }],
    ['app_set_id', { app_set_id: { scope: '1', id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' } }],
    ['app_set_id', { app_set_id: { scope: 1 } }],
    ['app_set_id', { app_set_id: { scope: 1, id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479', extra: true } }],
    ['app_set_id', { app_set_id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' }],
    ['customer_user_id', { customer_user_id: 42 }],
    ['custom_data', { custom_data: { s2s_delivery_id: 'x' } }],
    ['consent_data', { consent_data: 'granted' }],
  ])('%s %j: 400 Bad request', async (field, o) => {
    expect(await postAf(fx.emu, afBody(o))).toMatchObject({ status: 400, body: 'Bad request' });
    const rec = lastRecord(fx.emu);
    expect(rec.outcome).toBe('rejected');
    expect(rec.reason?.startsWith(field)).toBe(true);
  });

  it.each([
    { aie: true },
    { aie: false },
    { fb_login_id: '10293847561029384' },
    { sharing_filter: 'all' },
    { sharing_filter: ['Apple Search Ads', 'twitter'] },
    { app_type: '' },
    { app_type: 'app_clip' },
    { app_set_id: { scope: 2, id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' } },
    { consent_data: { manual: { gdpr_applies: 1, ad_user_data_enabled: true, ad_personalization_enabled: false } } },
    { unknown_extra_field: [1, 2, 3] },
  ])('accepts %j', async (o) => {
    expect(await postAf(fx.emu, afBody(o))).toMatchObject({ status: 200, body: 'OK' });
  });

  it.each(['[1]', '"text"', '42', '{"key_b":', 'null'])('custom_data %j (not a stringified JSON object): 400 Bad request', async (custom_data) => {
    expect(await postAf(fx.emu, afBody({ custom_data }))).toMatchObject({ status: 400, body: 'Bad request' });
    expect(lastRecord(fx.emu)).toMatchObject({ outcome: 'rejected', reason: 'custom_data must be a stringified JSON object' });
  });

  it.each(['', ' '])('custom_data %j means "no value" and is accepted', async (custom_data) => {
    expect((await postAf(fx.emu, afBody({ custom_data }))).status).toBe(200);
  });

  it.each([
    ['af_revenue as a JSON number', JSON.stringify({ af_revenue: -12.5, af_currency: 'EUR' }), '-12.5'],
    ['af_revenue without a currency (recorded as USD with a warning)', JSON.stringify({ af_revenue: '3' }), '3'],
  ])('%s is accepted', async (_l, eventValue, revenue) => {
    expect((await postAf(fx.emu, afBody({ eventValue }))).status).toBe(200);
    const rec = lastRecord(fx.emu);
    expect(rec.revenue).toBe(revenue);
    expect(rec.currency).toBe(eventValue.includes('EUR') ? 'EUR' : 'USD');
    expect(rec.warnings).toEqual(eventValue.includes('EUR') ? [] : [USD_WARNING]);
  });

  it('eventCurrency supplies the currency when af_currency is absent', async () => {
    expect((await postAf(fx.emu, afBody({ eventValue: JSON.stringify({ af_revenue: '3' }), eventCurrency: 'JPY' }))).status).toBe(200);
    expect(lastRecord(fx.emu)).toMatchObject({ revenue: '3', currency: 'JPY', warnings: [] });
  });

  it.each([
    ['af_revenue as an object', { af_revenue: { v: 1 } }],
    ['af_currency as a number', { af_revenue: '1', af_currency: 978 }],
  ])('%s: 400 Bad request', async (_l, value) => {
    expect(await postAf(fx.emu, afBody({ eventValue: JSON.stringify(value) }))).toMatchObject({ status: 400, body: 'Bad request' });
  });

  it('accepts an upper-case idfa/idfv, att 0-3 and a 100-character eventName', async () => {
    const body = afBody({ idfa: 'D2CADB5F-410F-4963-AC0C-2A78534BDF1E', idfv: '95C9BD22-4A4C-41C8-9548-ED07C5C8C145', att: 3, eventName: 'e'.repeat(100) });
    expect((await postAf(fx.emu, body)).status).toBe(200);
  });

  it('payloads over 1 KB: 400 with a clear message; exactly 1 KB passes', async () => {
    const fill = (n: number) => {
      const base = afBody({ customer_user_id: '' });
      return afBody({ customer_user_id: 'u'.repeat(n - Buffer.byteLength(base)) });
    };
    const over = fill(1025);
    expect(Buffer.byteLength(over)).toBe(1025);
    expect(await postAf(fx.emu, over)).toMatchObject({ status: 400, body: 'Bad request: JSON payload is 1025 bytes, the limit is 1KB (1024 bytes)' });
    const exact = fill(1024);
    expect(Buffer.byteLength(exact)).toBe(1024);
    expect((await postAf(fx.emu, exact)).status).toBe(200);
  });
});

describe('time stamping and attribution', () => {
  // T0 is Monday 2 June 2025, 12:00 UTC.
  it('the guide table: eventTime Monday 21:00 arriving Tuesday 01:00 keeps Monday 21:00', async () => {
    fx.clock.set(Date.parse('2025-06-03T01:00:00.000Z'));
    expect((await postAf(fx.emu, afBody({ eventTime: '2025-06-02 21:00:00.000' }))).status).toBe(200);
    expect(lastRecord(fx.emu)).toMatchObject({ recordedTimestamp: '2025-06-02T21:00:00.000Z', eventTimeMs: Date.parse('2025-06-02T21:00:00.000Z') });
  });

  it('the guide table: the same event arriving Wednesday 09:00 is stamped with the arrival time', async () => {
    fx.clock.set(Date.parse('2025-06-04T09:00:00.000Z'));
    await postAf(fx.emu, afBody({ eventTime: '2025-06-02 21:00:00.000' }));
    expect(lastRecord(fx.emu).recordedTimestamp).toBe('2025-06-04T09:00:00.000Z');
  });

  it.each(['2025-06-02T10:00:00Z', '2025-06-02 10:00:00', 1748858400000])(
    'invalid eventTime %j is stamped with the arrival time and warned',
    async (eventTime) => {
      expect((await postAf(fx.emu, afBody({ eventTime }))).status).toBe(200);
      const rec = lastRecord(fx.emu);
      expect(rec.recordedTimestamp).toBe(new Date(T0).toISOString());
      expect(rec.eventTimeMs).toBeUndefined();
      expect(rec.warnings.join(' ')).toMatch(/invalid eventTime/);
    },
  );

  it('an event before the install is processed is organic (still 200 OK); after processing it is attributed', async () => {
    const appsflyerId = '1700000000000-7654321';
    const install = fx.emu.registerInstall({ appId: 'id1234567890', appsflyerId });
    expect(install.appsflyer?.processedAt).toBe(new Date(T0 + 30_000).toISOString());
    fx.clock.advance(10_000);
    expect(await postAf(fx.emu, afBody({ appsflyer_id: appsflyerId }))).toMatchObject({ status: 200, body: 'OK' });
    expect(lastRecord(fx.emu)).toMatchObject({ outcome: 'organic', reason: expect.stringMatching(/install not processed yet/) });
    fx.clock.advance(20_000);
    await postAf(fx.emu, afBody({ appsflyer_id: appsflyerId }));
    expect(lastRecord(fx.emu).outcome).toBe('attributed');
  });

  it('an unknown appsflyer_id is organic in strict mode, registered and attributed in lenient mode', async () => {
    const appsflyerId = '1700000000000-1111111';
    await postAf(fx.emu, afBody({ appsflyer_id: appsflyerId }));
    expect(lastRecord(fx.emu)).toMatchObject({ outcome: 'organic', reason: 'no install known for this appsflyer_id' });
    fx.emu.updateConfig({ lenientDevices: true });
    await postAf(fx.emu, afBody({ appsflyer_id: appsflyerId }));
    expect(lastRecord(fx.emu).outcome).toBe('attributed');
    fx.emu.updateConfig({ lenientDevices: false });
    await postAf(fx.emu, afBody({ appsflyer_id: appsflyerId }));
    expect(lastRecord(fx.emu).outcome).toBe('attributed');
  });
});
