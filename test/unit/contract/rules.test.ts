// The rules of events once the clock and the app are known: occurredAt at most policy.maxClockSkew ahead,
// not older than the longest window of the vendors it goes to (the widest window while the app is unknown),
// Adjust's revenue minimum for revenue tokens only, the delivery-id keys reserved, ad revenue only where
// enabled, and no event accepted that no vendor would receive.
import { describe, expect, it } from 'vitest';
import { MIN_ADJUST_REVENUE } from '../../../domain/contract/limits';
import { adRevenue, appWith, iosApp, iosUser, refund, track } from '../../helpers/demo-apps';
import { accepted, clockOnly, DAY, issuesOf, NOW, refusedOnce, withApp } from './check';

const at = (ms: number) => new Date(ms).toISOString();
const ios = withApp(iosApp);
const afOnly = withApp(appWith(iosApp, { adjust: null }));
const adjustOnly = withApp(appWith(iosApp, { appsflyer: null }));
const withAdRevenue = withApp(appWith(iosApp, { adjust: { adRevenue: true } }));

describe('occurredAt and the clock', () => {
  it(`accepts up to policy.maxClockSkew (default 5 minutes) ahead of now, refuses 1 ms more`, () => {
    for (const ctx of [clockOnly(), ios]) {
      accepted('track', track({ occurredAt: at(NOW + 300_000) }), ctx);
      refusedOnce(
        'track',
        track({ occurredAt: at(NOW + 300_001) }),
        'occurredAt',
        'occurredAt 2026-11-22T12:05:00.001Z is in the future: at most 300 s ahead of now (2026-11-22T12:00:00.000Z) is accepted (policy.maxClockSkew)',
        ctx,
      );
    }
  });

  it("refuses the issue's occurredAt in 2099 (it would restamp every later Adjust event), for every event-like message", () => {
    refusedOnce('track', track({ occurredAt: '2099-01-01T00:00:00Z' }), 'occurredAt', /^occurredAt 2099-01-01T00:00:00Z is in the future/, clockOnly());
    refusedOnce('refund', refund({ occurredAt: '2099-01-01T00:00:00Z' }), 'occurredAt', /^occurredAt 2099-01-01T00:00:00Z is in the future/, clockOnly());
    refusedOnce('adRevenue', adRevenue({ occurredAt: '2099-01-01T00:00:00Z' }), 'occurredAt', /^occurredAt 2099-01-01T00:00:00Z is in the future/, clockOnly());
  });

  it('compares instants, not local times: +14:00 that is in the past passes, -12:00 that is in the future does not', () => {
    accepted('track', track({ occurredAt: '2026-11-23T01:00:00+14:00' }), clockOnly()); // 11:00Z
    refusedOnce('track', track({ occurredAt: '2026-11-22T01:00:00-12:00' }), 'occurredAt', /is in the future/, clockOnly()); // 13:00Z
  });

  it('follows policy.maxClockSkew', () => {
    accepted('track', track({ occurredAt: at(NOW + 3_600_000) }), clockOnly({ maxClockSkew: 3_600_000 }));
    refusedOnce('track', track({ occurredAt: at(NOW + 1) }), 'occurredAt', /at most 0 s ahead of now/, clockOnly({ maxClockSkew: 0 }));
  });
});

describe("occurredAt and the vendors' windows", () => {
  it('with the app known: the longest window of the vendors the event goes to', () => {
    // Adjust 28 days and AppsFlyer 7 days: 28 days (at exactly 28 days it is too old, as for the lanes' deadline).
    accepted('track', track({ occurredAt: at(NOW - 28 * DAY + 1) }), ios);
    refusedOnce(
      'track',
      track({ occurredAt: at(NOW - 28 * DAY) }),
      'occurredAt',
      '2026-10-25T12:00:00.000Z is older than the longest window of the vendors it goes to (adjust 28 days, appsflyer 7 days)',
      ios,
    );
    // AppsFlyer only: 7 days.
    accepted('track', track({ occurredAt: at(NOW - 7 * DAY + 1) }), afOnly);
    refusedOnce(
      'track',
      track({ occurredAt: at(NOW - 8 * DAY) }),
      'occurredAt',
      /is older than the longest window of the vendors it goes to \(appsflyer 7 days\)$/,
      afOnly,
    );
    // An event Adjust does not take (no token) is held to AppsFlyer's window.
    refusedOnce('track', track({ name: 'level_up', occurredAt: at(NOW - 8 * DAY) }), 'occurredAt', /\(appsflyer 7 days\)$/, ios);
    // The configured windows count.
    accepted('track', track({ occurredAt: at(NOW - 50 * DAY) }), withApp(iosApp, { policy: { adjustEventWindowDays: 58 } }));
  });

  it('with the app known and the install: a vendor the install cannot reach does not widen the window', () => {
    const noAppsflyerId = withApp(iosApp, { install: iosUser({ appsflyerId: undefined }) });
    accepted('track', track({ occurredAt: at(NOW - 20 * DAY) }), noAppsflyerId);
    const noAdjustIds = withApp(iosApp, { install: iosUser({ deviceIds: undefined }) });
    refusedOnce('track', track({ occurredAt: at(NOW - 20 * DAY) }), 'occurredAt', /\(appsflyer 7 days\)$/, noAdjustIds);
  });

  it('with the app unknown (held for the signup): only the widest window, of any vendor', () => {
    accepted('track', track({ occurredAt: at(NOW - 28 * DAY + 1) }), clockOnly());
    refusedOnce(
      'track',
      track({ occurredAt: at(NOW - 29 * DAY) }),
      'occurredAt',
      "2026-10-24T12:00:00.000Z is older than any vendor's window (28 days)",
      clockOnly(),
    );
    accepted('track', track({ occurredAt: at(NOW - 29 * DAY) }), clockOnly({ appsflyerMaxAgeDays: 30 }));
    refusedOnce('refund', refund({ occurredAt: at(NOW - 29 * DAY) }), 'occurredAt', /older than any vendor's window \(28 days\)/, clockOnly());
    // A configured app the worker does not have yet counts as unknown.
    const missing = { ...clockOnly(), appKey: 'demo-ios', appProblem: 'app "demo-ios" is not in the relay configuration' };
    accepted('track', track({ name: 'anything_at_all', occurredAt: at(NOW - 20 * DAY) }), missing);
  });

  // BUG (domain/contract/rules.ts, deliveryIssues): with the app unknown, the widest window takes AppsFlyer's
  // window into account for ad revenue, which only Adjust receives; with appsflyerMaxAgeDays above
  // adjustAdRevenueWindowDays a 40-day-old ad revenue report is accepted and can only be dead-lettered later.
  it("with the app unknown, ad revenue is held to Adjust's ad revenue window only", () => {
    refusedOnce(
      'adRevenue',
      adRevenue({ occurredAt: at(NOW - 40 * DAY) }),
      'occurredAt',
      /older than any vendor's window \(28 days\)/,
      clockOnly({ appsflyerMaxAgeDays: 90 }),
    );
  });
});

describe("Adjust's revenue minimum (0.001), only for events sent with a revenue token", () => {
  it('refuses less than 0.001 for an Adjust revenue token, naming the token and the event', () => {
    accepted('track', track({ revenue: MIN_ADJUST_REVENUE }), ios);
    refusedOnce('track', track({ revenue: '0.0001' }), 'revenue', 'must be at least 0.001 for Adjust revenue event p4rch1 ("purchase"); got 0.0001', ios);
    refusedOnce('track', track({ revenue: '0.00099' }), 'revenue', /^must be at least 0.001/, adjustOnly);
  });

  it('accepts small revenue where Adjust does not get it as revenue', () => {
    accepted('track', track({ name: 'trial', revenue: '0.0001' }), ios); // non-revenue token: revenue left out
    accepted('track', track({ revenue: '0.0001' }), afOnly); // AppsFlyer has no minimum
    accepted('track', track({ name: 'level_up', revenue: '0.0001' }), ios); // no Adjust token
    accepted('track', track({ revenue: '0.0001' }), clockOnly()); // app unknown: checked when the signup arrives
    accepted('track', track({ revenue: '0.0001' }), withApp(iosApp, { install: iosUser({ deviceIds: undefined }) })); // Adjust cannot reach the user
    accepted('adRevenue', adRevenue({ revenue: '0.00001' }), withAdRevenue); // /ad_revenue documents no minimum
    accepted('refund', refund({ amount: '0.0001' }), ios); // Adjust gets refunds as a non-revenue token
  });
});

describe('keys the relay fills in itself', () => {
  it("refuses the app's deliveryIdParam in callbackParams and deliveryIdKey in eventValue", () => {
    expect(issuesOf('track', track({ callbackParams: { s2s_delivery_id: 'x' }, eventValue: { s2s_delivery_id: 'y' } }), ios)).toEqual([
      { path: 'callbackParams.s2s_delivery_id', message: 'is reserved: the relay sends the delivery id under it (apps.demo-ios.adjust.deliveryIdParam)' },
      { path: 'eventValue.s2s_delivery_id', message: 'is reserved: the relay sends the delivery id under it (apps.demo-ios.appsflyer.deliveryIdKey)' },
    ]);
    refusedOnce('adRevenue', adRevenue({ callbackParams: { s2s_delivery_id: 'x' } }), 'callbackParams.s2s_delivery_id', /is reserved/, withAdRevenue);
  });

  it('follows the configured names, and reserves nothing when the delivery id is not sent', () => {
    const renamed = withApp(appWith(iosApp, { adjust: { deliveryIdParam: 'relay_id' }, appsflyer: { deliveryIdKey: 'relay_id' } }));
    accepted('track', track({ callbackParams: { s2s_delivery_id: 'x' }, eventValue: { s2s_delivery_id: 'y' } }), renamed);
    refusedOnce('track', track({ callbackParams: { relay_id: 'x' } }), 'callbackParams.relay_id', /apps\.demo-ios\.adjust\.deliveryIdParam/, renamed);
    const off = withApp(appWith(iosApp, { adjust: { deliveryIdParam: false }, appsflyer: { deliveryIdKey: false } }));
    accepted('track', track({ callbackParams: { s2s_delivery_id: 'x' }, eventValue: { s2s_delivery_id: 'y' } }), off);
    // partnerParams are not where the delivery id goes.
    accepted('track', track({ partnerParams: { s2s_delivery_id: 'x' } }), ios);
  });
});

describe('events no vendor would receive', () => {
  it("refuses a tracked event that neither vendor takes, with each vendor's reason", () => {
    const skipUnmapped = withApp(appWith(iosApp, { appsflyer: { unmappedEvents: 'skip' } }));
    refusedOnce(
      'track',
      track({ name: 'level_up' }),
      'name',
      'is not sent to any vendor for app "demo-ios" (adjust: no Adjust event token configured for "level_up"; appsflyer: no AppsFlyer event name configured for "level_up" (unmappedEvents: skip))',
      skipUnmapped,
    );
    accepted('track', track({ name: 'level_up' }), ios); // AppsFlyer passes unmapped names through
  });

  it('ad revenue needs an app whose Adjust section enables adRevenue; its window is 28 days', () => {
    refusedOnce(
      'adRevenue',
      adRevenue(),
      '(message)',
      'is not sent to any vendor for app "demo-ios" (adjust: ad revenue is not sent to Adjust for this app (adjust.adRevenue is off); appsflyer: ad revenue is reported to Adjust only)',
      ios,
    );
    refusedOnce('adRevenue', adRevenue(), '(message)', /adjust: the app has no Adjust configuration/, afOnly);
    accepted('adRevenue', adRevenue({ occurredAt: at(NOW - 28 * DAY + 1) }), withAdRevenue);
    refusedOnce(
      'adRevenue',
      adRevenue({ occurredAt: at(NOW - 28 * DAY) }),
      'occurredAt',
      /older than the longest window of the vendors it goes to \(adjust 28 days\)$/,
      withAdRevenue,
    );
    refusedOnce(
      'adRevenue',
      adRevenue({ occurredAt: at(NOW - 11 * DAY) }),
      'occurredAt',
      /\(adjust 10 days\)$/,
      withApp(appWith(iosApp, { adjust: { adRevenue: true } }), { policy: { adjustAdRevenueWindowDays: 10 } }),
    );
  });

  it('accepts a refund even where no vendor gets it (it still counts against its purchase)', () => {
    accepted('refund', refund(), withApp(appWith(iosApp, { adjust: { refundToken: undefined }, appsflyer: null })));
  });
});
