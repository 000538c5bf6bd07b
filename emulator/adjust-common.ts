// Checks every Adjust endpoint shares (pure): request size, s2s=1, app token, S2S authorization, app
// state, environment, ip_address, callback/partner parameters, and resolving the device (opt-out, install
// lookup, lenient registration). Also builds Adjust's answers: {"error":"<Prefix> failed (<message>)"}.
import type { AdjustApp } from './config';
import { ADJUST_APP_TOKEN_RE, findAdjustApp } from './config';
import { canonicalDeviceKey, normalizeId } from './installs';
import { deviceIdsOf, isIPv4, parseFlatStringObject } from './adjust-params';
import type { Outcome } from './record';
import type { RuleContext, Verdict, VendorRequest } from './verdict';
import { VerdictBuilder } from './verdict';

export type AdjustEndpoint = 'event' | 'ad_revenue' | 'session';

const PREFIX: Record<AdjustEndpoint, string> = {
  event: 'Event request failed',
  ad_revenue: 'Ad revenue request failed',
  session: 'Session failed',
};

export const JSON_TYPE = 'application/json';

export function adjustErrorBody(endpoint: AdjustEndpoint, message: string): string {
  return JSON.stringify({ error: `${PREFIX[endpoint]} (${message})` });
}

export function adjustFail(b: VerdictBuilder, endpoint: AdjustEndpoint, status: number, message: string, outcome: Outcome = 'rejected'): Verdict {
  return b.finish({ status, contentType: JSON_TYPE, body: adjustErrorBody(endpoint, message), outcome, reason: message });
}

export function adjustOk(b: VerdictBuilder): Verdict {
  return b.finish({ status: 200, contentType: JSON_TYPE, body: JSON.stringify({ status: 'OK' }), outcome: 'accepted' });
}

export function isVerdict(x: unknown): x is Verdict {
  return typeof x === 'object' && x !== null && 'status' in x && 'effects' in x;
}

/** 405 with an Allow header for methods the endpoint does not document. */
export function checkMethod(req: VendorRequest, b: VerdictBuilder, endpoint: AdjustEndpoint, allowed: string[]): Verdict | undefined {
  if (allowed.includes(req.method)) return undefined;
  const v = adjustFail(b, endpoint, 405, `Method not allowed, use ${allowed.join(' or ')}`);
  return { ...v, headers: { allow: allowed.join(', ') } };
}

/** Size, s2s=1, app token, authorization, inactive app, disabled tracking: in that order. */
export function checkApp(
  req: VendorRequest,
  params: Record<string, string>,
  ctx: RuleContext,
  b: VerdictBuilder,
  endpoint: AdjustEndpoint,
): AdjustApp | Verdict {
  if (req.urlBytes + req.bodyBytes > ctx.config.adjustMaxRequestBytes) return adjustFail(b, endpoint, 413, 'Request size too large');
  const appToken = params['app_token'];
  if (appToken !== undefined) b.fields.appKey = appToken;
  if (params['s2s'] !== '1') return adjustFail(b, endpoint, 400, 'Bad event state: the s2s parameter must be 1 for server-to-server requests');
  if (appToken === undefined || !ADJUST_APP_TOKEN_RE.test(appToken)) return adjustFail(b, endpoint, 400, 'Invalid app token');
  const app = findAdjustApp(ctx.config, appToken);
  if (!app) return adjustFail(b, endpoint, 404, 'App token not found');
  if (app.s2sSecurity) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers['authorization'] ?? '');
    if (!m || !app.s2sTokens.includes(m[1] as string)) return adjustFail(b, endpoint, 401, 'Failed to authorize request');
  }
  if (app.inactive) return adjustFail(b, endpoint, 403, 'App is inactive');
  if (app.trackingDisabled) return adjustFail(b, endpoint, 403, 'Tracking disabled');
  return app;
}

/** environment, ip_address, callback_params, partner_params; also extracts the relay's delivery id. */
export function checkCommonParams(params: Record<string, string>, b: VerdictBuilder, endpoint: AdjustEndpoint): Verdict | undefined {
  const env = params['environment'];
  if (env !== undefined && env !== 'sandbox' && env !== 'production') {
    return adjustFail(b, endpoint, 400, `Bad event state: environment must be sandbox or production, got "${env}"`);
  }
  const ip = params['ip_address'];
  if (ip !== undefined && !isIPv4(ip)) {
    const what = ip.includes(':') ? 'IPv6 is not supported' : 'not an IPv4 address';
    return adjustFail(b, endpoint, 400, `Bad event state: ip_address must be IPv4 (${what})`);
  }
  const cb = params['callback_params'];
  if (cb !== undefined) {
    const parsed = parseFlatStringObject(cb);
    if (!parsed) return adjustFail(b, endpoint, 400, 'Invalid callback parameters');
    if (parsed['s2s_delivery_id'] !== undefined) b.fields.deliveryId = parsed['s2s_delivery_id'];
  }
  // Adjust documents no message of its own for bad partner_params, so the documented catch-all is used.
  const pp = params['partner_params'];
  if (pp !== undefined && !parseFlatStringObject(pp)) {
    return adjustFail(b, endpoint, 400, 'Bad event state: invalid partner_params (a flat JSON object of strings is expected)');
  }
  return undefined;
}

/** Reads the delivery id and event key without validating, for records of faulted requests. */
export function describeAdjust(params: Record<string, string>): { appKey?: string; eventKey?: string; deliveryId?: string } {
  const out: { appKey?: string; eventKey?: string; deliveryId?: string } = {};
  if (params['app_token'] !== undefined) out.appKey = params['app_token'];
  if (params['event_token'] !== undefined) out.eventKey = params['event_token'];
  const cb = params['callback_params'] !== undefined ? parseFlatStringObject(params['callback_params']) : undefined;
  if (cb?.['s2s_delivery_id'] !== undefined) out.deliveryId = cb['s2s_delivery_id'];
  return out;
}

export interface ResolvedDevice {
  /** Key of per-device state: app | environment | canonical device key. */
  scope: string;
  /** Canonical device key, e.g. idfa:d2cadb5f-410f-4963-ac0c-2a78534bdf1e. */
  key: string;
  installedAtMs: number | undefined;
  known: boolean;
  ids: Record<string, string>;
  adid: string | undefined;
}

/**
 * At least one device id; opted-out devices answer 451; unknown devices answer 404 unless lenientDevices
 * (then registered as installed long ago) or `allowUnknown` (sessions: the first session is the install).
 */
export function resolveDevice(
  params: Record<string, string>,
  app: AdjustApp,
  ctx: RuleContext,
  b: VerdictBuilder,
  endpoint: AdjustEndpoint,
  allowUnknown = false,
): ResolvedDevice | Verdict {
  const ids = deviceIdsOf(params);
  const first = ids[0];
  if (!first) {
    return adjustFail(
      b,
      endpoint,
      400,
      'Bad event state: no device identifier (send one of idfa, gps_adid, fire_adid, oaid, web_uuid, idfv, android_id, adid)',
    );
  }
  b.fields.deviceKey = `${first[0]}:${first[1]}`;
  warnPlatform(ids, app, b);
  const optedOut = new Set(ctx.config.optedOutDevices.map(normalizeId));
  if (ids.some(([, v]) => optedOut.has(normalizeId(v)))) return adjustFail(b, endpoint, 451, 'Device is opted out');
  const env = params['environment'] ?? 'production';
  const found = ctx.installs.findAdjustDevice(app.appToken, ids);
  if (found) {
    b.fields.deviceKey = found.matchedBy;
    const scope = `${app.appToken}|${env}|${found.device.key}`;
    return { scope, key: found.device.key, installedAtMs: found.device.installedAtMs, known: true, ids: found.device.ids, adid: found.device.adid };
  }
  const key = canonicalDeviceKey(ids) as string;
  const idMap = Object.fromEntries(ids);
  if (allowUnknown) return { scope: `${app.appToken}|${env}|${key}`, key, installedAtMs: undefined, known: false, ids: idMap, adid: idMap['adid'] };
  if (!ctx.config.lenientDevices) return adjustFail(b, endpoint, 404, 'Device not found');
  b.warn('unknown device registered on first sight (lenientDevices), as installed long ago');
  b.effects.push({ kind: 'registerAdjustDevice', appToken: app.appToken, ids: idMap, installedAtMs: 0, source: 'lenient' });
  return { scope: `${app.appToken}|${env}|${key}`, key, installedAtMs: 0, known: false, ids: idMap, adid: idMap['adid'] };
}

const IOS_ONLY = new Set(['idfa', 'idfv']);
const ANDROID_ONLY = new Set(['gps_adid', 'android_id', 'fire_adid', 'oaid']);

function warnPlatform(ids: Array<[string, string]>, app: AdjustApp, b: VerdictBuilder): void {
  for (const [name] of ids) {
    if (app.platform === 'android' && IOS_ONLY.has(name)) b.warn(`${name} is an iOS identifier but app ${app.appToken} is an Android app`);
    if (app.platform === 'ios' && ANDROID_ONLY.has(name)) b.warn(`${name} is not an iOS identifier but app ${app.appToken} is an iOS app`);
  }
}

export function newBuilder(params: Record<string, string>, warnings: string[]): VerdictBuilder {
  const b = new VerdictBuilder();
  b.fields.params = params;
  for (const w of warnings) b.warn(w);
  return b;
}
