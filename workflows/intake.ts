// Accepting messages: the dedup window (same id twice is one message), the registry of refundable
// purchases, and the refund rules (known purchase, same currency, not more than what remains).
import { fnv1a64 } from '../domain/ids';
import { addAmounts, compareAmounts, subtractAmounts } from '../domain/money';
import type { Refund, TrackEvent } from '../domain/event';
import type { DeliveryView, MessageAnswer } from '../domain/status';
import type { WorkflowPolicy } from '../domain/settings';
import { iso } from './clock';
import type { Message, UserState } from './state';

export function dedupKey(message: Message): string {
  return message.kind === 'event' ? `event:${message.event.eventId}` : `refund:${message.refund.refundId}`;
}

export function messageId(message: Message): string {
  return message.kind === 'event' ? message.event.eventId : message.refund.refundId;
}

function fingerprint(message: Message): string {
  return fnv1a64(JSON.stringify(message));
}

/** The answer for a message id already recorded: its first receipt and current delivery outcomes. */
export function answerFor(state: UserState, message: Message, status: MessageAnswer['status']): MessageAnswer {
  const key = dedupKey(message);
  const entry = state.dedup[key];
  const deliveries: DeliveryView[] = (entry?.deliveryIds ?? []).flatMap((deliveryId) => {
    const record = state.outcomes[deliveryId];
    if (!record) return [];
    return [{
      destination: record.destination,
      deliveryId,
      outcome: record.outcome,
      ...(record.atMs !== undefined ? { at: iso(record.atMs) } : {}),
      ...(record.status !== undefined ? { status: record.status } : {}),
      ...(record.detail !== undefined ? { detail: record.detail } : {}),
    }];
  });
  const held = state.held.some((h) => dedupKey(h.message) === key) || state.orphanRefunds.some((o) => `refund:${o.refund.refundId}` === key);
  const answer: MessageAnswer = {
    status,
    kind: message.kind,
    id: messageId(message),
    receivedAt: iso(entry?.atMs ?? (message.kind === 'event' ? state.purchases[message.event.eventId]?.atMs : undefined) ?? 0),
    held,
    deliveries,
  };
  if (status === 'duplicate' && entry && entry.fingerprint !== fingerprint(message)) answer.conflictingDuplicate = true;
  return answer;
}

/**
 * The same id was accepted before: within the dedup window, or (for purchases, which are kept longer for
 * their refunds) while the purchase is still refundable, so a purchase can never be counted twice.
 */
export function isDuplicate(state: UserState, message: Message): boolean {
  if (state.dedup[dedupKey(message)] !== undefined) return true;
  return message.kind === 'event' && state.purchases[message.event.eventId] !== undefined;
}

/** Why a refund cannot be accepted now, or undefined. `unknown` distinguishes a purchase not (yet) known. */
export function refundProblem(state: UserState, refund: Refund): { unknown: boolean; reason: string } | undefined {
  const purchase = state.purchases[refund.purchaseEventId];
  if (!purchase) {
    return {
      unknown: true,
      reason: `unknown purchase "${refund.purchaseEventId}": this user has no purchase (event with revenue) with that eventId in the last ${Object.keys(state.purchases).length} kept`,
    };
  }
  if (purchase.currency !== refund.currency) {
    return { unknown: false, reason: `refund currency ${refund.currency} differs from purchase "${purchase.eventId}" currency ${purchase.currency}` };
  }
  const remaining = subtractAmounts(purchase.amount, purchase.refunded);
  if (compareAmounts(refund.amount, remaining) > 0) {
    return {
      unknown: false,
      reason: `refund of ${refund.amount} ${refund.currency} exceeds what remains refundable of purchase "${purchase.eventId}": ${remaining} of ${purchase.amount} ${purchase.currency}`,
    };
  }
  if (Date.parse(refund.occurredAt) < purchase.occurredAtMs) {
    return { unknown: false, reason: `refund occurredAt ${refund.occurredAt} is before the purchase it reverses (${iso(purchase.occurredAtMs)})` };
  }
  return undefined;
}

/** Records a new (non-duplicate, valid) message as held, ready for routing. */
export function acceptMessage(state: UserState, message: Message, nowMs: number): void {
  state.dedup[dedupKey(message)] = { atMs: nowMs, fingerprint: fingerprint(message), deliveryIds: [] };
  state.counters.received += 1;
  if (message.kind === 'event') {
    const e: TrackEvent = message.event;
    if (e.revenue !== undefined && e.currency !== undefined) {
      state.purchases[e.eventId] = {
        eventId: e.eventId,
        name: e.name,
        amount: e.revenue,
        currency: e.currency,
        refunded: '0',
        occurredAtMs: Date.parse(e.occurredAt),
        atMs: nowMs,
      };
    }
  } else {
    const purchase = state.purchases[message.refund.purchaseEventId];
    if (purchase) purchase.refunded = addAmounts(purchase.refunded, message.refund.amount);
    state.counters.refunds += 1;
  }
  state.seq += 1;
  if (!state.install && state.held.length === 0) state.firstHeldAtMs = nowMs;
  state.held.push({ message, arrivedAtMs: nowMs, seq: state.seq });
}

/** Holds a refund signal whose purchase is not known yet (it may still be on its way). */
export function holdOrphanRefund(state: UserState, refund: Refund, nowMs: number): void {
  state.dedup[`refund:${refund.refundId}`] = { atMs: nowMs, fingerprint: fingerprint({ kind: 'refund', refund }), deliveryIds: [] };
  state.seq += 1;
  state.orphanRefunds.push({ refund, arrivedAtMs: nowMs, seq: state.seq });
}

export function recordRejection(state: UserState, nowMs: number, kind: string, reason: string, id?: string): void {
  state.counters.rejectedMessages += 1;
  state.rejections.push({ atMs: nowMs, kind, reason, ...(id !== undefined ? { id } : {}) });
  if (state.rejections.length > 50) state.rejections.splice(0, state.rejections.length - 50);
}

/** Drops dedup entries and purchases beyond the configured bounds (oldest first), with their outcomes. */
export function pruneWindows(state: UserState, policy: WorkflowPolicy, nowMs: number): void {
  const keys = Object.keys(state.dedup);
  const inUse = new Set<string>([
    ...state.held.map((h) => dedupKey(h.message)),
    ...state.orphanRefunds.map((o) => `refund:${o.refund.refundId}`),
  ]);
  let excess = keys.length - policy.dedupMaxEntries;
  for (const key of keys) {
    const entry = state.dedup[key];
    if (!entry || inUse.has(key)) continue;
    const tooOld = nowMs - entry.atMs > policy.dedupMaxAgeMs;
    if (!tooOld && excess <= 0) break;
    const stillPending = entry.deliveryIds.some((id) => state.outcomes[id]?.outcome === 'pending');
    if (stillPending) continue;
    for (const id of entry.deliveryIds) delete state.outcomes[id];
    delete state.dedup[key];
    excess -= 1;
  }
  const purchases = Object.values(state.purchases);
  let extra = purchases.length - policy.purchaseLimit;
  for (const p of purchases) {
    const tooOld = nowMs - p.atMs > policy.purchaseRetentionMs;
    if (!tooOld && extra <= 0) break;
    delete state.purchases[p.eventId];
    extra -= 1;
  }
}
