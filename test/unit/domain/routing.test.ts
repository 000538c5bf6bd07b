// Routing (which vendor takes a message, and as what, or why not) and the delivery helpers built on it:
// message ids, dedup keys, revenue, vendor windows and delivery deadlines.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../domain/config';
import { dedupKey, deliveryDeadlineMs, messageBody, messageId, messageRevenue, occurredAtMs, vendorWindowMs, type Message } from '../../../domain/delivery';
import { adjustOrderKeys, adjustRoute, appsflyerRoute, isSkip, route } from '../../../domain/routing';
import { adRevenue, appWith, delivery, iosApp, iosUser, refund, track } from '../../helpers/demo-apps';

const DAY = 86_400_000;
const t = (over: Parameters<typeof track>[0] = {}): Message => ({ kind: 'track', track: track(over) });
const r = (over: Parameters<typeof refund>[0] = {}): Message => ({ kind: 'refund', refund: refund(over) });
const a = (over: Parameters<typeof adRevenue>[0] = {}): Message => ({ kind: 'adRevenue', adRevenue: adRevenue(over) });

describe('adjustRoute', () => {
  it('sends a tracked event to /event with its token; revenue only with a revenue token and revenue given', () => {
    expect(adjustRoute(t(), iosApp)).toEqual({ endpoint: 'event', token: 'p4rch1', withRevenue: true });
    expect(adjustRoute(t({ revenue: undefined, currency: undefined }), iosApp)).toEqual({ endpoint: 'event', token: 'p4rch1', withRevenue: false });
    expect(adjustRoute(t({ name: 'trial' }), iosApp)).toEqual({ endpoint: 'event', token: 'tr1al1', withRevenue: false });
  });

  it('sends refunds as the refund token without revenue, ad revenue to /ad_revenue when enabled', () => {
    expect(adjustRoute(r(), iosApp)).toEqual({ endpoint: 'event', token: 'r3fnd1', withRevenue: false });
    expect(adjustRoute(a(), appWith(iosApp, { adjust: { adRevenue: true } }))).toEqual({ endpoint: 'ad_revenue' });
  });

  it.each<[string, Message, Parameters<typeof appWith>[1], RegExp]>([
    ['no adjust section', t(), { adjust: null }, /the app has no Adjust configuration/],
    ['an unmapped event', t({ name: 'level_up' }), {}, /no Adjust event token configured for "level_up"/],
    ['a refund without refundToken', r(), { adjust: { refundToken: undefined } }, /no refundToken configured \(Adjust accepts no negative revenue\)/],
    ['ad revenue while adjust.adRevenue is off', a(), {}, /adjust\.adRevenue is off/],
  ])('skips %s, saying why', (_name, message, patch, why) => {
    const result = adjustRoute(message, appWith(iosApp, patch));
    expect(isSkip(result)).toBe(true);
    expect((result as { skip: string }).skip).toMatch(why);
  });

  it('skips a user whose install has no Adjust device id, and checks the install only when given', () => {
    const noIds = iosUser({ deviceIds: undefined });
    expect(adjustRoute(t(), iosApp, noIds)).toEqual({ skip: 'no Adjust device identifier in the install context' });
    expect(adjustRoute(t(), iosApp, iosUser({ deviceIds: { idfv: '95C9BD22-4A4C-41C8-9548-ED07C5C8C145' } }))).toMatchObject({ endpoint: 'event' });
    expect(isSkip(adjustRoute(t(), iosApp))).toBe(false);
  });
});

describe('appsflyerRoute', () => {
  it('maps event names, passes unmapped ones through by default, skips them with unmappedEvents: skip', () => {
    expect(appsflyerRoute(t(), iosApp)).toEqual({ eventName: 'af_purchase' });
    expect(appsflyerRoute(t({ name: 'level_up' }), iosApp)).toEqual({ eventName: 'level_up' });
    expect(appsflyerRoute(t({ name: 'level_up' }), appWith(iosApp, { appsflyer: { unmappedEvents: 'skip' } }))).toEqual({
      skip: 'no AppsFlyer event name configured for "level_up" (unmappedEvents: skip)',
    });
  });

  it('sends refunds under refundEventName; never ad revenue; needs an appsflyerId in the install', () => {
    expect(appsflyerRoute(r(), iosApp)).toEqual({ eventName: 'cancel_purchase' });
    expect(appsflyerRoute(r(), appWith(iosApp, { appsflyer: { refundEventName: 'af_refund' } }))).toEqual({ eventName: 'af_refund' });
    expect(appsflyerRoute(a(), iosApp)).toEqual({ skip: 'ad revenue is reported to Adjust only' });
    expect(appsflyerRoute(t(), iosApp, iosUser({ appsflyerId: undefined }))).toEqual({ skip: 'no appsflyerId in the install context' });
    expect(appsflyerRoute(t(), appWith(iosApp, { appsflyer: null }))).toEqual({ skip: 'the app has no AppsFlyer configuration' });
  });

  it('route() asks the named vendor', () => {
    expect(route('adjust', t(), iosApp)).toEqual(adjustRoute(t(), iosApp));
    expect(route('appsflyer', t(), iosApp)).toEqual({ eventName: 'af_purchase' });
  });
});

describe('adjustOrderKeys (Adjust: chronological per device and token, revenue events share one order)', () => {
  it('orders a revenue request by its token and #revenue, a non-revenue one by its token, ad revenue not at all', () => {
    expect(adjustOrderKeys(t(), iosApp)).toEqual(['p4rch1', '#revenue']);
    expect(adjustOrderKeys(t({ name: 'renewal' }), iosApp)).toEqual(['r3new1', '#revenue']);
    expect(adjustOrderKeys(t({ revenue: undefined, currency: undefined }), iosApp)).toEqual(['p4rch1']);
    expect(adjustOrderKeys(t({ name: 'trial', revenue: '1', currency: 'USD' }), iosApp)).toEqual(['tr1al1']);
    expect(adjustOrderKeys(r(), iosApp)).toEqual(['r3fnd1']);
    expect(adjustOrderKeys(a(), appWith(iosApp, { adjust: { adRevenue: true } }))).toEqual([]);
    expect(adjustOrderKeys(t({ name: 'level_up' }), iosApp)).toEqual([]);
  });
});

describe('delivery helpers', () => {
  it('name a message by its id; events and ad revenue share one dedup space, refunds have their own', () => {
    const ev = t({ eventId: 'x1' });
    const ad = a({ eventId: 'x1' });
    const rf = r({ refundId: 'x1' });
    expect([messageId(ev), messageId(ad), messageId(rf)]).toEqual(['x1', 'x1', 'x1']);
    expect([dedupKey(ev), dedupKey(ad), dedupKey(rf)]).toEqual(['event:x1', 'event:x1', 'refund:x1']);
    expect(messageBody(rf)).toBe((rf as Extract<Message, { kind: 'refund' }>).refund);
  });

  it('read revenue as given (a refund: its positive amount), and the event time exactly', () => {
    expect(messageRevenue(t())).toEqual({ revenue: '4.99', currency: 'USD' });
    expect(messageRevenue(t({ revenue: undefined, currency: undefined }))).toBeUndefined();
    expect(messageRevenue(r({ amount: '2.5', currency: 'EUR' }))).toEqual({ revenue: '2.5', currency: 'EUR' });
    expect(messageRevenue(a({ revenue: '0.01' }))).toEqual({ revenue: '0.01', currency: 'USD' });
    expect(occurredAtMs(t({ occurredAt: '2026-11-22T12:15:00.5+02:00' }))).toBe(Date.parse('2026-11-22T10:15:00.500Z'));
  });

  it('give each vendor its window, counted from when the event happened (a restamp never extends it)', () => {
    const policy = { ...DEFAULT_POLICY, adjustEventWindowDays: 58, adjustAdRevenueWindowDays: 28, appsflyerMaxAgeDays: 7 };
    expect(vendorWindowMs('adjust', 'track', policy)).toBe(58 * DAY);
    expect(vendorWindowMs('adjust', 'refund', policy)).toBe(58 * DAY);
    expect(vendorWindowMs('adjust', 'adRevenue', policy)).toBe(28 * DAY);
    expect(vendorWindowMs('appsflyer', 'track', policy)).toBe(7 * DAY);
    const item = delivery('adjust', t(), { sendAtMs: Date.parse('2026-12-01T00:00:00Z') });
    expect(deliveryDeadlineMs(item, policy)).toBe(item.occurredAtMs + 58 * DAY);
  });
});
