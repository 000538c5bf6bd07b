// AppsFlyer /inappevent/{app_id} over real HTTP: authentication, app ids, body validation with the
// documented answers, the 1 KB limit, the iOS id-prefix pitfall, time stamping, and organic attribution.
import { describe, expect, it } from 'vitest';
import { AF_ID, AF_KEY, T0, afBody, call, lastRecord, postAf, useEmulator } from './helpers';

const fx = useEmulator();
const PARSE = 'Payload is missing or failed to parse';

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
  ])('%s: 400 Payload is missing or failed to parse', async (_l, body) => {
    expect(await postAf(fx.emu, body)).toMatchObject({ status: 400, body: PARSE });
  });

  it.each([undefined, ''])('appsflyer_id %j: 400 appsflyer_id is a mandatory field', async (appsflyer_id) => {
    expect(await postAf(fx.emu, afBody({ appsflyer_id }))).toMatchObject({ status: 400, body: 'appsflyer_id is a mandatory field' });
  });

  it.each([
    ['malformed appsflyer_id', { appsflyer_id: '12345-678' }],
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

  it.each(['2025-06-02T10:00:00Z', '2025-06-02 10:00:00', 1748858400000])('invalid eventTime %j is stamped with the arrival time and warned', async (eventTime) => {
    expect((await postAf(fx.emu, afBody({ eventTime }))).status).toBe(200);
    const rec = lastRecord(fx.emu);
    expect(rec.recordedTimestamp).toBe(new Date(T0).toISOString());
    expect(rec.eventTimeMs).toBeUndefined();
    expect(rec.warnings.join(' ')).toMatch(/invalid eventTime/);
  });

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
