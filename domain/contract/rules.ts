// The contract's rules that need more than the message: the clock (nothing from the future beyond the
// allowed skew, nothing older than the vendors' windows) and, once the user's app is known, the app's
// configuration and the user's install (platform, identifiers each vendor needs, iOS osVersion, revenue
// bounds and windows of the vendors the message goes to, reserved keys, AppsFlyer's 1 KB body). Pure: the
// client, the CLI and the workflow run the same checks, each with what it knows.
import type { Policy, PublicAppConfig } from '../config';
import { deliveryId } from '../ids';
import { dedupKey, vendorWindowMs, type Destination, type Message } from '../delivery';
import { compareAmounts } from '../money';
import { adjustRoute, isSkip, route } from '../routing';
import { appsflyerEventFields, appsflyerInstallFields, fieldsBytes } from '../vendors/appsflyer';
import { hasAdjustDeviceId, type Signup } from './install';
import type { FieldIssue } from './issues';
import { LIMITS, MIN_ADJUST_REVENUE } from './limits';
import { readTimestamp, isoTime } from './time';

export interface RuleContext {
  /** Now, on the checker's clock (the workflow's deterministic time inside a workflow). */
  nowMs: number;
  policy: Policy;
  /** The key of the user's app, when known. */
  appKey?: string;
  /** The user's app, when the configuration is at hand (the workflow; a client given the configuration). */
  app?: PublicAppConfig;
  /** Why the app is unknown to the configuration (the key is not configured). */
  appProblem?: string;
  /** The user's install context, when known. */
  install?: Signup;
}

const DAY = 86_400_000;
const days = (ms: number) => `${Math.round(ms / DAY)} days`;

function clockIssues(field: string, text: string, ctx: RuleContext): FieldIssue[] {
  const reading = readTimestamp(text);
  if (!reading.ok) return [];
  const latest = ctx.nowMs + ctx.policy.maxClockSkew;
  return reading.ms > latest
    ? [
        {
          path: field,
          message: `${field} ${text} is in the future: at most ${Math.round(ctx.policy.maxClockSkew / 1000)} s ahead of now (${isoTime(ctx.nowMs)}) is accepted (policy.maxClockSkew)`,
        },
      ]
    : [];
}

/** The AppsFlyer body share each event may use: what the install's share leaves of 1 KB (and the braces). */
export const APPSFLYER_EVENT_SHARE_BYTES = LIMITS.appsflyerBodyBytes - LIMITS.appsflyerInstallShareBytes - 2;

export function signupIssues(s: Signup, ctx: RuleContext): FieldIssue[] {
  const issues = clockIssues('installedAt', s.installedAt, ctx);
  if (ctx.appKey !== s.app) return issues;
  if (ctx.appProblem) return [...issues, { path: 'app', message: ctx.appProblem }];
  const app = ctx.app;
  if (!app) return issues;
  if (s.platform !== app.platform)
    issues.push({ path: 'platform', message: `app "${s.app}" is configured as an ${app.platform} app; an ${s.platform} install cannot belong to it` });
  if (app.adjust && !hasAdjustDeviceId(s))
    issues.push({
      path: 'deviceIds',
      message: `app "${s.app}" sends to Adjust, which needs a device id (idfa, idfv, gps_adid, android_id, fire_adid, oaid, web_uuid or adid); none given`,
    });
  if (app.appsflyer) {
    if (!s.appsflyerId)
      issues.push({ path: 'appsflyerId', message: `app "${s.app}" sends to AppsFlyer, which needs the user's appsflyerId (appsflyer_id is mandatory)` });
    if (s.platform === 'ios' && !s.osVersion && app.appsflyer.requireOsVersion) {
      issues.push({
        path: 'osVersion',
        message: `is required for iOS apps that send to AppsFlyer ("For iOS apps, starting iOS 14, you must send the os parameter"; without it AppsFlyer assumes 14.5); set apps.${s.app}.appsflyer.requireOsVersion: false to accept signups without it`,
      });
    }
    const bytes = fieldsBytes(appsflyerInstallFields(s, app));
    if (bytes > LIMITS.appsflyerInstallShareBytes) {
      issues.push({
        path: '(message)',
        message: `the install's AppsFlyer fields take ${bytes} bytes of the ${LIMITS.appsflyerInstallShareBytes} they may use of AppsFlyer's 1 KB body (the rest is kept for each event): shorten userAgent or customerUserId`,
      });
    }
  }
  return issues;
}

/** Rules every event-like message (track, refund, adRevenue) shares once the app is known. */
function deliveryIssues(userId: string, message: Message, occurredAt: string, ctx: RuleContext): FieldIssue[] {
  const issues = clockIssues('occurredAt', occurredAt, ctx);
  const reading = readTimestamp(occurredAt);
  if (!reading.ok) return issues;
  const app = ctx.app;
  if (!app || ctx.appProblem) {
    // The app is not known yet (held until the signup): only the widest window can be checked (ad revenue
    // goes to Adjust only, so its window is Adjust's).
    const vendors: Destination[] = message.kind === 'adRevenue' ? ['adjust'] : ['adjust', 'appsflyer'];
    const widest = Math.max(...vendors.map((d) => vendorWindowMs(d, message.kind, ctx.policy)));
    if (reading.ms + widest <= ctx.nowMs) issues.push({ path: 'occurredAt', message: `${occurredAt} is older than any vendor's window (${days(widest)})` });
    return issues;
  }
  const routed = (['adjust', 'appsflyer'] as const).filter((d) => !isSkip(route(d, message, app, ctx.install)));
  if (routed.length === 0 && message.kind !== 'refund') {
    const why = (['adjust', 'appsflyer'] as const).map((d) => `${d}: ${(route(d, message, app, ctx.install) as { skip: string }).skip}`).join('; ');
    issues.push({ path: message.kind === 'track' ? 'name' : '(message)', message: `is not sent to any vendor for app "${ctx.appKey}" (${why})` });
    return issues;
  }
  const windows = routed.map((d) => vendorWindowMs(d, message.kind, ctx.policy));
  const longest = Math.max(0, ...windows);
  // The same boundary as the lanes' deadline: at exactly the window's age it is too old.
  if (routed.length > 0 && reading.ms + longest <= ctx.nowMs) {
    issues.push({
      path: 'occurredAt',
      message: `${occurredAt} is older than the longest window of the vendors it goes to (${routed.map((d, i) => `${d} ${days(windows[i] as number)}`).join(', ')})`,
    });
  }
  if (routed.includes('appsflyer')) issues.push(...appsflyerEventIssues(userId, message, app));
  return issues;
}

function appsflyerEventIssues(userId: string, message: Message, app: PublicAppConfig): FieldIssue[] {
  const probe = { deliveryId: deliveryId(userId, dedupKey(message), 'appsflyer'), destination: 'appsflyer' as Destination, message, occurredAtMs: 0 };
  const bytes = fieldsBytes(appsflyerEventFields(probe, app));
  return bytes > APPSFLYER_EVENT_SHARE_BYTES
    ? [
        {
          path: message.kind === 'track' ? 'eventValue' : '(message)',
          message: `the event's AppsFlyer fields (name, eventValue with revenue and the delivery id, time, currency, sharing filter) take ${bytes} bytes; each event may use ${APPSFLYER_EVENT_SHARE_BYTES} of AppsFlyer's 1 KB body: send fewer or shorter eventValue entries`,
        },
      ]
    : [];
}

function reservedKey(map: Record<string, string> | undefined, key: string | false | undefined, path: string, where: string): FieldIssue[] {
  return map && key && key in map ? [{ path: `${path}.${key}`, message: `is reserved: the relay sends the delivery id under it (${where})` }] : [];
}

export function messageIssues(message: Message, ctx: RuleContext): FieldIssue[] {
  switch (message.kind) {
    case 'track': {
      const t = message.track;
      const issues = deliveryIssues(t.userId, message, t.occurredAt, ctx);
      const app = ctx.app;
      if (!app || ctx.appProblem) return issues;
      const adjust = adjustRoute(message, app, ctx.install);
      if (
        !isSkip(adjust) &&
        adjust.endpoint === 'event' &&
        adjust.withRevenue &&
        t.revenue !== undefined &&
        compareAmounts(t.revenue, MIN_ADJUST_REVENUE) < 0
      ) {
        issues.push({
          path: 'revenue',
          message: `must be at least ${MIN_ADJUST_REVENUE} for Adjust revenue event ${adjust.token} ("${t.name}"); got ${t.revenue}`,
        });
      }
      issues.push(...reservedKey(t.callbackParams, app.adjust?.deliveryIdParam, 'callbackParams', `apps.${ctx.appKey}.adjust.deliveryIdParam`));
      issues.push(...reservedKey(t.eventValue, app.appsflyer?.deliveryIdKey, 'eventValue', `apps.${ctx.appKey}.appsflyer.deliveryIdKey`));
      return issues;
    }
    case 'refund':
      return deliveryIssues(message.refund.userId, message, message.refund.occurredAt, ctx);
    case 'adRevenue': {
      const a = message.adRevenue;
      const issues = deliveryIssues(a.userId, message, a.occurredAt, ctx);
      if (ctx.app && !ctx.appProblem)
        issues.push(...reservedKey(a.callbackParams, ctx.app.adjust?.deliveryIdParam, 'callbackParams', `apps.${ctx.appKey}.adjust.deliveryIdParam`));
      return issues;
    }
  }
}
