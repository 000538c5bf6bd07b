// The /__emulator inspection and control API over real HTTP (and its in-process twin): request filters,
// stats, reset, config GET/PUT/PATCH, installs, and the 400 answers that name the wrong field.
import { describe, expect, it } from 'vitest';
import { RecordedRequestSchema, RequestsResponseSchema } from '../../../emulator/record';
import { EmulatorConfigSchema, defaultEmulatorConfig } from '../../../emulator/config';
import { startEmulator } from '../../../emulator/server';
import { DAY, OK_JSON, T0, adjustError, adjustEvent, afBody, call, postAf, qs, useEmulator } from './helpers';

const fx = useEmulator();
const ctl = (path: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' = 'GET', body?: unknown) =>
  call(`${fx.emu.url}/__emulator/${path}`, { method, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
const json = (r: { body: string }) => JSON.parse(r.body) as Record<string, unknown>;
const ev = (o: Record<string, string | undefined> = {}) => call(`${fx.emu.url}/adjust/event?${qs(adjustEvent(o))}`);

async function sendMix(): Promise<void> {
  await ev({ callback_params: '{"s2s_delivery_id":"a-1"}' });
  await ev({ app_token: 'bad' });
  await postAf(fx.emu, afBody({ eventValue: '{"s2s_delivery_id":"f-1"}' }));
}

describe('GET /__emulator/requests', () => {
  it('lists records that match the RecordedRequest schema, oldest first, same as in-process', async () => {
    await sendMix();
    const r = await ctl('requests');
    expect(r.status).toBe(200);
    const parsed = RequestsResponseSchema.parse(json(r));
    expect(parsed.requests.map((x) => x.vendor)).toEqual(['adjust', 'adjust', 'appsflyer']);
    expect(parsed.requests[0]?.id).toBeLessThan(parsed.requests[1]?.id ?? 0);
    expect(parsed.requests).toEqual(JSON.parse(JSON.stringify(fx.emu.requests())));
    for (const rec of fx.emu.requests()) RecordedRequestSchema.parse(rec);
  });

  it('filters by vendor, since, deliveryId, outcome and limit', async () => {
    await sendMix();
    const all = fx.emu.requests();
    const list = async (q: string) => (json(await ctl(`requests?${q}`))['requests'] as Array<{ id: number }>).map((x) => x.id);
    expect(await list('vendor=appsflyer')).toEqual([all[2]?.id]);
    expect(await list(`since=${all[0]?.id}`)).toEqual([all[1]?.id, all[2]?.id]);
    expect(await list('deliveryId=a-1')).toEqual([all[0]?.id]);
    expect(await list('deliveryId=f-1')).toEqual([all[2]?.id]);
    expect(await list('outcome=rejected')).toEqual([all[1]?.id]);
    expect(await list('limit=1')).toEqual([all[0]?.id]);
  });

  it.each([
    ['vendor=google', 'vendor'],
    ['since=abc', 'since'],
    ['limit=0', 'limit'],
    ['colour=red', '(root)'],
  ])('?%s answers 400 naming %s', async (q, path) => {
    const r = await ctl(`requests?${q}`);
    expect(r.status).toBe(400);
    expect((json(r)['issues'] as Array<{ path: string }>)[0]?.path).toBe(path);
  });

  it('maxRecordedRequests caps memory: the oldest records are dropped, stats keep counting', async () => {
    fx.emu.updateConfig({ maxRecordedRequests: 3 });
    for (let i = 0; i < 5; i++) await ev({ callback_params: JSON.stringify({ s2s_delivery_id: `n-${i}` }) });
    expect(fx.emu.requests().map((r) => r.deliveryId)).toEqual(['n-2', 'n-3', 'n-4']);
    expect(fx.emu.stats().total).toBe(5);
  });
});

describe('stats and reset', () => {
  it('counts by vendor x outcome and by status', async () => {
    await sendMix();
    const s = json(await ctl('stats'));
    expect(s).toMatchObject({
      total: 3,
      byStatus: { '200': 2, '400': 1 },
      vendors: { adjust: { total: 2, byOutcome: { accepted: 1, rejected: 1 } }, appsflyer: { total: 1, byOutcome: { attributed: 1 } } },
    });
  });

  it('reset clears records, ordering state, installs and faults but keeps the config', async () => {
    fx.emu.updateConfig({ adjustEventWindowDays: 58 });
    await ev({ created_at_unix: String((T0 - DAY) / 1000) });
    fx.emu.registerInstall({ appToken: '4w565xzmb54d', deviceIds: { idfa: '12345678-1234-1234-1234-123456789012' } });
    fx.emu.setFaults({ appsflyer: { error5xx: 1 } });
    expect((await ctl('reset', 'POST')).status).toBe(200);
    expect(fx.emu.requests()).toEqual([]);
    expect(fx.emu.stats().total).toBe(0);
    expect(fx.emu.getFaults().appsflyer).toBeNull();
    expect(fx.emu.getConfig().adjustEventWindowDays).toBe(58);
    expect((await ev({ created_at_unix: String((T0 - 2 * DAY) / 1000) })).status).toBe(200); // ordering state gone
    expect((await ev({ idfa: '12345678-1234-1234-1234-123456789012' })).status).toBe(404); // install gone
    expect((await ev()).status).toBe(200); // config installs re-seeded
  });

  it('reset with {"config": true} restores the startup config; a bad body answers 400', async () => {
    fx.emu.updateConfig({ adjustEventWindowDays: 58 });
    expect((await ctl('reset', 'POST', { config: true })).status).toBe(200);
    expect(fx.emu.getConfig().adjustEventWindowDays).toBe(28);
    const bad = await ctl('reset', 'POST', { config: 'yes' });
    expect(bad.status).toBe(400);
    expect(json(bad)['issues']).toEqual([{ path: 'config', message: expect.any(String) }]);
  });
});

describe('POST /__emulator/faults validation', () => {
  it.each([
    [{ adjust: { error5xx: 2 } }, 'adjust.error5xx'],
    [{ adjust: { error5xx: 0.6, rate429: 0.6 } }, 'adjust'],
    [{ adjust: { explode: 1 } }, 'adjust'],
    [{ appsflyer: { slowMs: -1 } }, 'appsflyer.slowMs'],
    [{ adjust: { count: 0 } }, 'adjust.count'],
    [{ seed: 1.5 }, 'seed'],
  ])('%j answers 400 naming %s', async (body, path) => {
    const r = await ctl('faults', 'POST', body);
    expect(r.status).toBe(400);
    expect((json(r)['issues'] as Array<{ path: string }>).map((i) => i.path)).toContain(path);
  });

  it('a body that is not JSON answers 400', async () => {
    const r = await ctl('faults', 'POST', '{nope');
    expect([r.status, json(r)['error']]).toEqual([400, 'body is not valid JSON']);
  });
});

describe('config', () => {
  it('GET returns the demo config by default', async () => {
    expect(json(await ctl('config'))).toEqual(JSON.parse(JSON.stringify(defaultEmulatorConfig)));
  });

  it('PATCH adds an event token at runtime (merge by appToken keeps the rest of the app)', async () => {
    expect((await ev({ event_token: 'n3wt0k' })).body).toBe(adjustError('Invalid event token'));
    const r = await ctl('config', 'PATCH', { adjustApps: [{ appToken: '4w565xzmb54d', eventTokens: { n3wt0k: {} } }] });
    expect(r.status).toBe(200);
    expect((await ev({ event_token: 'n3wt0k' })).body).toBe(OK_JSON);
    expect((await ev({ event_token: 'p4rch1', revenue: '1', currency: 'USD' })).status).toBe(200);
    expect(fx.emu.getConfig().adjustApps).toHaveLength(2);
  });

  it('PATCH with null deletes a key', async () => {
    await ctl('config', 'PATCH', { adjustApps: [{ appToken: '4w565xzmb54d', eventTokens: { f0ob4r: null } }] });
    expect((await ev()).body).toBe(adjustError('Invalid event token'));
  });

  it.each([
    [{ adjustEventWindowDays: -1 }, 'adjustEventWindowDays'],
    [{ adjustApps: [{ appToken: '2fm6y3pm9ahs', eventTokens: { p4rch1: {} } }] }, 'adjustApps.1.eventTokens.p4rch1'],
    [{ appsflyerApps: [{ appId: 'com.x', platform: 'ios', key: 'k' }] }, 'appsflyerApps.2.appId'],
    [{ surprise: true }, '(root)'],
    [[1, 2], '(root)'],
  ])('PATCH %j answers 400 naming %s and changes nothing', async (body, path) => {
    const r = await ctl('config', 'PATCH', body);
    expect(r.status).toBe(400);
    expect((json(r)['issues'] as Array<{ path: string }>).map((i) => i.path)).toContain(path);
    expect(fx.emu.getConfig()).toEqual(defaultEmulatorConfig);
  });

  it('PUT replaces the whole config', async () => {
    const r = await ctl('config', 'PUT', { adjustApps: [{ appToken: 'abcdefabcdef', eventTokens: { abc123: {} } }], lenientDevices: true });
    expect(r.status).toBe(200);
    expect((await ev()).body).toBe(adjustError('App token not found'));
    expect((await ev({ app_token: 'abcdefabcdef', event_token: 'abc123' })).status).toBe(200);
    expect(fx.emu.getConfig().appsflyerApps).toEqual([]);
  });

  it('PUT with an invalid app token answers 400 naming it', async () => {
    const r = await ctl('config', 'PUT', { adjustApps: [{ appToken: 'Bad Token' }] });
    expect(r.status).toBe(400);
    expect((json(r)['issues'] as Array<{ path: string }>)[0]?.path).toBe('adjustApps.0.appToken');
  });
});

describe('POST /__emulator/installs', () => {
  it('registers an Adjust device and an AppsFlyer id; processedAt = installedAt + processingDelayMs', async () => {
    const r = await ctl('installs', 'POST', {
      appToken: '4w565xzmb54d',
      appId: 'id1234567890',
      appsflyerId: '1700000000000-1234567',
      deviceIds: { idfa: 'FEDCBA98-7654-3210-FEDC-BA9876543210' },
      installedAt: '2025-06-01T00:00:00.000Z',
      processingDelayMs: 5000,
    });
    expect(r.status).toBe(201);
    expect(json(r)['install']).toMatchObject({
      adjust: { appToken: '4w565xzmb54d', installedAt: '2025-06-01T00:00:00.000Z' },
      appsflyer: { appId: 'id1234567890', processedAt: '2025-06-01T00:00:05.000Z' },
    });
    expect((await ev({ idfa: 'FEDCBA98-7654-3210-FEDC-BA9876543210' })).status).toBe(200);
  });

  it.each([
    [{}, '(root)'],
    [{ deviceIds: { idfa: 'X' }, installedAt: 'yesterday' }, 'installedAt'],
    [{ appsflyerId: 'abc' }, 'appsflyerId'],
    [{ deviceIds: { imei: '1' } }, 'deviceIds'],
    [{ appsflyerId: '1700000000000-1234567', processingDelayMs: -5 }, 'processingDelayMs'],
  ])('%j answers 400 naming %s', async (body, path) => {
    const r = await ctl('installs', 'POST', body);
    expect(r.status).toBe(400);
    expect((json(r)['issues'] as Array<{ path: string }>).map((i) => i.path)).toContain(path);
  });
});

describe('routing', () => {
  it('unknown control endpoints answer 404, wrong methods 405 with Allow', async () => {
    expect((await ctl('nope')).status).toBe(404);
    const r = await ctl('stats', 'POST');
    expect([r.status, r.headers['allow']]).toEqual([405, 'GET']);
  });

  it('paths outside the emulated APIs answer 404 and are not recorded', async () => {
    expect((await call(`${fx.emu.url}/adjust/install`)).status).toBe(404);
    expect((await call(`${fx.emu.url}/appsflyer/api2/inappevent/id1234567890`, { method: 'POST' })).status).toBe(404);
    expect(fx.emu.requests()).toEqual([]);
  });

  it('GET /__emulator/health answers ok', async () => {
    expect(json(await ctl('health'))).toEqual({ ok: true });
  });
});

describe('startEmulator options', () => {
  it('rejects an invalid config with the failing field', async () => {
    await expect(startEmulator({ quiet: true, config: { processingDelayMs: -1 } })).rejects.toThrow(/processingDelayMs/);
  });

  it('a given config replaces the demo: missing fields take schema defaults', async () => {
    const emu = await startEmulator({ quiet: true, config: { lenientDevices: true } });
    try {
      expect(emu.getConfig()).toEqual(EmulatorConfigSchema.parse({ lenientDevices: true }));
      expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(emu.port).toBeGreaterThan(0);
    } finally {
      await emu.close();
    }
  });
});
