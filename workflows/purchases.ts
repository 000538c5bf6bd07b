// Refundable purchases and the refund rules: a refund names a purchase (an event with revenue) this user
// made, in its currency, for no more than what remains refundable, and not before the purchase happened.
// A purchase stays here (and so stays a duplicate if re-sent) while refundable: policy.purchaseLimit,
// policy.purchaseRetentionDays.
import type { Policy } from '../domain/config';
import type { Refund, Track } from '../domain/contract/messages';
import { isoTime, timestampMs } from '../domain/contract/time';
import { addAmounts, compareAmounts, subtractAmounts } from '../domain/money';
import type { PurchaseRecord } from '../domain/snapshot';

const DAY_MS = 86_400_000;

export interface RefundProblem {
  /** The purchase is not known (yet): a refund signal is held for it, an update is refused. */
  unknown: boolean;
  /** Machine-readable: unknown-purchase, currency-mismatch, over-refund, before-purchase. */
  code: string;
  reason: string;
}

export class Purchases {
  private readonly byId = new Map<string, PurchaseRecord>();

  static from(records: readonly PurchaseRecord[] | undefined): Purchases {
    const p = new Purchases();
    for (const r of records ?? []) p.byId.set(r.eventId, r);
    return p;
  }

  get(eventId: string): PurchaseRecord | undefined {
    return this.byId.get(eventId);
  }

  has(eventId: string): boolean {
    return this.byId.has(eventId);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Records an accepted event that carries revenue as a refundable purchase. */
  recordIfPurchase(track: Track, nowMs: number): void {
    if (track.revenue === undefined || track.currency === undefined) return;
    this.byId.set(track.eventId, {
      eventId: track.eventId,
      name: track.name,
      amount: track.revenue,
      currency: track.currency,
      refunded: '0',
      occurredAtMs: timestampMs(track.occurredAt),
      atMs: nowMs,
    });
  }

  /** Why this refund cannot be accepted now, or undefined. */
  problem(refund: Refund): RefundProblem | undefined {
    const purchase = this.byId.get(refund.purchaseEventId);
    if (!purchase) {
      return {
        unknown: true,
        code: 'unknown-purchase',
        reason: `unknown purchase "${refund.purchaseEventId}": this user has no purchase (event with revenue) with that eventId among the ${this.byId.size} kept`,
      };
    }
    if (purchase.currency !== refund.currency) {
      return {
        unknown: false,
        code: 'currency-mismatch',
        reason: `refund currency ${refund.currency} differs from purchase "${purchase.eventId}" currency ${purchase.currency}`,
      };
    }
    const remaining = subtractAmounts(purchase.amount, purchase.refunded);
    if (compareAmounts(refund.amount, remaining) > 0) {
      return {
        unknown: false,
        code: 'over-refund',
        reason: `refund of ${refund.amount} ${refund.currency} exceeds what remains refundable of purchase "${purchase.eventId}": ${remaining} of ${purchase.amount} ${purchase.currency}`,
      };
    }
    if (timestampMs(refund.occurredAt) < purchase.occurredAtMs) {
      return {
        unknown: false,
        code: 'before-purchase',
        reason: `refund occurredAt ${refund.occurredAt} is before the purchase it reverses (${isoTime(purchase.occurredAtMs)})`,
      };
    }
    return undefined;
  }

  /** Counts an accepted refund against its purchase. */
  applyRefund(refund: Refund): void {
    const purchase = this.byId.get(refund.purchaseEventId);
    if (purchase) purchase.refunded = addAmounts(purchase.refunded, refund.amount);
  }

  setAppsflyerDelivery(eventId: string, deliveryId: string): void {
    const purchase = this.byId.get(eventId);
    if (purchase) purchase.appsflyerDeliveryId = deliveryId;
  }

  /** Forgets purchases beyond the retention bounds, oldest first. */
  prune(nowMs: number, policy: Policy): void {
    let extra = this.byId.size - policy.purchaseLimit;
    for (const p of [...this.byId.values()]) {
      const tooOld = nowMs - p.atMs > policy.purchaseRetentionDays * DAY_MS;
      if (!tooOld && extra <= 0) break;
      this.byId.delete(p.eventId);
      extra -= 1;
    }
  }

  toJSON(): PurchaseRecord[] {
    return [...this.byId.values()];
  }
}
