// Adjust POST|GET /event rules (pure): event token, blocklist, revenue, created_at and its age window,
// install time, unique tokens, and the chronological rules (per device and event token; for revenue
// events also across all revenue tokens of the app). Returns the verdict and the state to commit.
import { checkApp, checkMethod, checkCommonParams, adjustFail, adjustOk, isVerdict, newBuilder, resolveDevice } from './adjust-common';
import { REVENUE_MAX, REVENUE_MIN, isCurrencyCode, iso, mergeAdjustParams, parseDecimal, resolveCreatedAt } from './adjust-params';
import type { VerdictBuilder } from './verdict';
import type { RuleContext, Verdict, VendorRequest } from './verdict';

const DAY_MS = 86_400_000;

export interface RevenueRule {
  /** Parameter names that carry the amount, first wins (/event: revenue; /ad_revenue: revenue or amount). */
  names: string[];
  required: boolean;
  /** Smallest accepted amount; `exclusive` means the amount must be greater than it. */
  min: number;
  exclusive: boolean;
}

/** A plain decimal amount within [min, 100,000,000,000] and a 3-letter currency; else "Invalid revenue". */
export function checkRevenue(params: Record<string, string>, b: VerdictBuilder, rule: RevenueRule): string | undefined {
  const names = rule.names.filter((n) => params[n] !== undefined);
  const rawName = names[0];
  if (rawName === undefined) return rule.required ? 'Invalid revenue' : undefined;
  if (names.length > 1) b.warn(`both ${names.join(' and ')} sent; ${rawName} is used`);
  const raw = params[rawName] as string;
  const currency = params['currency'];
  b.fields.revenue = raw;
  if (currency !== undefined) b.fields.currency = currency;
  const value = parseDecimal(raw);
  if (value === undefined || value > REVENUE_MAX) return 'Invalid revenue';
  if (rule.exclusive ? value <= rule.min : value < rule.min) return 'Invalid revenue';
  if (currency === undefined || !isCurrencyCode(currency)) return 'Invalid revenue';
  return undefined;
}

const EVENT_REVENUE: RevenueRule = { names: ['revenue'], required: false, min: REVENUE_MIN, exclusive: false };

export function handleAdjustEvent(req: VendorRequest, ctx: RuleContext): Verdict {
  const merged = mergeAdjustParams(req);
  const params = merged.params;
  const b = newBuilder(params, merged.warnings);
  const nowMs = req.receivedAtMs;

  const badMethod = checkMethod(req, b, 'event', ['GET', 'POST']);
  if (badMethod) return badMethod;
  const app = checkApp(req, params, ctx, b, 'event');
  if (isVerdict(app)) return app;
  const eventToken = params['event_token'];
  if (eventToken !== undefined) b.fields.eventKey = eventToken;
  const tokenCfg = eventToken !== undefined ? app.eventTokens[eventToken] : undefined;
  if (eventToken === undefined || !tokenCfg) return adjustFail(b, 'event', 400, 'Invalid event token');
  if (tokenCfg.blocklisted) return adjustFail(b, 'event', 403, 'Event token blocklisted');

  const common = checkCommonParams(params, b, 'event');
  if (common) return common;
  const revenueError = checkRevenue(params, b, EVENT_REVENUE);
  if (revenueError) return adjustFail(b, 'event', 400, revenueError);
  if (params['revenue'] === undefined && params['currency'] !== undefined) b.warn('currency sent without revenue; it is ignored');
  const isRevenue = params['revenue'] !== undefined;
  if (isRevenue && !tokenCfg.revenue) b.warn(`revenue sent on event token ${eventToken}, which is not configured as a revenue event`);
  if (!isRevenue && tokenCfg.revenue) b.warn(`event token ${eventToken} is a revenue event but no revenue was sent`);

  const createdAt = resolveCreatedAt(params, nowMs);
  if (createdAt.kind === 'invalid') return adjustFail(b, 'event', 400, `Bad event state: ${createdAt.message}`);
  for (const w of createdAt.warnings) b.warn(w);
  if (createdAt.kind === 'sent') b.fields.eventTimeMs = createdAt.ms;
  else if (params['created_at'] === undefined) b.warn('no created_at; Adjust uses the time it received the request');
  const at = createdAt.ms;
  b.fields.recordedTimestamp = iso(at);
  if (at > nowMs) b.warn(`created_at ${iso(at)} is in the future`);

  const device = resolveDevice(params, app, ctx, b, 'event');
  if (isVerdict(device)) return device;

  const windowDays = ctx.config.adjustEventWindowDays;
  if (at < nowMs - windowDays * DAY_MS) {
    return adjustFail(b, 'event', 400, `Bad event state: too old, created_at ${iso(at)} is more than ${windowDays} days before the request was received`);
  }
  if (device.installedAtMs !== undefined && at < device.installedAtMs) {
    return adjustFail(b, 'event', 400, `Bad event state: created_at ${iso(at)} is before installed_at ${iso(device.installedAtMs)}`);
  }
  if (tokenCfg.unique && ctx.devices.uniqueTracked(device.scope, eventToken)) {
    return adjustFail(b, 'event', 400, 'Ignoring event, earlier unique event tracked', 'duplicate');
  }
  const lastSame = ctx.devices.lastEventMs(device.scope, eventToken);
  if (lastSame !== undefined && at < lastSame) {
    return adjustFail(
      b,
      'event',
      400,
      `Bad event state: out of order, created_at ${iso(at)} is earlier than ${iso(lastSame)} already tracked for this device and event token`,
    );
  }
  const lastRevenue = ctx.devices.lastRevenueMs(device.scope);
  if (isRevenue && lastRevenue !== undefined && at < lastRevenue) {
    return adjustFail(
      b,
      'event',
      400,
      `Bad event state: out of order, created_at ${iso(at)} is earlier than ${iso(lastRevenue)} already tracked for this device's revenue events`,
    );
  }
  b.effects.push({ kind: 'adjustEventTracked', scope: device.scope, eventToken, createdAtMs: at, revenue: isRevenue, unique: tokenCfg.unique });
  return adjustOk(b);
}
