// Defence in depth: a vendor (or proxy) that echoes the secret back must not get it into a failure, a
// receipt or a log. Unit test of redact, and sendItem against a real local server that echoes headers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VendorHttp } from '../../../activities/http';
import { redact, REDACTED } from '../../../activities/redact';
import { sendItem } from '../../../activities/send';
import { RelayConfig } from '../../../domain/config';
import { AF_KEY, ADJUST_S2S_TOKEN, androidUser, demoConfigInput, item } from '../../integration/activities/fixtures';

describe('redact', () => {
  it('removes every occurrence of each secret, plain and URL-encoded', () => {
    expect(redact('key=abc+/= and abc+/= and abc%2B%2F%3D', ['abc+/='])).toBe(`key=${REDACTED} and ${REDACTED} and ${REDACTED}`);
  });

  it('cuts long texts after removing secrets (never leaving half a secret)', () => {
    const text = `${'x'.repeat(8)}SECRETVALUE${'y'.repeat(100)}`;
    const out = redact(text, ['SECRETVALUE'], 12);
    expect(out).toBe(`${'x'.repeat(8)}[red…`);
    expect(out).not.toContain('SECRET');
  });
});

describe('sendItem with an answer that echoes the secret', () => {
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`Bad request: got authentication=${req.headers.authentication ?? ''} authorization=${req.headers.authorization ?? ''}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each(['adjust', 'appsflyer'] as const)('%s: the failure message holds [redacted], not the secret', async (vendor) => {
    const config = RelayConfig.parse(demoConfigInput(base));
    const own = new VendorHttp(config.http);
    try {
      const secret = vendor === 'adjust' ? ADJUST_S2S_TOKEN : AF_KEY;
      const outcome = await sendItem(
        { vendor, config, http: own, secret, allSecrets: [AF_KEY, ADJUST_S2S_TOKEN], attempt: 1 },
        { app: 'demo-android', user: androidUser(), items: [] },
        item(vendor, {}, 'user_android_1'),
      );
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.status).toBe(400);
      expect(outcome.message).toContain(REDACTED);
      expect(outcome.message).not.toContain(secret);
    } finally {
      await own.close();
    }
  });
});
