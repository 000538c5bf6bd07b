// The chaos workload: repeatable; mixes currencies (JPY without decimals), revenue and non-revenue events,
// partial and full refunds that never exceed their purchase, repeats, out-of-order pairs and bad messages
// of every kind in the table; every bad message is refused by today's message rules.
import { describe, expect, it } from 'vitest';
import { BAD_MESSAGES, planChaosMessages } from '../../../bench/chaos-workload';
import { distinctMessages, rngFor } from '../../../bench/workload';
import { Refund, Track } from '../../../domain/contract/messages';

describe('chaos workload', () => {
  const rng = rngFor(11);
  const plans = Array.from({ length: 40 }, (_, i) => planChaosMessages(rng, `u${i}`, 40));
  const plan = plans.flat();
  const messages = plan.flat();

  it('is repeatable for a seed', () => {
    expect(planChaosMessages(rngFor(3), 'u', 30)).toEqual(planChaosMessages(rngFor(3), 'u', 30));
  });

  it('mixes currencies, event kinds, refunds, repeats, out-of-order pairs and bad messages', () => {
    const events = messages.filter((m) => m.kind === 'event');
    expect(new Set(events.map((e) => e.currency ?? 'none'))).toEqual(new Set(['USD', 'EUR', 'GBP', 'JPY', 'none']));
    expect(new Set(events.map((e) => e.name))).toEqual(new Set(['purchase', 'renewal', 'trial']));
    for (const e of events) {
      expect(e.mark).toBe(true);
      expect(e.name === 'trial').toBe(e.revenue === undefined);
      if (e.currency === 'JPY') expect(e.revenue).toMatch(/^\d+$/);
    }
    expect(messages.some((m) => m.kind === 'duplicate')).toBe(true);
    expect(plan.some((g) => g.filter((m) => m.kind === 'event').length === 2 && g[1]?.kind === 'event' && g[1].offsetMs < 0)).toBe(true);
    expect(new Set(messages.filter((m) => m.kind === 'bad').map((m) => m.bad))).toEqual(new Set(Object.keys(BAD_MESSAGES)));
  });

  it('plans partial and full refunds that never exceed the purchase, in its currency', () => {
    for (const userPlan of plans) {
      const distinct = distinctMessages(userPlan);
      const purchases = new Map(distinct.filter((m) => m.kind === 'event' && m.revenue !== undefined).map((m) => [m.id, m]));
      const refunded = new Map<string, number>();
      for (const r of distinct) {
        if (r.kind !== 'refund') continue;
        const p = purchases.get(r.purchaseId);
        expect(p?.kind === 'event' && p.currency).toBe(r.currency);
        refunded.set(r.purchaseId, (refunded.get(r.purchaseId) ?? 0) + Number(r.amount));
        expect(refunded.get(r.purchaseId)).toBeLessThanOrEqual(Number(p?.kind === 'event' ? p.revenue : 0) + 1e-9);
      }
    }
    const refunds = messages.filter((m) => m.kind === 'refund');
    const purchase = (id: string) => messages.find((m) => m.kind === 'event' && m.id === id) as { revenue: string };
    expect(refunds.some((r) => r.amount === purchase(r.purchaseId).revenue)).toBe(true); // full
    expect(refunds.some((r) => Number(r.amount) < Number(purchase(r.purchaseId).revenue))).toBe(true); // partial
  });

  it("builds bad messages that today's message rules refuse", () => {
    const purchase = { id: 'u.e1', amount: '10', currency: 'EUR', occurredAtMs: Date.parse('2026-11-01T00:00:00Z'), remaining: '4' };
    for (const [name, kind] of Object.entries(BAD_MESSAGES)) {
      const { signal, payload } = kind.build({ userId: 'u', id: `u.${name}`, nowMs: purchase.occurredAtMs + 60_000, purchase });
      if (kind.needsPurchase) {
        // Valid as a message; the workflow's refund rules refuse it (checked in the chaos run against the relay).
        expect(signal).toBe('refund');
        expect(Refund.safeParse(payload).success).toBe(true);
      } else {
        expect(signal).toBe('track');
        const parsed = Track.safeParse(payload);
        expect(parsed.success).toBe(false);
        expect(parsed.error?.issues.map((i) => i.message).join('; ')).toMatch(kind.refusal);
      }
    }
  });
});
