// Adjust POST /session rules (pure): sessions must be enabled for the app, the first session of an
// unseen device is its install ("Install tracked", registers the device), later ones must keep the
// minimum gap (sessionMinGapMinutes, 30 per sessions.mdx; the developer guide says 20).
import { checkApp, checkMethod, checkCommonParams, adjustFail, isVerdict, JSON_TYPE, newBuilder, resolveDevice } from './adjust-common';
import { iso, mergeAdjustParams, resolveCreatedAt } from './adjust-params';
import { deriveAdid } from './installs';
import type { RuleContext, Verdict, VendorRequest } from './verdict';

/** Adjust's session timestamp style, e.g. 2024-07-09T01:31:14.373Z+0000. */
export function sessionTimestamp(ms: number): string {
  return `${iso(ms)}+0000`;
}

export function handleAdjustSession(req: VendorRequest, ctx: RuleContext): Verdict {
  const merged = mergeAdjustParams(req);
  const params = merged.params;
  const b = newBuilder(params, merged.warnings);
  const nowMs = req.receivedAtMs;
  const badMethod = checkMethod(req, b, 'session', ['POST']);
  if (badMethod) return badMethod;
  const app = checkApp(req, params, ctx, b, 'session');
  if (isVerdict(app)) return app;
  // Adjust switches /session on per app and documents no answer for an app without it: the documented catch-all.
  if (!app.sessionsEnabled) return adjustFail(b, 'session', 400, 'Bad event state: S2S session measurement is not enabled for this app');
  const common = checkCommonParams(params, b, 'session');
  if (common) return common;

  const createdAt = resolveCreatedAt(params, nowMs);
  if (createdAt.kind === 'invalid') return adjustFail(b, 'session', 400, `Bad event state: ${createdAt.message}`);
  for (const w of createdAt.warnings) b.warn(w);
  if (createdAt.kind === 'sent') b.fields.eventTimeMs = createdAt.ms;
  const at = createdAt.ms;
  b.fields.recordedTimestamp = iso(at);

  const device = resolveDevice(params, app, ctx, b, 'session', true);
  if (isVerdict(device)) return device;
  const adid = device.adid ?? deriveAdid(app.appToken, device.key);
  let message: 'Install tracked' | 'Session tracked';
  if (!device.known) {
    message = 'Install tracked';
    b.effects.push({ kind: 'registerAdjustDevice', appToken: app.appToken, ids: device.ids, installedAtMs: at, source: 'session' });
  } else {
    message = 'Session tracked';
    const last = ctx.devices.lastSessionMs(device.scope);
    const gapMs = ctx.config.sessionMinGapMinutes * 60_000;
    if (last !== undefined && at - last < gapMs) {
      return adjustFail(
        b,
        'session',
        400,
        `Ignoring too frequent session. Last session: ${iso(last)}, this session: ${iso(at)}, min interval: ${ctx.config.sessionMinGapMinutes} minutes`,
      );
    }
  }
  b.effects.push({ kind: 'adjustSessionTracked', scope: device.scope, atMs: at });
  const body = { app_token: app.appToken, adid, timestamp: sessionTimestamp(nowMs), message, ask_in: 2000 };
  return b.finish({ status: 200, contentType: JSON_TYPE, body: JSON.stringify(body), outcome: 'accepted', reason: message });
}
