// The chaos run's verdict, computed from the vendor emulator's record (the source of truth) and what the
// harness sent: lost and duplicate deliveries (separating the provably ambiguous ones), per-lane order,
// sends before the post-install gate, refunds before their purchase, and vendor rejections. Pure.
import type { Destination } from '../domain/delivery';

export interface ExpectedDelivery {
  deliveryId: string;
  userId: string;
  vendor: Destination;
  kind: 'event' | 'refund';
  sourceId: string;
  /** The event time the backend gave (ordering is checked on this, not on what was sent). */
  occurredAtMs: number;
  /** installedAt + post-install delay: nothing may reach the vendor before. */
  gateAtMs: number;
  /** Refunds: the delivery of the purchase they reverse, on the same vendor. */
  purchaseDeliveryId?: string;
  /**
   * Refunds: the purchase must have been accepted before the refund's first request (AppsFlyer, where a
   * refund is negative revenue); otherwise it only has to have been sent first (Adjust's lane order).
   */
  purchaseMustBeAccepted?: boolean;
}

/** The fields of an emulator record (emulator/record.ts) the checker reads. */
export interface VendorRecord {
  id: number;
  receivedAtMs: number;
  vendor: Destination;
  status: number;
  outcome: string;
  fault?: string;
  deliveryId?: string;
  reason?: string;
}

/** A time span in which a vendor may have accepted a request whose answer never reached the workflow. */
export interface AmbiguityWindow {
  fromMs: number;
  toMs: number;
  why: string;
}

export interface CheckInput {
  expected: readonly ExpectedDelivery[];
  records: readonly VendorRecord[];
  windows: readonly AmbiguityWindow[];
}

export interface Violation {
  deliveryId: string;
  detail: string;
}

export interface CheckResult {
  expectedDeliveries: number;
  delivered: number;
  lost: number;
  duplicates: number;
  ambiguousDuplicates: number;
  /** Why each ambiguous duplicate is explained: acceptThenReset, or the window it fell in. */
  ambiguousByCause: Record<string, number>;
  unexplainedDuplicates: number;
  orderViolations: number;
  earlySends: number;
  refundsBeforePurchase: number;
  vendorRejections: { order: number; age: number; other: number; ofAlreadyAccepted: number };
  unexpectedRequests: number;
  /** AppsFlyer accepted but attributed as organic (install not processed yet): a quality signal, not a loss. */
  organic: number;
  acceptThenResetAccepted: number;
  /** Up to 10 examples per broken invariant. */
  samples: Record<string, Violation[]>;
  /** One line per broken invariant; empty when the run passed. */
  failures: string[];
}

/** The vendor took the request (it counts), whether or not its answer reached the sender. */
export function isAccepted(record: VendorRecord): boolean {
  return record.outcome !== 'rejected' && record.outcome !== 'fault';
}

/** An acceptance whose answer the sender provably did not get: acceptThenReset (processed, then reset). */
export function answerLost(record: VendorRecord): boolean {
  return record.fault === 'reset' && isAccepted(record);
}

function windowAt(ms: number, windows: readonly AmbiguityWindow[]): AmbiguityWindow | undefined {
  return windows.find((w) => ms >= w.fromMs && ms <= w.toMs);
}

function rejectionKind(reason: string | undefined): 'order' | 'age' | 'other' {
  const text = (reason ?? '').toLowerCase();
  if (text.includes('out of order') || text.includes('before installed_at')) return 'order';
  if (text.includes('too old')) return 'age';
  return 'other';
}

export function checkInvariants(input: CheckInput): CheckResult {
  const expected = new Map(input.expected.map((d) => [d.deliveryId, d]));
  const byDelivery = new Map<string, VendorRecord[]>();
  const samples: Record<string, Violation[]> = {};
  const sample = (kind: string, deliveryId: string, detail: string) => {
    const list = (samples[kind] ??= []);
    if (list.length < 10) list.push({ deliveryId, detail });
  };
  let unexpectedRequests = 0;
  for (const record of [...input.records].sort((a, b) => a.id - b.id)) {
    if (!record.deliveryId || !expected.has(record.deliveryId)) {
      unexpectedRequests += 1;
      sample('unexpected', record.deliveryId ?? '(none)', `${record.vendor} request #${record.id} (${record.outcome}) for no delivery the harness sent`);
      continue;
    }
    const list = byDelivery.get(record.deliveryId) ?? [];
    list.push(record);
    byDelivery.set(record.deliveryId, list);
  }

  let delivered = 0;
  let lost = 0;
  let duplicates = 0;
  let ambiguousDuplicates = 0;
  const ambiguousByCause: Record<string, number> = {};
  let earlySends = 0;
  let organic = 0;
  let acceptThenResetAccepted = 0;
  const rejections = { order: 0, age: 0, other: 0, ofAlreadyAccepted: 0 };
  const firstAccepted = new Map<string, VendorRecord>();

  for (const d of expected.values()) {
    const records = byDelivery.get(d.deliveryId) ?? [];
    const accepted = records.filter(isAccepted);
    for (const r of records) {
      if (r.receivedAtMs < d.gateAtMs) {
        earlySends += 1;
        sample('earlySends', d.deliveryId, `${d.vendor} request #${r.id} at ${new Date(r.receivedAtMs).toISOString()}, gate ${new Date(d.gateAtMs).toISOString()}`);
      }
      if (r.outcome === 'rejected') {
        const before = accepted.some((a) => a.id < r.id);
        if (before) rejections.ofAlreadyAccepted += 1;
        else {
          const kind = rejectionKind(r.reason);
          rejections[kind] += 1;
          sample(`rejected:${kind}`, d.deliveryId, `${d.vendor} ${r.status}: ${r.reason ?? ''}`);
        }
      }
    }
    if (accepted.length === 0) {
      lost += 1;
      sample('lost', d.deliveryId, `${d.vendor} ${d.kind} ${d.sourceId} of ${d.userId}: ${records.length} request(s), none accepted`);
      continue;
    }
    delivered += 1;
    firstAccepted.set(d.deliveryId, accepted[0] as VendorRecord);
    if (accepted[0]?.outcome === 'organic') organic += 1;
    acceptThenResetAccepted += accepted.filter(answerLost).length;
    for (let i = 1; i < accepted.length; i++) {
      duplicates += 1;
      const earlier = accepted.slice(0, i);
      const cause = earlier.some(answerLost) ? 'acceptThenReset' : earlier.map((a) => windowAt(a.receivedAtMs, input.windows)?.why).find((why) => why !== undefined);
      if (cause) {
        ambiguousDuplicates += 1;
        ambiguousByCause[cause] = (ambiguousByCause[cause] ?? 0) + 1;
      } else sample('duplicates', d.deliveryId, `${d.vendor} accepted ${accepted.length} times (#${accepted.map((a) => a.id).join(', #')}) with no lost answer or kill before`);
    }
  }

  // Order: per user and vendor, first acceptances in arrival order must have non-decreasing event times.
  const lanes = new Map<string, Array<{ d: ExpectedDelivery; r: VendorRecord }>>();
  for (const [id, r] of firstAccepted) {
    const d = expected.get(id) as ExpectedDelivery;
    const key = `${d.userId}\u0000${d.vendor}`;
    const lane = lanes.get(key) ?? [];
    lane.push({ d, r });
    lanes.set(key, lane);
  }
  let orderViolations = 0;
  for (const lane of lanes.values()) {
    lane.sort((a, b) => a.r.id - b.r.id);
    let newest: ExpectedDelivery | undefined;
    for (const { d } of lane) {
      if (newest && d.occurredAtMs < newest.occurredAtMs) {
        orderViolations += 1;
        sample('order', d.deliveryId, `${d.vendor} got ${d.sourceId} (${new Date(d.occurredAtMs).toISOString()}) after ${newest.sourceId} (${new Date(newest.occurredAtMs).toISOString()}) for ${d.userId}`);
      } else newest = d;
    }
  }

  // Refunds: no request for a refund before its purchase was accepted (AppsFlyer) or sent (Adjust).
  let refundsBeforePurchase = 0;
  for (const d of expected.values()) {
    if (d.kind !== 'refund' || !d.purchaseDeliveryId) continue;
    const first = (byDelivery.get(d.deliveryId) ?? [])[0];
    if (!first) continue;
    const purchase = d.purchaseMustBeAccepted ? firstAccepted.get(d.purchaseDeliveryId) : (byDelivery.get(d.purchaseDeliveryId) ?? [])[0];
    if (!purchase || first.id < purchase.id) {
      refundsBeforePurchase += 1;
      const what = d.purchaseMustBeAccepted ? 'accepted' : 'sent';
      sample('refundsBeforePurchase', d.deliveryId, `${d.vendor} refund ${d.sourceId} sent (#${first.id}) before its purchase was ${what} (${purchase ? `#${purchase.id}` : 'never'})`);
    }
  }

  const unexplainedDuplicates = duplicates - ambiguousDuplicates;
  const failures: string[] = [];
  if (lost > 0) failures.push(`${lost} deliveries lost`);
  if (unexplainedDuplicates > 0) failures.push(`${unexplainedDuplicates} duplicate deliveries without a lost answer or worker/server kill to explain them`);
  if (orderViolations > 0) failures.push(`${orderViolations} deliveries out of event-time order in their lane`);
  if (earlySends > 0) failures.push(`${earlySends} requests sent before the post-install gate`);
  if (refundsBeforePurchase > 0) failures.push(`${refundsBeforePurchase} refunds sent before their purchase was accepted`);
  if (rejections.order + rejections.age > 0) failures.push(`${rejections.order + rejections.age} vendor rejections for order or age`);
  if (unexpectedRequests > 0) failures.push(`${unexpectedRequests} vendor requests for deliveries the harness never asked for`);
  return {
    expectedDeliveries: expected.size,
    delivered,
    lost,
    duplicates,
    ambiguousDuplicates,
    ambiguousByCause,
    unexplainedDuplicates,
    orderViolations,
    earlySends,
    refundsBeforePurchase,
    vendorRejections: rejections,
    unexpectedRequests,
    organic,
    acceptThenResetAccepted,
    samples,
    failures,
  };
}
