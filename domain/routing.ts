// Routing: which vendor gets a message, and as what, from the app's configuration and the user's install
// context. A vendor that cannot take the message gets a reason (a visible `skipped` outcome), never a
// silent drop. Pure: the contract's rules, the workflow and the request builders all ask the same question.
import type { PublicAppConfig } from './config';
import { hasAdjustDeviceId, type Signup } from './contract/install';
import type { Destination, Message } from './delivery';

/** Where an Adjust delivery goes: /event with a token (revenue sent or not, decided per request), or /ad_revenue. */
export type AdjustRoute = { endpoint: 'event'; token: string; withRevenue: boolean } | { endpoint: 'ad_revenue' };
export type AppsflyerRoute = { eventName: string };
export type Skip = { skip: string };

export function isSkip(route: object): route is Skip {
  return 'skip' in route;
}

/** How Adjust takes this message for this app (and install, when known), or why it does not. */
export function adjustRoute(message: Message, app: PublicAppConfig, install?: Signup): AdjustRoute | Skip {
  const adjust = app.adjust;
  if (!adjust) return { skip: 'the app has no Adjust configuration' };
  if (install && !hasAdjustDeviceId(install)) return { skip: 'no Adjust device identifier in the install context' };
  switch (message.kind) {
    case 'refund':
      return adjust.refundToken
        ? { endpoint: 'event', token: adjust.refundToken, withRevenue: false }
        : { skip: 'refunds are not sent to Adjust: no refundToken configured (Adjust accepts no negative revenue)' };
    case 'adRevenue':
      return adjust.adRevenue ? { endpoint: 'ad_revenue' } : { skip: 'ad revenue is not sent to Adjust for this app (adjust.adRevenue is off)' };
    case 'track': {
      const mapping = adjust.events[message.track.name];
      if (!mapping) return { skip: `no Adjust event token configured for "${message.track.name}"` };
      return { endpoint: 'event', token: mapping.token, withRevenue: mapping.revenue && message.track.revenue !== undefined };
    }
  }
}

/** How AppsFlyer takes this message, or why it does not. Refunds also need their purchase sent (workflow state). */
export function appsflyerRoute(message: Message, app: PublicAppConfig, install?: Signup): AppsflyerRoute | Skip {
  const af = app.appsflyer;
  if (!af) return { skip: 'the app has no AppsFlyer configuration' };
  if (install && !install.appsflyerId) return { skip: 'no appsflyerId in the install context' };
  switch (message.kind) {
    case 'refund':
      return { eventName: af.refundEventName };
    case 'adRevenue':
      return { skip: 'ad revenue is reported to Adjust only' };
    case 'track': {
      const mapped = af.events[message.track.name];
      if (mapped !== undefined) return { eventName: mapped };
      if (af.unmappedEvents === 'skip') return { skip: `no AppsFlyer event name configured for "${message.track.name}" (unmappedEvents: skip)` };
      return { eventName: message.track.name };
    }
  }
}

export function route(destination: Destination, message: Message, app: PublicAppConfig, install?: Signup): AdjustRoute | AppsflyerRoute | Skip {
  return destination === 'adjust' ? adjustRoute(message, app, install) : appsflyerRoute(message, app, install);
}

/**
 * Adjust's chronological rule for a delivery: the keys whose newest accepted time it must not precede: its
 * event token, plus `#revenue` when the request carries revenue (revenue events share one order). Ad revenue
 * has no order rule.
 */
export function adjustOrderKeys(message: Message, app: PublicAppConfig): string[] {
  const r = adjustRoute(message, app);
  if (isSkip(r) || r.endpoint !== 'event') return [];
  return r.withRevenue ? [r.token, '#revenue'] : [r.token];
}
