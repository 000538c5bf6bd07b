// Adjust GET|POST /ad_revenue rules (pure): source=publisher, a positive integer ad_impressions_count,
// revenue or amount with its currency, the ad-revenue age window (adRevenueWindowDays, 28 days) and the
// install time. Ad revenue need not be chronological, so no ordering state is read or written.
import { checkApp, checkMethod, checkCommonParams, adjustFail, adjustOk, isVerdict, newBuilder, resolveDevice } from './adjust-common';
import { iso, mergeAdjustParams, resolveCreatedAt } from './adjust-params';
import type { RevenueRule } from './adjust-event';
import { checkRevenue } from './adjust-event';
import type { RuleContext, Verdict, VendorRequest } from './verdict';

const DAY_MS = 86_400_000;
const AD_REVENUE: RevenueRule = { names: ['revenue', 'amount'], required: true, min: 0, exclusive: true };

export function handleAdjustAdRevenue(req: VendorRequest, ctx: RuleContext): Verdict {
  const merged = mergeAdjustParams(req);
  const params = merged.params;
  const b = newBuilder(params, merged.warnings);
  const nowMs = req.receivedAtMs;

  const badMethod = checkMethod(req, b, 'ad_revenue', ['GET', 'POST']);
  if (badMethod) return badMethod;
  const app = checkApp(req, params, ctx, b, 'ad_revenue');
  if (isVerdict(app)) return app;
  if (params['source'] !== 'publisher') {
    return adjustFail(
      b,
      'ad_revenue',
      400,
      `Bad event state: source must be publisher, got ${params['source'] === undefined ? 'none' : `"${params['source']}"`}`,
    );
  }
  const count = params['ad_impressions_count'];
  if (count === undefined || !/^\d+$/.test(count) || Number(count) < 1) {
    return adjustFail(b, 'ad_revenue', 400, 'Bad event state: ad_impressions_count must be a positive integer');
  }
  const common = checkCommonParams(params, b, 'ad_revenue');
  if (common) return common;
  const revenueError = checkRevenue(params, b, AD_REVENUE);
  if (revenueError) return adjustFail(b, 'ad_revenue', 400, revenueError);

  const createdAt = resolveCreatedAt(params, nowMs);
  if (createdAt.kind === 'invalid') return adjustFail(b, 'ad_revenue', 400, `Bad event state: ${createdAt.message}`);
  for (const w of createdAt.warnings) b.warn(w);
  if (createdAt.kind === 'sent') b.fields.eventTimeMs = createdAt.ms;
  const at = createdAt.ms;
  b.fields.recordedTimestamp = iso(at);

  const device = resolveDevice(params, app, ctx, b, 'ad_revenue');
  if (isVerdict(device)) return device;
  const windowDays = ctx.config.adRevenueWindowDays;
  if (at < nowMs - windowDays * DAY_MS) {
    return adjustFail(b, 'ad_revenue', 400, `Bad event state: too old, created_at ${iso(at)} is more than ${windowDays} days before the request was received`);
  }
  if (device.installedAtMs !== undefined && at < device.installedAtMs) {
    return adjustFail(b, 'ad_revenue', 400, `Bad event state: created_at ${iso(at)} is before installed_at ${iso(device.installedAtMs)}`);
  }
  return adjustOk(b);
}
