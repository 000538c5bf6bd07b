// Fault injection over real HTTP: every kind (5xx, 429, slow, hang, reset, acceptThenReset), an answer the client
// closed the connection before (answerUndelivered), count-limited specs, per-vendor isolation and the seeded,
// repeatable sequence.
import { describe, expect, it, vi } from 'vitest';
import { adjustError, adjustEvent, call, lastRecord, postAf, qs, useEmulator, afBody } from './helpers';

const fx = useEmulator();
const ev = (o: Record<string, string | undefined> = {}, timeout?: number) =>
  call(`${fx.emu.url}/adjust/event?${qs(adjustEvent({ callback_params: '{"s2s_delivery_id":"dlv-f"}', ...o }))}`, timeout ? { headersTimeout: timeout } : {});

describe('answered faults', () => {
  it("error5xx: Adjust's documented 500, recorded as a fault with its delivery id, nothing tracked", async () => {
    fx.emu.setFaults({ adjust: { error5xx: 1 } });
    const r = await ev({ event_token: 's1gnup' });
    expect([r.status, r.body]).toEqual([500, adjustError('Internal error, contact support@adjust.com')]);
    expect(lastRecord(fx.emu)).toMatchObject({ outcome: 'fault', fault: 'error5xx', status: 500, deliveryId: 'dlv-f', eventKey: 's1gnup' });
    fx.emu.setFaults({});
    expect((await ev({ event_token: 's1gnup' })).status).toBe(200);
  });

  it('error5xx on /ad_revenue uses the ad revenue prefix', async () => {
    fx.emu.setFaults({ adjust: { error5xx: 1 } });
    const r = await call(`${fx.emu.url}/adjust/ad_revenue?s2s=1`);
    expect(r.body).toBe(adjustError('Internal error, contact support@adjust.com', 'Ad revenue request failed'));
  });

  it('error5xx on AppsFlyer: 500 Internal Server Error', async () => {
    fx.emu.setFaults({ appsflyer: { error5xx: 1 } });
    const r = await postAf(fx.emu, afBody({ eventValue: '{"s2s_delivery_id":"af-f"}' }));
    expect([r.status, r.body]).toEqual([500, 'Internal Server Error']);
    expect(lastRecord(fx.emu)).toMatchObject({ outcome: 'fault', fault: 'error5xx', deliveryId: 'af-f', appKey: 'id1234567890' });
  });

  it('rate429: 429 with Retry-After: 1 on both vendors', async () => {
    fx.emu.setFaults({ adjust: { rate429: 1 }, appsflyer: { rate429: 1 } });
    const a = await ev();
    expect([a.status, a.headers['retry-after'], a.body]).toEqual([429, '1', adjustError('Too many requests')]);
    const f = await postAf(fx.emu, afBody());
    expect([f.status, f.headers['retry-after'], f.body]).toEqual([429, '1', 'Too Many Requests']);
  });

  it('slow: processed on arrival, answered after slowMs', async () => {
    fx.emu.setFaults({ adjust: { slow: 1, slowMs: 300 } });
    const started = Date.now();
    const r = await ev();
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(r.status).toBe(200);
    expect(lastRecord(fx.emu)).toMatchObject({ outcome: 'accepted', fault: 'slow' });
    expect(lastRecord(fx.emu)).not.toHaveProperty('answerUndelivered');
  });

  it("slow past the client's timeout: accepted, and marked answerUndelivered once the client closes the connection", async () => {
    fx.emu.setFaults({ adjust: { slow: 1, slowMs: 1_500 } });
    await expect(ev({}, 200)).rejects.toMatchObject({ name: 'HeadersTimeoutError' });
    await vi.waitFor(() => expect(lastRecord(fx.emu)).toMatchObject({ outcome: 'accepted', fault: 'slow', answerUndelivered: true }), { timeout: 5_000 });
  });
});

describe('unanswered faults', () => {
  it('hang: never answers; the client times out', async () => {
    fx.emu.setFaults({ adjust: { hang: 1 } });
    await expect(ev({}, 300)).rejects.toMatchObject({ name: 'HeadersTimeoutError' });
    expect(lastRecord(fx.emu)).toMatchObject({ outcome: 'fault', fault: 'hang', status: 0 });
  });

  it('reset: the socket is destroyed without an answer, nothing tracked', async () => {
    fx.emu.setFaults({ appsflyer: { reset: 1 } });
    await expect(postAf(fx.emu, afBody())).rejects.toMatchObject({ name: 'SocketError' });
    expect(lastRecord(fx.emu)).toMatchObject({ outcome: 'fault', fault: 'reset', status: 0 });
  });

  it('acceptThenReset: tracked and recorded as accepted, then the socket is destroyed (the ambiguous case)', async () => {
    fx.emu.setFaults({ adjust: { acceptThenReset: 1, count: 1 } });
    await expect(ev({ event_token: 's1gnup' })).rejects.toMatchObject({ name: 'SocketError' });
    const rec = lastRecord(fx.emu);
    expect(rec).toMatchObject({ outcome: 'accepted', fault: 'reset', status: 200 });
    expect(rec.warnings.join(' ')).toMatch(/acceptThenReset/);
    // the client's retry now meets the unique-event rule: the first attempt did count
    const retry = await ev({ event_token: 's1gnup' });
    expect([retry.status, retry.body]).toEqual([400, adjustError('Ignoring event, earlier unique event tracked')]);
    expect(fx.emu.stats().faults.adjust.acceptThenReset).toBe(1);
  });
});

describe('control of faults', () => {
  it('count applies the spec to the next N requests of that vendor only', async () => {
    fx.emu.setFaults({ adjust: { error5xx: 1, count: 2 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await ev()).status);
    expect(statuses).toEqual([500, 500, 200]);
    expect(fx.emu.getFaults()).toMatchObject({ adjust: null, injected: { adjust: { error5xx: 2 } } });
  });

  it('faults of one vendor leave the other alone', async () => {
    fx.emu.setFaults({ adjust: { error5xx: 1 } });
    expect((await postAf(fx.emu, afBody())).status).toBe(200);
  });

  it('the same seed gives the same sequence', async () => {
    const run = async (): Promise<number[]> => {
      fx.emu.setFaults({ adjust: { error5xx: 0.5 }, seed: 7 });
      const out: number[] = [];
      for (let i = 0; i < 16; i++) out.push((await ev()).status);
      return out;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    expect(first).toContain(500);
    expect(first).toContain(200);
  });

  it('GET /__emulator/faults shows the spec, remaining count and injected counts', async () => {
    await call(`${fx.emu.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ adjust: { rate429: 1, count: 3 }, seed: 3 }) });
    await ev();
    const r = await call(`${fx.emu.url}/__emulator/faults`);
    expect(JSON.parse(r.body)).toMatchObject({
      seed: 3,
      adjust: { spec: { rate429: 1, slowMs: 2000, count: 3 }, remaining: 2 },
      appsflyer: null,
      injected: { adjust: { rate429: 1 } },
    });
    expect(fx.emu.stats().faults.adjust.rate429).toBe(1);
  });
});
