// The outcome log: the latest deliveries of the user per vendor, pending or finished, for the timeline query
// and the answer to a duplicate message. Bounded by count (finished ones are forgotten oldest first) so it
// never grows the carried state; what a vendor received stays in the history and the delivery ledger.
import { isoTime } from '../domain/contract/time';
import { messageId, messageRevenue, type DeliveryItem } from '../domain/delivery';
import type { OutcomeRecord } from '../domain/snapshot';
import type { DeliveryOutcome, DeliveryView, TimelineEntry } from '../domain/status';

/** Finished outcomes kept (pending ones are always kept). */
export const OUTCOMES_KEPT = 200;

export function displayName(item: DeliveryItem): string {
  const m = item.message;
  return m.kind === 'track' ? m.track.name : m.kind === 'refund' ? `refund of ${m.refund.purchaseEventId}` : 'ad revenue';
}

export class OutcomeLog {
  /** Deliveries still pending, and finished ones in the order they finished (the oldest are forgotten first). */
  private readonly pendingById = new Map<string, OutcomeRecord>();
  private readonly finished = new Map<string, OutcomeRecord>();

  static from(records: readonly OutcomeRecord[] | undefined): OutcomeLog {
    const log = new OutcomeLog();
    for (const r of records ?? []) (r.outcome === 'pending' ? log.pendingById : log.finished).set(r.deliveryId, r);
    return log;
  }

  get(deliveryId: string): OutcomeRecord | undefined {
    return this.pendingById.get(deliveryId) ?? this.finished.get(deliveryId);
  }

  /** Records a delivery as pending (again, on redrive). */
  pending(item: DeliveryItem): OutcomeRecord {
    const money = messageRevenue(item.message);
    const record: OutcomeRecord = {
      deliveryId: item.deliveryId,
      destination: item.destination,
      kind: item.message.kind,
      messageId: messageId(item.message),
      name: displayName(item),
      occurredAtMs: item.occurredAtMs,
      ...(money ? { revenue: money.revenue, currency: money.currency } : {}),
      outcome: 'pending',
    };
    this.finished.delete(item.deliveryId);
    this.pendingById.set(item.deliveryId, record);
    return record;
  }

  finish(item: DeliveryItem, outcome: Exclude<DeliveryOutcome, 'pending'>, atMs: number, details: { status?: number; detail?: string }): void {
    const record = this.pendingById.get(item.deliveryId) ?? this.finished.get(item.deliveryId) ?? this.pending(item);
    this.pendingById.delete(item.deliveryId);
    this.finished.delete(item.deliveryId);
    record.outcome = outcome;
    record.atMs = atMs;
    if (item.sendAtMs !== undefined && item.sendAtMs !== item.occurredAtMs) record.sentAtMs = item.sendAtMs;
    if (details.status !== undefined) record.status = details.status;
    if (details.detail !== undefined) record.detail = details.detail;
    this.finished.set(item.deliveryId, record);
    for (const id of this.finished.keys()) {
      if (this.finished.size <= OUTCOMES_KEPT) break;
      this.finished.delete(id);
    }
  }

  view(deliveryId: string): DeliveryView | undefined {
    const r = this.get(deliveryId);
    if (!r) return undefined;
    return {
      destination: r.destination,
      deliveryId,
      outcome: r.outcome,
      ...(r.atMs !== undefined ? { at: isoTime(r.atMs) } : {}),
      ...(r.status !== undefined ? { status: r.status } : {}),
      ...(r.detail !== undefined ? { detail: r.detail } : {}),
    };
  }

  timeline(): TimelineEntry[] {
    return [...this.pendingById.values(), ...this.finished.values()]
      .map((r) => ({
        destination: r.destination,
        deliveryId: r.deliveryId,
        kind: r.kind,
        messageId: r.messageId,
        name: r.name,
        occurredAt: isoTime(r.occurredAtMs),
        ...(r.sentAtMs !== undefined ? { sentAs: isoTime(r.sentAtMs) } : {}),
        ...(r.revenue !== undefined ? { revenue: r.revenue } : {}),
        ...(r.currency !== undefined ? { currency: r.currency } : {}),
        outcome: r.outcome,
        ...(r.atMs !== undefined ? { at: isoTime(r.atMs) } : {}),
        ...(r.status !== undefined ? { status: r.status } : {}),
        ...(r.detail !== undefined ? { detail: r.detail } : {}),
      }))
      .sort((a, b) => (a.destination === b.destination ? a.occurredAt.localeCompare(b.occurredAt) : a.destination.localeCompare(b.destination)));
  }

  toJSON(): OutcomeRecord[] {
    return [...this.finished.values(), ...this.pendingById.values()];
  }
}
