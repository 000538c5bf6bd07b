// Adjust /event over real HTTP, part 1: the guide's own example requests, both created_at forms, the age
// window, install time and the chronological / unique-token rules, with exact answers.
import { describe, expect, it } from 'vitest';
import {
  ANDROID_APP,
  ANDROID_BEARER,
  DAY,
  GPS_ADID,
  HOUR,
  IDFA_A,
  IDFA_B,
  OK_JSON,
  T0,
  adjustError,
  adjustEvent,
  call,
  isoAt,
  lastRecord,
  qs,
  useEmulator,
} from './helpers';

const fx = useEmulator();
const ev = (params: Record<string, string>, headers: Record<string, string> = {}) => call(`${fx.emu.url}/adjust/event?${qs(params)}`, { headers });
const tooOld = (createdAt: string) => adjustError(`Bad event state: too old, created_at ${createdAt} is more than 28 days before the request was received`);
const TOO_OLD_2017 = tooOld('2017-01-02T13:04:05.000Z');

// Copied from the Adjust S2S events guide ("Setup completion"); only the host differs.
const GUIDE_QUERY =
  's2s=1&event_token=f0ob4r&app_token=4w565xzmb54d&idfa=D2CADB5F-410F-4963-AC0C-2A78534BDF1E&created_at=2017-01-02T15%3A04%3A05Z%2B0200&callback_params=%7B%22f0o%22%3A%22bar%22%2C%20%22bar%22%3A%22baz%22%7D&partner_params=%7B%22f0o%22%3A%22bar%22%2C%20%22bar%22%3A%22baz%22%7D';
const GUIDE_CREATED_AT = 'created_at=2017-01-02T15%3A04%3A05Z%2B0200';
const RECENT_QUERY = GUIDE_QUERY.replace('2017-01-02T15%3A04%3A05Z%2B0200', '2025-06-01T15%3A04%3A05Z%2B0200');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * The other literal timestamps of the guide ("Recommended additional parameters" and "Conditions for the created_at
 * timestamp"), each put in place of the setup example's created_at: the guide's own encoding of
 * 2017-01-02T15:04:05.000+0000, and created_at_unix in seconds and in milliseconds.
 */
const GUIDE_TIMESTAMPS: Array<[label: string, param: string, instant: string]> = [
  ['created_at=2017-01-02T15:04:05Z+0200 (setup example)', GUIDE_CREATED_AT, '2017-01-02T13:04:05.000Z'],
  ['created_at=2017-01-02T15:04:05.000+0000 (encoded as the guide shows)', 'created_at=2017-01-02T15%3A04%3A05.000%2B0000', '2017-01-02T15:04:05.000Z'],
  ['created_at_unix=1484085154 (seconds)', 'created_at_unix=1484085154', '2017-01-10T21:52:34.000Z'],
  ['created_at_unix=1484085154000 (milliseconds)', 'created_at_unix=1484085154000', '2017-01-10T21:52:34.000Z'],
];
const guideQueryWith = (param: string) => GUIDE_QUERY.replace(GUIDE_CREATED_AT, param);

describe('the guide example requests', () => {
  it('GET with URL parameters, verbatim: rejected only because 2017 is outside the 28-day window', async () => {
    const r = await call(`${fx.emu.url}/adjust/event?${GUIDE_QUERY}`);
    expect(r.status).toBe(400);
    expect(r.body).toBe(TOO_OLD_2017);
    expect(r.headers['content-type']).toBe('application/json');
    expect(lastRecord(fx.emu).outcome).toBe('rejected');
  });

  it('POST with URL parameters and no body, verbatim: same answer', async () => {
    const r = await call(`${fx.emu.url}/adjust/event?${GUIDE_QUERY}`, { method: 'POST' });
    expect([r.status, r.body]).toEqual([400, TOO_OLD_2017]);
  });

  it('POST with body parameters, verbatim: same answer', async () => {
    const r = await call(`${fx.emu.url}/adjust/event`, { method: 'POST', headers: FORM, body: GUIDE_QUERY });
    expect([r.status, r.body]).toEqual([400, TOO_OLD_2017]);
  });

  describe('verbatim, with the emulator clock one hour after the example date (the demo installs date from 2016)', () => {
    it.each(GUIDE_TIMESTAMPS)("%s: too old at today's clock", async (_l, param, instant) => {
      const r = await call(`${fx.emu.url}/adjust/event?${guideQueryWith(param)}`);
      expect([r.status, r.body]).toEqual([400, tooOld(instant)]);
    });

    it.each(GUIDE_TIMESTAMPS)('%s: accepted as GET, as POST with URL parameters and as POST with a body', async (_l, param, instant) => {
      fx.clock.set(Date.parse(instant) + HOUR);
      const query = guideQueryWith(param);
      const replies = [
        await call(`${fx.emu.url}/adjust/event?${query}`),
        await call(`${fx.emu.url}/adjust/event?${query}`, { method: 'POST' }),
        await call(`${fx.emu.url}/adjust/event`, { method: 'POST', headers: FORM, body: query }),
      ];
      expect(replies.map((r) => [r.status, r.body])).toEqual([
        [200, OK_JSON],
        [200, OK_JSON],
        [200, OK_JSON],
      ]);
      for (const rec of fx.emu.requests()) {
        expect(rec).toMatchObject({
          outcome: 'accepted',
          eventTimeMs: Date.parse(instant),
          recordedTimestamp: instant,
          deviceKey: `idfa:${IDFA_A}`,
          warnings: [],
        });
      }
    });
  });

  it('GET with a recent created_at in the same Z+0200 form is accepted', async () => {
    const r = await call(`${fx.emu.url}/adjust/event?${RECENT_QUERY}`);
    expect([r.status, r.body]).toEqual([200, OK_JSON]);
    const rec = lastRecord(fx.emu);
    expect(rec.outcome).toBe('accepted');
    expect(rec.eventTimeMs).toBe(Date.parse('2025-06-01T13:04:05.000Z'));
    expect(rec.recordedTimestamp).toBe('2025-06-01T13:04:05.000Z');
    expect(rec.deviceKey).toBe(`idfa:${IDFA_A}`);
  });

  it('POST with URL parameters and a recent created_at is accepted', async () => {
    const r = await call(`${fx.emu.url}/adjust/event?${RECENT_QUERY}`, { method: 'POST' });
    expect([r.status, r.body]).toEqual([200, OK_JSON]);
  });

  it('POST with a form body and a recent created_at is accepted; body and URL parameters merge', async () => {
    const [first, ...rest] = RECENT_QUERY.split('&');
    const r = await call(`${fx.emu.url}/adjust/event?${first}`, { method: 'POST', headers: FORM, body: rest.join('&') });
    expect([r.status, r.body]).toEqual([200, OK_JSON]);
    const rec = lastRecord(fx.emu);
    expect(rec.params?.['s2s']).toBe('1');
    expect(rec.params?.['event_token']).toBe('f0ob4r');
  });

  it('the callback_params and partner_params examples are accepted as written', async () => {
    const cb = await call(
      `${fx.emu.url}/adjust/event?s2s=1&event_token=f0ob4r&app_token=4w565xzmb54d&idfa=8A3CB124-5A79-4334-8802-F75FEC099C58&callback_params=%7B%22f0o%22%3A%22bar%22%2C%20%22bar%22%3A%22baz%22%7D`,
    );
    const pp = await call(
      `${fx.emu.url}/adjust/event?s2s=1&event_token=f0ob4r&app_token=4w565xzmb54d&idfa=8A3CB124-5A79-4334-8802-F75FEC099C58&partner_params=%7B%22f0o%22%3A%22bar%22%2C%20%22bar%22%3A%22baz%22%7D`,
    );
    expect([cb.status, cb.body, pp.status, pp.body]).toEqual([200, OK_JSON, 200, OK_JSON]);
  });

  it("the guide's Android example (its gps_adid with its app token 4w565xzmb54d) is accepted", async () => {
    // The guide's required parameters: gps_adid=660e1d86-… next to app_token=4w565xzmb54d, event_token=f0ob4r, s2s=1.
    const r = await call(`${fx.emu.url}/adjust/event?s2s=1&event_token=f0ob4r&app_token=4w565xzmb54d&gps_adid=660e1d86-6796-463a-be86-897993136018`);
    expect([r.status, r.body]).toEqual([200, OK_JSON]);
    const rec = lastRecord(fx.emu);
    expect(rec).toMatchObject({ outcome: 'accepted', deviceKey: `gps_adid:${GPS_ADID}` });
    // The demo app is configured as iOS, so the Android id is flagged, not refused.
    expect(rec.warnings).toContain('gps_adid is not an iOS identifier but app 4w565xzmb54d is an iOS app');
  });

  it.each([
    ['idfa', IDFA_A],
    ['idfa', IDFA_B],
    ['gps_adid', GPS_ADID],
  ])("the guide's %s %s is installed for every demo app", async (name, id) => {
    const ios = await ev(adjustEvent({ idfa: undefined, [name]: id }));
    const android = await ev(adjustEvent({ app_token: ANDROID_APP, event_token: 'tr1al2', idfa: undefined, [name]: id }), { authorization: ANDROID_BEARER });
    expect([ios.status, ios.body, android.status, android.body]).toEqual([200, OK_JSON, 200, OK_JSON]);
  });
});

describe('created_at', () => {
  it('accepts 2017-01-02T15:04:05.000+0000 style and the Z-0400 style of the sessions docs', async () => {
    await ev(adjustEvent({ created_at: '2025-06-01T15:04:05.000+0000' }));
    expect(lastRecord(fx.emu).eventTimeMs).toBe(Date.parse('2025-06-01T15:04:05.000Z'));
    const r = await ev(adjustEvent({ created_at: '2025-06-01T19:46:47.288Z-0400' }));
    expect(r.status).toBe(200);
    expect(lastRecord(fx.emu).eventTimeMs).toBe(Date.parse('2025-06-01T23:46:47.288Z'));
  });

  it('created_at_unix in seconds and in milliseconds mean the same instant', async () => {
    const ms = T0 - HOUR;
    expect((await ev(adjustEvent({ created_at_unix: String(ms / 1000) }))).status).toBe(200);
    expect(lastRecord(fx.emu).eventTimeMs).toBe(ms);
    expect((await ev(adjustEvent({ created_at_unix: String(ms) }))).status).toBe(200);
    expect(lastRecord(fx.emu).eventTimeMs).toBe(ms);
  });

  it('created_at_unix wins over created_at when both are sent, with a warning', async () => {
    const r = await ev(adjustEvent({ created_at_unix: String((T0 - HOUR) / 1000), created_at: '2025-06-01T15:04:05.000+0000' }));
    expect(r.status).toBe(200);
    const rec = lastRecord(fx.emu);
    expect(rec.eventTimeMs).toBe(T0 - HOUR);
    expect(rec.warnings).toContain('both created_at_unix and created_at sent; created_at_unix is used');
  });

  it('a created_at in the future is accepted with a warning', async () => {
    const r = await ev(adjustEvent({ created_at_unix: String((T0 + HOUR) / 1000) }));
    expect([r.status, r.body]).toEqual([200, OK_JSON]);
    expect(lastRecord(fx.emu).warnings).toContain(`created_at ${isoAt(T0 + HOUR)} is in the future`);
  });

  it.each(['1748858400.5', '1748858400s', '-1748858400', '', '12345678901234567'])('rejects created_at_unix=%j (digits only)', async (v) => {
    const r = await ev(adjustEvent({ created_at_unix: v }));
    expect(r.status).toBe(400);
    expect(r.body).toBe(adjustError(`Bad event state: invalid created_at_unix "${v}", only digits are accepted (seconds or milliseconds)`));
  });

  it('a created_at without timezone is not an error: the received time is used and a warning recorded', async () => {
    const r = await ev(adjustEvent({ created_at: '2025-06-01T15:04:05.000' }));
    expect([r.status, r.body]).toEqual([200, OK_JSON]);
    const rec = lastRecord(fx.emu);
    expect(rec.eventTimeMs).toBeUndefined();
    expect(rec.recordedTimestamp).toBe(isoAt(T0));
    expect(rec.warnings.join(' ')).toMatch(/not ISO 8601 with a timezone/);
  });

  it('rejects events older than the window with Bad event state (too old), accepts inside it', async () => {
    const old = await ev(adjustEvent({ created_at_unix: String((T0 - 28 * DAY - 1000) / 1000) }));
    expect(old.status).toBe(400);
    expect(old.body).toBe(
      adjustError(`Bad event state: too old, created_at ${isoAt(T0 - 28 * DAY - 1000)} is more than 28 days before the request was received`),
    );
    expect((await ev(adjustEvent({ created_at_unix: String((T0 - 27 * DAY) / 1000) }))).status).toBe(200);
  });

  it('adjustEventWindowDays: 58 (current docs) accepts a 40-day-old event', async () => {
    fx.emu.updateConfig({ adjustEventWindowDays: 58 });
    expect((await ev(adjustEvent({ created_at_unix: String((T0 - 40 * DAY) / 1000) }))).status).toBe(200);
  });

  it('rejects created_at before the install time with Bad event state', async () => {
    const idfa = 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE';
    fx.emu.registerInstall({ appToken: '4w565xzmb54d', deviceIds: { idfa }, installedAt: isoAt(T0 - DAY) });
    const r = await ev(adjustEvent({ idfa, created_at_unix: String((T0 - 2 * DAY) / 1000) }));
    expect(r.status).toBe(400);
    expect(r.body).toBe(adjustError(`Bad event state: created_at ${isoAt(T0 - 2 * DAY)} is before installed_at ${isoAt(T0 - DAY)}`));
  });
});

describe('chronological order', () => {
  const at = (ms: number) => ({ created_at_unix: String(ms / 1000) });

  it('per device and event token: earlier than accepted is rejected, equal is accepted, other tokens unaffected', async () => {
    expect((await ev(adjustEvent(at(T0 - 2 * DAY)))).status).toBe(200);
    const late = await ev(adjustEvent(at(T0 - 3 * DAY)));
    expect(late.status).toBe(400);
    expect(late.body).toBe(
      adjustError(
        `Bad event state: out of order, created_at ${isoAt(T0 - 3 * DAY)} is earlier than ${isoAt(T0 - 2 * DAY)} already tracked for this device and event token`,
      ),
    );
    expect((await ev(adjustEvent(at(T0 - 2 * DAY)))).status).toBe(200);
    expect((await ev(adjustEvent({ event_token: 'tr1al1', ...at(T0 - 3 * DAY) }))).status).toBe(200);
    expect((await ev(adjustEvent({ idfa: IDFA_B, ...at(T0 - 3 * DAY) }))).status).toBe(200);
  });

  it('revenue events are ordered across all revenue tokens of the device', async () => {
    const rev = { revenue: '9.99', currency: 'EUR' };
    expect((await ev(adjustEvent({ event_token: 'p4rch1', ...rev, ...at(T0 - 2 * DAY) }))).status).toBe(200);
    const r = await ev(adjustEvent({ event_token: 'r3new1', ...rev, ...at(T0 - 3 * DAY) }));
    expect(r.status).toBe(400);
    expect(r.body).toBe(
      adjustError(
        `Bad event state: out of order, created_at ${isoAt(T0 - 3 * DAY)} is earlier than ${isoAt(T0 - 2 * DAY)} already tracked for this device's revenue events`,
      ),
    );
    // a non-revenue event on another token is not held back by revenue events
    expect((await ev(adjustEvent({ event_token: 'r3fnd1', ...at(T0 - 3 * DAY) }))).status).toBe(200);
  });

  it('a future created_at and an event without created_at both move the high-water mark', async () => {
    expect((await ev(adjustEvent(at(T0 + HOUR)))).status).toBe(200);
    const earlier = await ev(adjustEvent(at(T0 - HOUR)));
    expect(earlier.body).toBe(
      adjustError(
        `Bad event state: out of order, created_at ${isoAt(T0 - HOUR)} is earlier than ${isoAt(T0 + HOUR)} already tracked for this device and event token`,
      ),
    );
    // Without created_at, Adjust stores the received time (T0), which then holds back anything earlier.
    expect((await ev(adjustEvent({ idfa: IDFA_B }))).status).toBe(200);
    expect(lastRecord(fx.emu).warnings).toContain('no created_at; Adjust uses the time it received the request');
    const before = await ev(adjustEvent({ idfa: IDFA_B, ...at(T0 - HOUR) }));
    expect(before.body).toBe(
      adjustError(`Bad event state: out of order, created_at ${isoAt(T0 - HOUR)} is earlier than ${isoAt(T0)} already tracked for this device and event token`),
    );
  });

  it('sandbox and production keep separate state', async () => {
    expect((await ev(adjustEvent(at(T0 - 2 * DAY)))).status).toBe(200);
    expect((await ev(adjustEvent({ environment: 'sandbox', ...at(T0 - 3 * DAY) }))).status).toBe(200);
  });

  it('unique event tokens: the second accepted event is a duplicate', async () => {
    expect((await ev(adjustEvent({ event_token: 's1gnup' }))).status).toBe(200);
    const again = await ev(adjustEvent({ event_token: 's1gnup' }));
    expect([again.status, again.body]).toEqual([400, adjustError('Ignoring event, earlier unique event tracked')]);
    expect(lastRecord(fx.emu).outcome).toBe('duplicate');
  });
});
