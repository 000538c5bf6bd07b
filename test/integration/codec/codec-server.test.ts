// The codec server over real HTTP: CORS preflights answered for the configured UI origins only, /decode and
// /encode refused without credentials, served with the bearer token, with the session cookie /login sets, or
// (local dev UI) for a trusted origin that did not come through a proxy; Temporal's JSON format in and out,
// any path prefix, clear errors. Then the Temporal CLI itself decodes an encrypted history through it.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { validSession, sessionValue, SESSION_TTL_SECONDS } from '../../../codec/codec-access';
import { readCodecServerEnv, readLocalCodecServerEnv } from '../../../codec/codec-server-settings';
import { startCodecServer, type CodecServer } from '../../../codec/codec-server';
import { main as codecServerMain } from '../../../codec/main';
import { payloadEncryption } from '../../../codec/payload-encryption';
import { readPayloadKeys } from '../../../codec/payload-keys';
import { findTemporalCli } from '../../../worker/temporal-cli';

const UI = 'http://127.0.0.1:8233';
const TOKEN = randomBytes(32).toString('base64');
const encryption = payloadEncryption(readPayloadKeys({ S2S_PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}` }));
const install = { userId: 'u1', deviceIds: { idfa: randomUUID().toUpperCase() }, ip: '198.51.100.77' };

let server: CodecServer;
let trusting: CodecServer;
beforeAll(async () => {
  server = await startCodecServer({ host: '127.0.0.1', port: 0, codec: encryption.codec, origins: [UI], tokens: [TOKEN] });
  trusting = await startCodecServer({ host: '127.0.0.1', port: 0, codec: encryption.codec, origins: [], trustedOrigins: [UI] });
});
afterAll(async () => {
  await server?.close();
  await trusting?.close();
});

/** Payloads as the UI sends them: the protobuf JSON form (base64 metadata values and data). */
const asJson = (payloads: Payload[]) => ({
  payloads: payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? []).toString('base64'),
  })),
});
const fromJson = (json: { payloads: Array<{ metadata: Record<string, string>; data?: string }> }): Payload[] =>
  json.payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  }));

async function encrypted(value: unknown) {
  return asJson(await encryption.codec.encode([defaultPayloadConverter.toPayload(value)]));
}

type Body = { error: string; payloads: Array<{ metadata: Record<string, string>; data?: string }> };
const read = (res: Response) => res.json() as Promise<Body>;

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('CORS', () => {
  it('answers a preflight from the configured UI origin, with credentials allowed', async () => {
    const res = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: UI, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace,authorization' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Content-Type.*Authorization.*X-Namespace/);
    expect(res.headers.get('vary')).toBe('Origin');
  });

  it('refuses a preflight, and a request, from any other origin', async () => {
    const res = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const withToken = await post(`${server.url}/decode`, await encrypted(install), { Origin: 'https://evil.example', Authorization: `Bearer ${TOKEN}` });
    expect(withToken.status).toBe(403);
    expect(await read(withToken)).toEqual({ error: 'origin https://evil.example is not allowed: add it to S2S_CODEC_ORIGINS' });
  });
});

describe('auth', () => {
  it('refuses /decode and /encode without a token, or with a wrong one', async () => {
    for (const endpoint of ['decode', 'encode']) {
      const res = await post(`${server.url}/${endpoint}`, await encrypted(install), { Origin: UI });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(res.headers.get('access-control-allow-origin'), 'the UI can read why').toBe(UI);
      expect((await read(res)).error).toMatch(/^no credentials were sent: send "Authorization: Bearer <S2S_CODEC_TOKEN>", or log in at \/login/);
    }
    const wrong = await post(`${server.url}/decode`, await encrypted(install), { Authorization: `Bearer ${randomBytes(32).toString('base64')}` });
    expect(wrong.status).toBe(401);
    expect((await read(wrong)).error).toMatch(/^the bearer token is not valid/);
  });

  it('decodes with the bearer token: Temporal JSON in and out, under any path prefix', async () => {
    const res = await post(`${server.url}/ns/default/decode?preserveStorageRefs=true`, await encrypted(install), {
      Authorization: `Bearer ${TOKEN}`,
      'X-Namespace': 'default',
    });
    expect(res.status).toBe(200);
    const [payload] = fromJson(await read(res));
    expect(Buffer.from(payload?.metadata?.encoding ?? []).toString()).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(payload as Payload)).toEqual(install);
  });

  it('encodes with the bearer token, so the UI can send encrypted signals and updates', async () => {
    const res = await post(`${server.url}/encode`, asJson([defaultPayloadConverter.toPayload({ deliveryIds: [] })]), { Authorization: `Bearer ${TOKEN}` });
    const [payload] = fromJson(await read(res));
    expect(Buffer.from(payload?.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
    expect(defaultPayloadConverter.fromPayload((await encryption.codec.decode([payload as Payload]))[0] as Payload)).toEqual({ deliveryIds: [] });
  });

  it('/login checks the token and sets an HttpOnly, SameSite=Strict session cookie the UI sends with its requests', async () => {
    const page = await fetch(`${server.url}/login`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<input id="token" name="token" type="password"');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const form = (token: string) => fetch(`${server.url}/login`, { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });
    const refused = await form('not-the-token');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('set-cookie')).toBeNull();
    const accepted = await form(TOKEN);
    expect(accepted.status).toBe(200);
    const cookie = accepted.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^s2s_codec_session=v1\\.\\d+\\.[\\w-]{43}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_SECONDS}$`));
    expect(cookie).not.toContain(TOKEN);
    const res = await post(`${server.url}/decode`, await encrypted(install), { Origin: UI, Cookie: cookie.split(';')[0] as string });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(defaultPayloadConverter.fromPayload(fromJson(await read(res))[0] as Payload)).toEqual(install);
    const loggedOut = await fetch(`${server.url}/logout`, { method: 'POST' });
    expect(loggedOut.headers.get('set-cookie')).toMatch(/^s2s_codec_session=; .*Max-Age=0/);
  });

  it('a session expires, and is bound to the token (a rotated-out token ends its sessions)', () => {
    const now = Date.now();
    const value = sessionValue(TOKEN, now);
    expect(validSession(value, [TOKEN], now + 1000)).toBe(true);
    expect(validSession(value, [TOKEN], now + SESSION_TTL_SECONDS * 1000 + 1000)).toBe(false);
    expect(validSession(value, [randomBytes(32).toString('base64')], now)).toBe(false);
    expect(
      validSession(
        value.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
        [TOKEN],
        now,
      ),
    ).toBe(false);
  });

  it('a trusted UI origin (local dev UI) needs no token, but not through a proxy, and not without its Origin', async () => {
    const ok = await post(`${trusting.url}/decode`, await encrypted(install), { Origin: UI });
    expect(ok.status).toBe(200);
    expect(defaultPayloadConverter.fromPayload(fromJson(await read(ok))[0] as Payload)).toEqual(install);
    expect((await post(`${trusting.url}/decode`, await encrypted(install), { Origin: UI, 'X-Forwarded-For': '203.0.113.9' })).status).toBe(401);
    expect((await post(`${trusting.url}/decode`, await encrypted(install))).status).toBe(401);
  });
});

describe('errors', () => {
  const auth = { Authorization: `Bearer ${TOKEN}` };
  it('says what is wrong: media type, JSON, shape, unknown key id, path, method', async () => {
    const unsupported = await fetch(`${server.url}/decode`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/plain' }, body: '{}' });
    expect([unsupported.status, (await read(unsupported)).error]).toEqual([415, 'the body must be JSON (Content-Type: application/json)']);
    const notJson = await post(`${server.url}/decode`, '{payloads', auth);
    expect(notJson.status).toBe(400);
    expect((await read(notJson)).error).toMatch(/^the body is not valid JSON/);
    const shape = await post(`${server.url}/decode`, { payloads: [{ data: 'not base64!' }] }, auth);
    expect([shape.status, (await read(shape)).error]).toEqual([
      400,
      'the body must be {"payloads":[{"metadata":{...},"data":"<base64>"}]}: payloads.0.data: must be base64',
    ]);
    const other = payloadEncryption(readPayloadKeys({ S2S_PAYLOAD_KEYS: `k9:${randomBytes(32).toString('base64')}` }));
    const unknownKey = await post(`${server.url}/decode`, asJson(await other.codec.encode([defaultPayloadConverter.toPayload(install)])), auth);
    expect(unknownKey.status).toBe(422);
    expect((await read(unknownKey)).error).toContain('it was encrypted with key "k9", which is not among the configured keys (k1)');
    expect((await fetch(`${server.url}/download`, { method: 'POST', headers: auth })).status).toBe(404);
    expect((await fetch(`${server.url}/decode`, { headers: auth })).status).toBe(405);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});

describe('settings', () => {
  const problem = (env: NodeJS.ProcessEnv) => {
    try {
      readCodecServerEnv(env);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected the settings to be refused');
  };

  it('listens on loopback port 8081 for the local UI origins by default, and needs a token', () => {
    expect(problem({})).toBe(
      'invalid codec server settings: S2S_CODEC_TOKEN: is required: the codec server decrypts personal data, so it needs a token (`openssl rand -base64 32`); for the local dev UI only, S2S_CODEC_TRUSTED_ORIGINS may stand in',
    );
    expect(readCodecServerEnv({ S2S_CODEC_TOKEN: TOKEN })).toMatchObject({
      S2S_CODEC_HOST: '127.0.0.1',
      S2S_CODEC_PORT: 8081,
      S2S_CODEC_ORIGINS: ['http://localhost:8233', 'http://127.0.0.1:8233'],
      S2S_CODEC_TOKEN: [TOKEN],
    });
  });

  it('refuses short tokens, origins with a path, and trusted origins on an address others can reach', () => {
    expect(problem({ S2S_CODEC_TOKEN: 'short' })).toContain('S2S_CODEC_TOKEN: token 1 must be at least 32 characters');
    expect(problem({ S2S_CODEC_TOKEN: TOKEN, S2S_CODEC_ORIGINS: 'https://ui.example.com/' })).toContain(
      'must be written exactly as the browser sends it: https://ui.example.com (no path or trailing slash)',
    );
    expect(problem({ S2S_CODEC_HOST: '0.0.0.0', S2S_CODEC_TRUSTED_ORIGINS: UI })).toContain(
      'S2S_CODEC_TRUSTED_ORIGINS: works only on a loopback address (S2S_CODEC_HOST is 0.0.0.0)',
    );
  });

  it('npm start trusts its own dev UI on loopback, and nothing on another address', () => {
    expect(readLocalCodecServerEnv({}, 9233)).toMatchObject({
      S2S_CODEC_ORIGINS: ['http://localhost:9233', 'http://127.0.0.1:9233'],
      S2S_CODEC_TRUSTED_ORIGINS: ['http://localhost:9233', 'http://127.0.0.1:9233'],
    });
    expect(() => readLocalCodecServerEnv({ S2S_CODEC_HOST: '0.0.0.0' }, 9233)).toThrow('S2S_CODEC_TOKEN: is required');
  });

  it('`npm run codec-server` needs the payload keys', async () => {
    await expect(codecServerMain({ S2S_CODEC_TOKEN: TOKEN })).rejects.toThrow('no payload keys are configured: set S2S_PAYLOAD_KEYS or S2S_PAYLOAD_KEYS_FILE');
  });
});

describe('the Temporal CLI through the codec server', () => {
  it('`temporal workflow show --codec-endpoint --codec-auth` shows an encrypted history decoded; without the token it cannot', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const workflowId = `codec-cli-${randomUUID()}`;
    try {
      // A workflow nobody runs: its start event holds the encrypted input.
      const client = new Client({ connection, dataConverter: encryption.dataConverter });
      await client.workflow.start('userWorkflow', { taskQueue: `nobody-${randomUUID()}`, workflowId, args: [install] });
      const raw = JSON.stringify(await client.workflow.getHandle(workflowId).fetchHistory());
      expect(raw).not.toContain(install.ip);
      const cli = await findTemporalCli();
      const show = (...extra: string[]) =>
        promisify(execFile)(
          cli,
          ['workflow', 'show', '--address', inject('temporalAddress'), '-w', workflowId, '--output', 'json', '--codec-endpoint', server.url, ...extra],
          { timeout: 30_000 },
        );
      // --output json keeps payload data in base64: read the start event's input as the CLI printed it.
      const input = (stdout: string) => {
        const history = JSON.parse(stdout) as {
          events: Array<{ workflowExecutionStartedEventAttributes?: { input: { payloads: Array<{ metadata: { encoding: string }; data: string }> } } }>;
        };
        const payload = history.events[0]?.workflowExecutionStartedEventAttributes?.input.payloads[0];
        return { encoding: Buffer.from(payload?.metadata.encoding ?? '', 'base64').toString(), data: Buffer.from(payload?.data ?? '', 'base64').toString() };
      };
      const decoded = input((await show('--codec-auth', `Bearer ${TOKEN}`)).stdout);
      expect(decoded.encoding).toBe('json/plain');
      expect(JSON.parse(decoded.data)).toEqual(install);
      // Without the token the codec server answers 401; the CLI retries until its deadline, then fails.
      const refused = await show('--command-timeout', '3s').then(
        (r) => `exit 0: ${r.stdout}`,
        (e: { code?: number; stdout?: string; stderr?: string }) => `exit ${e.code}: ${e.stdout ?? ''}${e.stderr ?? ''}`,
      );
      expect(refused).toMatch(/^exit 1: .*level=ERROR/);
      await client.workflow.getHandle(workflowId).terminate('test done');
    } finally {
      await connection.close();
    }
  });
});
