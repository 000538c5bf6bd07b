// The chaos verdict on crafted emulator records: losses, duplicates (ambiguous or not), per-lane order,
// early sends, refunds before their purchase, vendor rejections, and requests nobody asked for.
import { describe, expect, it } from 'vitest';
import { checkInvariants, type ExpectedDelivery, type VendorRecord } from '../../bench/invariants';

const T0 = 1_800_000_000_000;
const gate = T0;

function delivery(id: string, occurredAtMs: number, extra: Partial<ExpectedDelivery> = {}): ExpectedDelivery {
  return { deliveryId: id, userId: 'u1', vendor: 'appsflyer', kind: 'event', sourceId: id, occurredAtMs, gateAtMs: gate, ...extra };
}

let nextId = 0;
function rec(deliveryId: string | undefined, receivedAtMs: number, extra: Partial<VendorRecord> = {}): VendorRecord {
  nextId += 1;
  return { id: nextId, receivedAtMs, vendor: 'appsflyer', status: 200, outcome: 'attributed', ...(deliveryId ? { deliveryId } : {}), ...extra };
}

describe('checkInvariants', () => {
  it('passes a clean run, ignoring faults before the acceptance', () => {
    const expected = [delivery('a', T0 + 1), delivery('b', T0 + 2)];
    const records = [rec('a', T0 + 10, { status: 500, outcome: 'fault', fault: 'error5xx' }), rec('a', T0 + 20), rec('b', T0 + 30)];
    const result = checkInvariants({ expected, records, windows: [] });
    expect(result).toMatchObject({ delivered: 2, lost: 0, duplicates: 0, orderViolations: 0, earlySends: 0 });
    expect(result.failures).toEqual([]);
  });

  it('reports a delivery with no accepted request as lost', () => {
    const result = checkInvariants({ expected: [delivery('a', T0)], records: [rec('a', T0 + 5, { status: 0, outcome: 'fault', fault: 'hang' })], windows: [] });
    expect(result.lost).toBe(1);
    expect(result.failures).toContain('1 deliveries lost');
    expect(result.samples.lost?.[0]?.deliveryId).toBe('a');
  });

  it('explains a duplicate after acceptThenReset or inside a kill window, and flags the rest', () => {
    const expected = [delivery('a', T0 + 1), delivery('b', T0 + 2), delivery('c', T0 + 3)];
    const records = [
      rec('a', T0 + 10, { fault: 'reset' }), // acceptThenReset: processed, answer lost
      rec('a', T0 + 20),
      rec('b', T0 + 1_000),
      rec('b', T0 + 6_000), // first acceptance inside the kill window below
      rec('c', T0 + 9_000),
      rec('c', T0 + 20_000), // nothing lost the first answer: unexplained
    ];
    const result = checkInvariants({ expected, records, windows: [{ fromMs: T0 + 500, toMs: T0 + 2_000, why: 'worker SIGKILL' }] });
    expect(result).toMatchObject({ duplicates: 3, ambiguousDuplicates: 2, unexplainedDuplicates: 1, acceptThenResetAccepted: 1 });
    expect(result.ambiguousByCause).toEqual({ acceptThenReset: 1, 'worker SIGKILL': 1 });
    expect(result.failures.some((f) => f.includes('1 duplicate deliveries without'))).toBe(true);
  });

  it('checks event-time order per user and vendor on first acceptances only', () => {
    const expected = [
      delivery('early', T0 + 1_000),
      delivery('late', T0 + 2_000),
      delivery('other-user', T0 + 500, { userId: 'u2' }),
      delivery('adj', T0 + 500, { vendor: 'adjust' }),
    ];
    const records = [
      rec('late', T0 + 10),
      rec('early', T0 + 20), // arrived after a later event: violation
      rec('late', T0 + 30, { fault: 'reset' }), // a resend does not count for order
      rec('other-user', T0 + 40), // another user's lane
      rec('adj', T0 + 50, { vendor: 'adjust', outcome: 'accepted' }), // another vendor's lane
    ];
    const result = checkInvariants({ expected, records, windows: [] });
    expect(result.orderViolations).toBe(1);
    expect(result.samples.order?.[0]?.deliveryId).toBe('early');
  });

  it('flags any request before the post-install gate, even a failed one', () => {
    const expected = [delivery('a', T0, { gateAtMs: T0 + 5_000 })];
    const result = checkInvariants({ expected, records: [rec('a', T0 + 4_999, { status: 429, outcome: 'fault', fault: 'rate429' }), rec('a', T0 + 6_000)], windows: [] });
    expect(result.earlySends).toBe(1);
    expect(result.failures).toContain('1 requests sent before the post-install gate');
  });

  it('needs an AppsFlyer refund to follow its accepted purchase, an Adjust refund only its sent purchase', () => {
    const expected = [
      delivery('p-af', T0),
      delivery('r-af', T0 + 10, { kind: 'refund', purchaseDeliveryId: 'p-af', purchaseMustBeAccepted: true }),
      delivery('p-adj', T0, { vendor: 'adjust' }),
      delivery('r-adj', T0 + 10, { vendor: 'adjust', kind: 'refund', purchaseDeliveryId: 'p-adj' }),
    ];
    const records = [
      rec('p-af', T0 + 100, { status: 500, outcome: 'fault', fault: 'error5xx' }),
      rec('r-af', T0 + 200), // before the purchase was accepted
      rec('p-af', T0 + 300),
      rec('p-adj', T0 + 100, { vendor: 'adjust', status: 500, outcome: 'fault', fault: 'error5xx' }),
      rec('r-adj', T0 + 200, { vendor: 'adjust', outcome: 'accepted' }), // after the purchase was sent: fine for Adjust
      rec('p-adj', T0 + 300, { vendor: 'adjust', outcome: 'accepted' }),
    ];
    const result = checkInvariants({ expected, records, windows: [] });
    expect(result.refundsBeforePurchase).toBe(1);
    expect(result.samples.refundsBeforePurchase?.[0]?.deliveryId).toBe('r-af');
    // Both refunds were accepted before their purchases: each vendor saw that lane out of event-time order.
    expect(result.orderViolations).toBe(2);
  });

  it('classifies vendor rejections, not counting the rejected resend of an accepted delivery', () => {
    const expected = [delivery('a', T0, { vendor: 'adjust' }), delivery('b', T0 + 1, { vendor: 'adjust' }), delivery('c', T0 + 2, { vendor: 'adjust' })];
    const records = [
      rec('a', T0 + 10, { vendor: 'adjust', outcome: 'accepted' }),
      rec('a', T0 + 20, { vendor: 'adjust', status: 400, outcome: 'rejected', reason: 'Bad event state: out of order, created_at ...' }),
      rec('b', T0 + 30, { vendor: 'adjust', status: 400, outcome: 'rejected', reason: 'Bad event state: too old, created_at ...' }),
      rec('c', T0 + 40, { vendor: 'adjust', status: 400, outcome: 'rejected', reason: 'Invalid event token' }),
    ];
    const result = checkInvariants({ expected, records, windows: [] });
    expect(result.vendorRejections).toEqual({ order: 0, age: 1, other: 1, ofAlreadyAccepted: 1 });
    expect(result.failures).toContain('1 vendor rejections for order or age');
    expect(result.lost).toBe(2);
  });

  it('reports requests for deliveries nobody expected', () => {
    const result = checkInvariants({ expected: [delivery('a', T0)], records: [rec('a', T0 + 1), rec('zzz', T0 + 2), rec(undefined, T0 + 3)], windows: [] });
    expect(result.unexpectedRequests).toBe(2);
    expect(result.failures).toContain('2 vendor requests for deliveries the harness never asked for');
  });
});
