// The codec server: Temporal's remote codec protocol over HTTP for the Web UI and the CLI, so operators can
// read encrypted payloads. POST <any prefix>/decode and /encode take and answer `{"payloads":[...]}` (the
// protobuf JSON form: metadata values and data in base64); only the last path segment counts, as the
// protocol says. /login (a form for the token) sets a session cookie for a UI using "Include cross-origin
// credentials"; /logout clears it; /health answers without auth. CORS and auth: codec/codec-access.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { describeZod } from '../domain/contract/issues';
import { PayloadDecryptError } from './aes-gcm-codec';
import { acceptedToken, authorize, corsHeaders, SESSION_COOKIE, SESSION_TTL_SECONDS, sessionValue, type AccessPolicy } from './codec-access';
import { loginPage } from './login-page';

/** Largest request body accepted: a few activity inputs at Temporal's 2 MB payload limit. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface CodecServerOptions {
  host: string;
  port: number;
  codec: PayloadCodec;
  origins: readonly string[];
  trustedOrigins?: readonly string[];
  tokens?: readonly string[];
  /** One line per request (no payload content, no credentials), e.g. for the process log. */
  onRequest?: (entry: { method: string; path: string; status: number; via?: string; origin?: string; ms: number; error?: string }) => void;
}

export interface CodecServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const PayloadsBody = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), Base64).optional(), data: Base64.optional() }), { error: 'must be a list of payloads' }),
});

const fromBase64 = (text: string) => Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

function toPayload(json: z.infer<typeof PayloadsBody>['payloads'][number]): Payload {
  const metadata = Object.fromEntries(Object.entries(json.metadata ?? {}).map(([k, v]) => [k, fromBase64(v)]));
  return { metadata, ...(json.data !== undefined ? { data: fromBase64(json.data) } : {}) };
}

function toJson(payload: Payload): { metadata: Record<string, string>; data?: string } {
  const metadata = Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return payload.data ? { metadata, data: Buffer.from(payload.data).toString('base64') } : { metadata };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `the request body is over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const policy: AccessPolicy = { origins: new Set(options.origins), trustedOrigins: new Set(options.trustedOrigins ?? []), tokens: options.tokens ?? [] };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<{ status: number; via?: string }> => {
    const origin = req.headers.origin;
    const cors = corsHeaders(policy, origin) ?? {};
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, {
        ...SECURITY_HEADERS,
        ...cors,
        'Content-Type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json',
        ...headers,
      });
      res.end(text);
      return { status };
    };
    const segment = url.pathname.replace(/\/+$/, '').split('/').pop() ?? '';
    if (segment === 'health' && req.method === 'GET') return send(200, { status: 'ok' });
    if (segment === 'login' || segment === 'logout') return login(req, res, segment, send);
    if (segment !== 'decode' && segment !== 'encode') return send(404, { error: `no such endpoint: ${url.pathname} (POST .../decode or .../encode)` });
    if (req.method === 'OPTIONS') {
      // A CORS preflight: answered for the configured UI origins only.
      if (!corsHeaders(policy, origin)) return send(403, { error: `origin ${origin ?? '(none)'} is not allowed: add it to S2S_CODEC_ORIGINS` });
      res.writeHead(204, { ...SECURITY_HEADERS, ...cors });
      res.end();
      return { status: 204 };
    }
    if (req.method !== 'POST') return send(405, { error: `${req.method} is not allowed: POST ${url.pathname}` }, { Allow: 'POST, OPTIONS' });
    const access = authorize(policy, {
      ...(origin !== undefined ? { origin } : {}),
      ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
      ...(req.headers.cookie !== undefined ? { cookie: req.headers.cookie } : {}),
      proxied: req.headers.forwarded !== undefined || req.headers['x-forwarded-for'] !== undefined,
    });
    if (!access.ok)
      return send(access.status, { error: access.reason }, access.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="s2s-relay codec server"' } : {});
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'the body must be JSON (Content-Type: application/json)');
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8'));
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(400, `the body is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = PayloadsBody.safeParse(body);
    if (!parsed.success) throw new HttpError(400, `the body must be {"payloads":[{"metadata":{...},"data":"<base64>"}]}: ${describeZod(parsed.error)}`);
    const payloads = parsed.data.payloads.map(toPayload);
    const result = segment === 'decode' ? await options.codec.decode(payloads) : await options.codec.encode(payloads);
    send(200, { payloads: result.map(toJson) });
    return { status: 200, via: access.via };
  };

  const login = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    segment: string,
    send: (status: number, body: unknown, headers?: Record<string, string>) => { status: number },
  ) => {
    const secure = req.headers['x-forwarded-proto'] === 'https' || (req.socket as { encrypted?: boolean }).encrypted === true;
    const cookie = (value: string, maxAge: number) =>
      `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
    if (segment === 'logout') {
      if (req.method !== 'POST') return send(405, loginPage('Log out with the button on the login page.'), { Allow: 'POST' });
      return send(200, loginPage('Logged out.'), { 'Set-Cookie': cookie('', 0) });
    }
    if (req.method === 'GET') return send(200, loginPage());
    if (req.method !== 'POST') return send(405, loginPage(), { Allow: 'GET, POST' });
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    const token = acceptedToken(form.get('token') ?? '', policy.tokens);
    if (!token) return send(401, loginPage('That is not a valid codec server token.'));
    return send(
      200,
      loginPage(
        `Logged in for ${SESSION_TTL_SECONDS / 3600} hours: the Temporal UI can now decode payloads in this browser (with "Include cross-origin credentials" on).`,
        true,
      ),
      {
        'Set-Cookie': cookie(sessionValue(token), SESSION_TTL_SECONDS),
      },
    );
  };

  const server = http.createServer((req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://codec.invalid');
    handle(req, res, url).then(
      ({ status, via }) =>
        options.onRequest?.({
          method: req.method ?? '?',
          path: url.pathname,
          status,
          ...(via ? { via } : {}),
          ...(req.headers.origin ? { origin: req.headers.origin } : {}),
          ms: Date.now() - started,
        }),
      (error: unknown) => {
        const status = error instanceof HttpError ? error.status : error instanceof PayloadDecryptError ? 422 : 500;
        const message = error instanceof Error ? error.message : String(error);
        if (!res.headersSent) {
          res.writeHead(status, { ...SECURITY_HEADERS, ...(corsHeaders(policy, req.headers.origin) ?? {}), 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ error: message }));
        }
        options.onRequest?.({ method: req.method ?? '?', path: url.pathname, status, ms: Date.now() - started, error: message });
      },
    );
  });
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`the codec server cannot listen on ${options.host}:${options.port}: the port is taken (set S2S_CODEC_PORT)`)
          : error,
      ),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
