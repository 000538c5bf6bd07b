// The seeded workload: repeatable, valid install contexts, the requested number of distinct messages,
// refunds only of earlier purchases and never above them, repeats of messages already sent, and
// out-of-order pairs whose second message happened first.
import { describe, expect, it } from 'vitest';
import { Signup } from '../../../domain/contract/install';
import { benchUser, deliveryIdsFor, distinctMessages, interleave, planUserMessages, rngFor } from '../../../bench/workload';

const mix = { refundRate: 0.2, duplicateRate: 0.3, outOfOrderRate: 0.3, outOfOrderMs: 500 };

describe('workload', () => {
  it('is repeatable for a seed', () => {
    expect(planUserMessages(rngFor(3), 'u', 20, mix)).toEqual(planUserMessages(rngFor(3), 'u', 20, mix));
    expect(benchUser(rngFor(3), 'u', 0)).toEqual(benchUser(rngFor(3), 'u', 0));
  });

  it('makes install contexts the client accepts, for both demo apps', () => {
    const rng = rngFor(1);
    const apps = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const user = benchUser(rng, `u${i}`, Date.parse('2026-11-01T00:00:00Z'));
      expect(Signup.safeParse(user).success).toBe(true);
      apps.add(user.app);
    }
    expect([...apps].sort()).toEqual(['demo-android', 'demo-ios']);
  });

  it('plans the requested number of distinct messages, with valid refunds, repeats and out-of-order pairs', () => {
    const groups = planUserMessages(rngFor(5), 'u', 200, mix);
    const distinct = distinctMessages(groups);
    expect(distinct).toHaveLength(200);
    expect(new Set(distinct.map((m) => m.id)).size).toBe(200);
    const sent = new Set<string>();
    const revenue = new Map<string, number>();
    let repeats = 0;
    let pairs = 0;
    for (const group of groups) {
      if (group.length >= 2 && group[0]?.kind === 'event' && group[1]?.kind === 'event') {
        pairs += 1;
        expect(group[1].offsetMs).toBeLessThan(group[0].offsetMs);
      }
      for (const m of group) {
        if (m.kind === 'duplicate') {
          repeats += 1;
          expect(sent.has(m.of)).toBe(true);
          continue;
        }
        if (m.kind === 'refund') {
          expect(revenue.has(m.purchaseId)).toBe(true);
          expect(Number(m.amount)).toBeLessThanOrEqual(revenue.get(m.purchaseId) as number);
          revenue.delete(m.purchaseId); // refunded once at most
        } else if (m.kind === 'event') revenue.set(m.id, Number(m.revenue));
        sent.add(m.id);
      }
    }
    expect(repeats).toBeGreaterThan(0);
    expect(pairs).toBeGreaterThan(0);
    expect(distinct.some((m) => m.kind === 'refund')).toBe(true);
  });

  it('derives the same delivery ids as the workflow', () => {
    const ids = deliveryIdsFor('u1', { kind: 'event', id: 'evt_1', revenue: '1.00', offsetMs: 0 });
    expect(ids.adjust).toMatch(/^dlv_adj_[0-9a-f]{16}$/);
    expect(ids.appsflyer).toMatch(/^dlv_af_[0-9a-f]{16}$/);
    expect(deliveryIdsFor('u1', { kind: 'refund', id: 'evt_1', purchaseId: 'p', amount: '1' }).adjust).not.toBe(ids.adjust);
  });

  it('interleaves users round by round', () => {
    expect(interleave([['a1', 'a2'], ['b1'], ['c1', 'c2', 'c3']]).map((x) => x.item)).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'c3']);
  });
});
