// AppsFlyer POST /inappevent/{app_id} rules (pure): app id (iOS "id" prefix), authentication key,
// Zero Package, 1 KB payload, JSON body shape, stringified eventValue and revenue format, time stamping,
// and attribution against the install registry (organic until the install is processed).
import { findAppsflyerApp } from './config';
import type { AppsflyerApp } from './config';
import { AppsflyerBodySchema, checkEventValueRevenue, deliveryIdOf, firstIssue, parseJsonObjectString } from './appsflyer-body';
import { parseEventTime, stampEvent } from './appsflyer-time';
import { APPSFLYER_ID_RE } from './installs';
import type { Outcome } from './record';
import type { RuleContext, Verdict, VendorRequest } from './verdict';
import { VerdictBuilder } from './verdict';

const TEXT = 'text/plain; charset=utf-8';
export const AF_MESSAGES = {
  ok: 'OK',
  badRequest: 'Bad request',
  parse: 'Payload is missing or failed to parse',
  missingId: 'appsflyer_id is a mandatory field',
  appId: 'app_id',
  failedAuth: 'Failed to Authenticate',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
} as const;

function reply(b: VerdictBuilder, status: number, body: string, outcome: Outcome, reason?: string): Verdict {
  return b.finish({ status, contentType: TEXT, body, outcome, ...(reason !== undefined ? { reason } : {}) });
}

/** The configured app for the URL's app id; an iOS id sent without its "id" prefix still resolves (noPrefix). */
export function resolveApp(ctx: RuleContext, appId: string): { app: AppsflyerApp; noPrefix: boolean } | undefined {
  const app = findAppsflyerApp(ctx.config, appId);
  if (app) return { app, noPrefix: false };
  const prefixed = /^\d+$/.test(appId) ? findAppsflyerApp(ctx.config, `id${appId}`) : undefined;
  return prefixed && prefixed.platform === 'ios' ? { app: prefixed, noPrefix: true } : undefined;
}

/** Reads what it can without validating, for records of faulted requests. */
export function describeAppsflyer(body: string): { json?: unknown; eventKey?: string; deliveryId?: string; deviceKey?: string } {
  try {
    const json: unknown = JSON.parse(body);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return { json };
    const o = json as Record<string, unknown>;
    const ev = typeof o['eventValue'] === 'string' ? parseJsonObjectString(o['eventValue']) : undefined;
    const deliveryId = deliveryIdOf(ev?.kind === 'object' ? ev.value : undefined, o['custom_data']);
    return {
      json,
      ...(typeof o['eventName'] === 'string' ? { eventKey: o['eventName'] } : {}),
      ...(typeof o['appsflyer_id'] === 'string' ? { deviceKey: `appsflyer_id:${o['appsflyer_id']}` } : {}),
      ...(deliveryId !== undefined ? { deliveryId } : {}),
    };
  } catch {
    return {};
  }
}

export function handleAppsflyerEvent(req: VendorRequest, appId: string, ctx: RuleContext): Verdict {
  const b = new VerdictBuilder();
  b.fields.appKey = appId;
  if (req.method !== 'POST') return { ...reply(b, 405, 'Method Not Allowed', 'rejected', 'only POST is documented'), headers: { allow: 'POST' } };
  const resolved = resolveApp(ctx, appId);
  if (!resolved) return reply(b, 400, AF_MESSAGES.appId, 'rejected', `app_id ${appId} is not a configured AppsFlyer app`);
  const { app, noPrefix } = resolved;
  const auth = req.headers['authentication'];
  if (auth === undefined) return reply(b, 401, AF_MESSAGES.unauthorized, 'rejected', 'no authentication header');
  if (auth.trim() === '' || /\s/.test(auth.trim()))
    return reply(b, 400, AF_MESSAGES.failedAuth, 'rejected', 'authentication header is empty or not a single key');
  if (auth.trim() !== app.key) return reply(b, 401, AF_MESSAGES.unauthorized, 'rejected', `authentication is not the ${app.apiVersion} key of ${app.appId}`);
  if (app.zeroPackage) return reply(b, 403, AF_MESSAGES.forbidden, 'rejected', 'Zero Package plans do not accept S2S events');

  const limit = ctx.config.appsflyerMaxPayloadBytes;
  if (req.bodyBytes > limit) {
    return reply(
      b,
      400,
      `${AF_MESSAGES.badRequest}: JSON payload is ${req.bodyBytes} bytes, the limit is 1KB (${limit} bytes)`,
      'rejected',
      'payload too large',
    );
  }
  const ct = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (ct !== 'application/json') return reply(b, 400, AF_MESSAGES.parse, 'rejected', `Content-Type must be application/json, got "${ct ?? ''}"`);
  let json: unknown;
  try {
    json = JSON.parse(req.body);
  } catch {
    return reply(b, 400, AF_MESSAGES.parse, 'rejected', 'body is not valid JSON');
  }
  b.fields.json = json;
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return reply(b, 400, AF_MESSAGES.parse, 'rejected', 'body must be one JSON object (one event per request)');
  const o = json as Record<string, unknown>;
  if (Array.isArray(o['events']) || Array.isArray(o['eventName'])) return reply(b, 400, AF_MESSAGES.parse, 'rejected', 'more than one event in one request');
  if (typeof o['eventName'] === 'string') b.fields.eventKey = o['eventName'];

  const afId = o['appsflyer_id'];
  if (afId === undefined || afId === null || afId === '') return reply(b, 400, AF_MESSAGES.missingId, 'rejected', 'appsflyer_id missing');
  if (typeof afId !== 'string' || !APPSFLYER_ID_RE.test(afId))
    return reply(b, 400, AF_MESSAGES.badRequest, 'rejected', 'appsflyer_id must match ^\\d{13}-\\d{7,19}$');
  b.fields.deviceKey = `appsflyer_id:${afId}`;
  if (o['eventValue'] !== undefined && typeof o['eventValue'] !== 'string') {
    return reply(b, 400, AF_MESSAGES.parse, 'rejected', 'eventValue must be stringified JSON, not a JSON value');
  }
  const shape = AppsflyerBodySchema.safeParse(o);
  if (!shape.success) return reply(b, 400, AF_MESSAGES.badRequest, 'rejected', firstIssue(shape.error));
  const body = shape.data;
  const ev = parseJsonObjectString(body.eventValue);
  if (ev.kind === 'invalid') return reply(b, 400, AF_MESSAGES.parse, 'rejected', 'eventValue is not a stringified JSON object');
  if (body.custom_data !== undefined && parseJsonObjectString(body.custom_data).kind === 'invalid') {
    return reply(b, 400, AF_MESSAGES.badRequest, 'rejected', 'custom_data must be a stringified JSON object');
  }
  const eventValue = ev.kind === 'object' ? ev.value : undefined;
  const deliveryId = deliveryIdOf(eventValue, body.custom_data);
  if (deliveryId !== undefined) b.fields.deliveryId = deliveryId;
  const rev = eventValue ? checkEventValueRevenue(eventValue) : {};
  if (rev.problem) return reply(b, 400, AF_MESSAGES.badRequest, 'rejected', rev.problem);
  if (rev.revenue !== undefined) {
    b.fields.revenue = rev.revenue;
    const currency = rev.currency ?? body.eventCurrency;
    if (currency === undefined) b.warn('af_revenue without af_currency or eventCurrency; AppsFlyer assumes USD');
    b.fields.currency = currency ?? 'USD';
  }

  const arrival = req.receivedAtMs;
  const eventTimeMs = parseEventTime(body.eventTime);
  if (body.eventTime !== undefined && eventTimeMs === undefined) {
    b.warn(`invalid eventTime ${JSON.stringify(body.eventTime)} (expected yyyy-MM-dd HH:mm:ss.SSS UTC); stamped with the arrival time`);
  }
  if (eventTimeMs !== undefined) b.fields.eventTimeMs = eventTimeMs;
  const stamp = stampEvent(eventTimeMs, arrival);
  b.fields.recordedTimestamp = new Date(stamp.timestampMs).toISOString();
  if (app.platform === 'ios' && body.os === undefined) b.warn('os missing on an iOS app: AppsFlyer treats the event as coming from iOS 14.5');

  if (noPrefix) {
    b.warn(`iOS app id sent without the "id" prefix (${appId} instead of ${app.appId}): AppsFlyer answers 200 OK but records nothing`);
    return reply(b, 200, AF_MESSAGES.ok, 'not_recorded', 'iOS app id without the id prefix');
  }
  const install = ctx.installs.findAppsflyer(app.appId, afId);
  if (!install) {
    if (!ctx.config.lenientDevices) return reply(b, 200, AF_MESSAGES.ok, 'organic', 'no install known for this appsflyer_id');
    b.warn('unknown appsflyer_id registered on first sight (lenientDevices), as installed and processed long ago');
    b.effects.push({ kind: 'registerAppsflyerId', appId: app.appId, appsflyerId: afId, installedAtMs: 0, processedAtMs: 0 });
    return reply(b, 200, AF_MESSAGES.ok, 'attributed', stamp.rule);
  }
  if (arrival < install.processedAtMs) {
    const when = new Date(install.processedAtMs).toISOString();
    return reply(b, 200, AF_MESSAGES.ok, 'organic', `install not processed yet (processed at ${when}); the event is attributed as organic`);
  }
  return reply(b, 200, AF_MESSAGES.ok, 'attributed', stamp.rule);
}
