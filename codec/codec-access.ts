// Who may use the codec server, decided from a request's headers alone (pure, so it is tested without a
// server). CORS: only the configured Temporal UI origins get CORS answers (with credentials, so the UI's
// "Include cross-origin credentials" works); a browser request from any other origin is refused. Auth, any of:
// `Authorization: Bearer <S2S_CODEC_TOKEN>` (CLI `--codec-auth`, scripts), the session cookie the /login page
// sets after checking the token (the UI with "Include cross-origin credentials"), or a trusted UI origin (the
// local dev UI, which has no login and cannot send a token), never through a proxy.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 's2s_codec_session';
export const SESSION_TTL_SECONDS = 12 * 3600;
const SESSION_CONTEXT = 's2s-relay codec session v1';

export interface AccessPolicy {
  origins: ReadonlySet<string>;
  trustedOrigins: ReadonlySet<string>;
  tokens: readonly string[];
}

export interface RequestFacts {
  origin?: string;
  authorization?: string;
  cookie?: string;
  /** The request came through a proxy (Forwarded / X-Forwarded-For): never a trusted local UI. */
  proxied: boolean;
}

export type Access = { ok: true; via: 'token' | 'session' | 'trusted origin' } | { ok: false; status: 401 | 403; reason: string };

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Constant-time comparison of a presented secret with the configured ones. */
function matchesToken(presented: string, tokens: readonly string[]): boolean {
  const given = digest(presented);
  let found = false;
  for (const token of tokens) found = timingSafeEqual(given, digest(token)) || found;
  return found;
}

function sessionSignature(token: string, expiresAt: number): string {
  return createHmac('sha256', token).update(`${SESSION_CONTEXT}.${expiresAt}`).digest('base64url');
}

/** A session cookie value for someone who presented `token`, valid until now + SESSION_TTL_SECONDS. */
export function sessionValue(token: string, nowMs = Date.now()): string {
  const expiresAt = Math.floor(nowMs / 1000) + SESSION_TTL_SECONDS;
  return `v1.${expiresAt}.${sessionSignature(token, expiresAt)}`;
}

/** Whether a session cookie value was made with one of `tokens` and has not expired. */
export function validSession(value: string, tokens: readonly string[], nowMs = Date.now()): boolean {
  const match = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match) return false;
  const expiresAt = Number(match[1]);
  if (expiresAt * 1000 <= nowMs) return false;
  const given = Buffer.from(match[2] as string);
  let found = false;
  for (const token of tokens) {
    const expected = Buffer.from(sessionSignature(token, expiresAt));
    found = (expected.length === given.length && timingSafeEqual(expected, given)) || found;
  }
  return found;
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The CORS headers for a request from `origin`, or undefined when that origin may not call the server. */
export function corsHeaders(policy: AccessPolicy, origin: string | undefined): Record<string, string> | undefined {
  if (!origin || !(policy.origins.has(origin) || policy.trustedOrigins.has(origin))) return undefined;
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, Authorization, Authorization-Extras, X-Namespace',
    'Access-Control-Max-Age': '600',
    Vary: 'Origin',
  };
}

/** Whether a request to /encode or /decode may be served, and how it proved it. */
export function authorize(policy: AccessPolicy, request: RequestFacts, nowMs = Date.now()): Access {
  if (request.origin !== undefined && !corsHeaders(policy, request.origin)) {
    return { ok: false, status: 403, reason: `origin ${request.origin} is not allowed: add it to S2S_CODEC_ORIGINS` };
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.authorization ?? '')?.[1];
  if (bearer !== undefined && matchesToken(bearer, policy.tokens)) return { ok: true, via: 'token' };
  const session = cookieValue(request.cookie, SESSION_COOKIE);
  if (session !== undefined && validSession(session, policy.tokens, nowMs)) return { ok: true, via: 'session' };
  if (request.origin !== undefined && policy.trustedOrigins.has(request.origin) && !request.proxied) return { ok: true, via: 'trusted origin' };
  const tried =
    bearer !== undefined ? 'the bearer token is not valid' : session !== undefined ? 'the session has expired or is not valid' : 'no credentials were sent';
  return {
    ok: false,
    status: 401,
    reason: `${tried}: send "Authorization: Bearer <S2S_CODEC_TOKEN>", or log in at /login and turn on "Include cross-origin credentials" in the UI's codec server settings`,
  };
}

/** The token a /login form or JSON body presented, if it is one of the configured tokens. */
export function acceptedToken(presented: string, tokens: readonly string[]): string | undefined {
  return tokens.find((token) => matchesToken(presented, [token]));
}
