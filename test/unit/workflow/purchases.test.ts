// Refundable purchases and the refund rules (workflows/purchases.ts): a refund names a purchase (an event
// with revenue) of this user, in its currency, for no more than what remains refundable, not before it
// happened; purchases are kept within policy.purchaseLimit and policy.purchaseRetentionDays.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../domain/config';
import { Purchases } from '../../../workflows/purchases';
import { refund, track } from '../../helpers/demo-apps';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const DAY = 86_400_000;
const buy = (eventId: string, revenue?: string, currency = 'USD') =>
  track(
    revenue
      ? { eventId, revenue, currency, occurredAt: '2026-11-01T00:00:00Z' }
      : { eventId, revenue: undefined, currency: undefined, occurredAt: '2026-11-01T00:00:00Z' },
  );
const rf = (refundId: string, purchaseEventId: string, amount: string, over: Parameters<typeof refund>[0] = {}) =>
  refund({ refundId, purchaseEventId, amount, currency: 'USD', occurredAt: '2026-11-01T00:00:01Z', ...over });

function withPurchase(): Purchases {
  const p = new Purchases();
  p.recordIfPurchase(buy('p1', '10.00'), T0);
  return p;
}

describe('Purchases', () => {
  it('records an event with revenue as a refundable purchase; an event without revenue is not one', () => {
    const p = withPurchase();
    p.recordIfPurchase(buy('free'), T0);
    expect(p.size).toBe(1);
    expect(p.has('p1')).toBe(true);
    expect(p.has('free')).toBe(false);
    expect(p.get('p1')).toEqual({ eventId: 'p1', name: 'purchase', amount: '10.00', currency: 'USD', refunded: '0', occurredAtMs: T0, atMs: T0 });
  });

  it('allows partial and multiple refunds up to the purchase, exactly (no floating point)', () => {
    const p = withPurchase();
    expect(p.problem(rf('r1', 'p1', '3.33'))).toBeUndefined();
    p.applyRefund(rf('r1', 'p1', '3.33'));
    p.applyRefund(rf('r2', 'p1', '3.33'));
    expect(p.get('p1')?.refunded).toBe('6.66');
    expect(p.problem(rf('r3', 'p1', '3.34'))).toBeUndefined();
    expect(p.problem(rf('r3', 'p1', '3.35'))).toEqual({
      unknown: false,
      code: 'over-refund',
      reason: 'refund of 3.35 USD exceeds what remains refundable of purchase "p1": 3.34 of 10.00 USD',
    });
    p.applyRefund(rf('r3', 'p1', '3.34'));
    expect(p.problem(rf('r4', 'p1', '0.00001'))?.code).toBe('over-refund');
  });

  it('refuses another currency, a refund before its purchase, and an unknown purchase (which a signal may wait for)', () => {
    const p = withPurchase();
    expect(p.problem(rf('r1', 'p1', '1', { currency: 'EUR' }))).toEqual({
      unknown: false,
      code: 'currency-mismatch',
      reason: 'refund currency EUR differs from purchase "p1" currency USD',
    });
    expect(p.problem(rf('r1', 'p1', '1', { occurredAt: '2026-10-31T23:59:59.999Z' }))).toEqual({
      unknown: false,
      code: 'before-purchase',
      reason: 'refund occurredAt 2026-10-31T23:59:59.999Z is before the purchase it reverses (2026-11-01T00:00:00.000Z)',
    });
    // At the same instant (another offset) is not before.
    expect(p.problem(rf('r1', 'p1', '1', { occurredAt: '2026-11-01T02:00:00+02:00' }))).toBeUndefined();
    expect(p.problem(rf('r1', 'nope', '1'))).toEqual({
      unknown: true,
      code: 'unknown-purchase',
      reason: 'unknown purchase "nope": this user has no purchase (event with revenue) with that eventId among the 1 kept',
    });
    p.recordIfPurchase(buy('free'), T0);
    expect(p.problem(rf('r2', 'free', '1'))?.code).toBe('unknown-purchase');
  });

  it("remembers the purchase's AppsFlyer delivery (a refund there waits for it)", () => {
    const p = withPurchase();
    p.setAppsflyerDelivery('p1', 'dlv_af_1');
    p.setAppsflyerDelivery('missing', 'dlv_af_2');
    expect(p.get('p1')?.appsflyerDeliveryId).toBe('dlv_af_1');
    expect(p.has('missing')).toBe(false);
    p.applyRefund(rf('r1', 'missing', '1')); // a refund of an unknown purchase changes nothing
    expect(p.size).toBe(1);
  });

  it('forgets purchases beyond policy.purchaseLimit, oldest first, and those older than purchaseRetentionDays', () => {
    const p = new Purchases();
    for (let i = 0; i < 5; i++) p.recordIfPurchase(buy(`e${i}`, '1'), T0 + i * DAY);
    p.prune(T0 + 10 * DAY, { ...DEFAULT_POLICY, purchaseLimit: 3 });
    expect(p.toJSON().map((r) => r.eventId)).toEqual(['e2', 'e3', 'e4']);
    p.prune(T0 + 2 * DAY + 30 * DAY + 1, { ...DEFAULT_POLICY, purchaseRetentionDays: 30 });
    expect(p.toJSON().map((r) => r.eventId)).toEqual(['e3', 'e4']);
    p.prune(T0 + 3 * DAY + 30 * DAY, { ...DEFAULT_POLICY, purchaseRetentionDays: 30 });
    expect(p.toJSON().map((r) => r.eventId)).toEqual(['e3', 'e4']);
  });

  it('round-trips through its snapshot, refunded amounts included', () => {
    const p = withPurchase();
    p.applyRefund(rf('r1', 'p1', '4'));
    const copy = Purchases.from(JSON.parse(JSON.stringify(p.toJSON())));
    expect(copy.toJSON()).toEqual(p.toJSON());
    expect(copy.problem(rf('r2', 'p1', '6.01'))?.reason).toBe('refund of 6.01 USD exceeds what remains refundable of purchase "p1": 6 of 10.00 USD');
    expect(Purchases.from(undefined).size).toBe(0);
  });
});
