// The HTTP sender against the real vendor emulator (no undici mocks): answers and headers come back as
// sent, network faults become error codes, timeouts fire at the configured times, and the pool keeps
// connections alive and never opens more than `connections` per origin.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpSettings } from '../../../domain/config';
import { classifyOutcome } from '../../../activities/classify';
import { VendorHttp } from '../../../activities/http';
import type { VendorRequest } from '../../../domain/vendors/request';
import { startEmulator, type Emulator } from '../../../emulator/server';
import { freePort } from '../../../worker/net';
import { AF_KEY, IOS_IDFA } from '../../integration/activities/fixtures';

let emulator: Emulator;
let http: VendorHttp;
const settings = HttpSettings.parse({ connections: 2, connectTimeout: '500ms', headersTimeout: '400ms', bodyTimeout: '400ms' });

beforeAll(async () => {
  emulator = await startEmulator({ quiet: true });
  http = new VendorHttp(settings);
});
afterAll(async () => {
  await http.close();
  await emulator.close();
});
afterEach(() => emulator.reset({ config: true }));

const adjustEvent = (): VendorRequest => ({
  method: 'POST',
  url: `${emulator.url}/adjust/event`,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ s2s: '1', app_token: '4w565xzmb54d', event_token: 'f0ob4r', idfa: IOS_IDFA, environment: 'sandbox' }).toString(),
});
const appsflyerEvent = (): VendorRequest => ({
  method: 'POST',
  url: `${emulator.url}/appsflyer/inappevent/id1234567890`,
  headers: { 'content-type': 'application/json', authentication: AF_KEY },
  body: JSON.stringify({ appsflyer_id: '1234567890123-1234567', eventName: 'af_purchase', eventValue: '' }),
});

describe('VendorHttp', () => {
  it('returns the status and body of an answer, and the request arrives as built', async () => {
    const outcome = await http.send(adjustEvent());
    expect(outcome).toMatchObject({ kind: 'response', status: 200, body: '{"status":"OK"}' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
    const [recorded] = emulator.requests();
    expect(recorded?.params).toMatchObject({ s2s: '1', event_token: 'f0ob4r', idfa: IOS_IDFA });
    const af = await http.send(appsflyerEvent());
    expect(af).toMatchObject({ kind: 'response', status: 200, body: 'OK' });
    expect(emulator.requests({ vendor: 'appsflyer' })[0]?.headers.authentication).toBe(AF_KEY);
  });

  it('passes Retry-After of a 429 through', async () => {
    emulator.setFaults({ appsflyer: { rate429: 1, count: 1 } });
    const outcome = await http.send(appsflyerEvent());
    expect(outcome).toMatchObject({ kind: 'response', status: 429, retryAfter: '1' });
    expect(classifyOutcome('appsflyer', outcome).retryAfterMs).toBe(1000);
  });

  it('reports a reset connection as a network error', async () => {
    emulator.setFaults({ adjust: { reset: 1, count: 1 } });
    const outcome = await http.send(adjustEvent());
    expect(outcome.kind).toBe('network');
    expect(classifyOutcome('adjust', outcome).class).toBe('transient');
  });

  it('gives up on a hung request at headersTimeout', async () => {
    emulator.setFaults({ adjust: { hang: 1, count: 1 } });
    const outcome = await http.send(adjustEvent());
    expect(outcome).toMatchObject({ kind: 'network', code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(380);
    expect(outcome.durationMs).toBeLessThan(2000);
  });

  it('waits for a slow answer that arrives within the timeouts', async () => {
    emulator.setFaults({ adjust: { slow: 1, slowMs: 200, count: 1 } });
    const outcome = await http.send(adjustEvent());
    expect(outcome).toMatchObject({ kind: 'response', status: 200 });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(190);
  });

  it('reports a refused connection', async () => {
    const port = await freePort();
    const outcome = await http.send({ ...adjustEvent(), url: `http://127.0.0.1:${port}/adjust/event` });
    expect(outcome).toMatchObject({ kind: 'network', code: 'ECONNREFUSED' });
  });

  it('aborts when the signal fires', async () => {
    emulator.setFaults({ adjust: { slow: 1, slowMs: 300, count: 1 } });
    const outcome = await http.send(adjustEvent(), AbortSignal.timeout(50));
    expect(outcome.kind).toBe('network');
    expect(outcome.durationMs).toBeLessThan(250);
  });

  it('keeps connections alive and reuses them for sequential requests', async () => {
    const own = new VendorHttp(settings);
    try {
      for (let i = 0; i < 8; i++) expect((await own.send(adjustEvent())).kind).toBe('response');
      const stats = own.pool(new URL(emulator.url).origin).stats;
      // Still open after the answers (keep-alive), and 8 requests needed at most the 2 allowed connections.
      expect(stats.connected).toBeGreaterThanOrEqual(1);
      expect(stats.connected).toBeLessThanOrEqual(2);
    } finally {
      await own.close();
    }
  });

  it('never opens more than `connections` per origin', async () => {
    const own = new VendorHttp(settings);
    try {
      emulator.setFaults({ adjust: { slow: 1, slowMs: 150 } });
      const started = Date.now();
      const outcomes = await Promise.all(Array.from({ length: 6 }, () => own.send(adjustEvent())));
      expect(outcomes.every((o) => o.kind === 'response' && o.status === 200)).toBe(true);
      // 6 requests of 150 ms over 2 connections take at least 3 rounds.
      expect(Date.now() - started).toBeGreaterThanOrEqual(440);
      expect(own.pool(new URL(emulator.url).origin).stats.connected).toBeLessThanOrEqual(2);
    } finally {
      await own.close();
    }
  });

  it('after close, sends fail as network errors (retried elsewhere), not crashes', async () => {
    const own = new VendorHttp(settings);
    await own.close();
    expect(await own.send(adjustEvent())).toMatchObject({ kind: 'network' });
  });
});
