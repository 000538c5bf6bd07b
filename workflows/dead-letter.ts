// Dead letters: deliveries (or unrouted messages) that could not be delivered, kept with the vendor's
// status and message so operators can see them, bounded in number, and re-queued in order by a redrive.
import type { Refund } from '../domain/event';
import type { RedriveAnswer } from '../domain/status';
import { acceptMessage, dedupKey, holdOrphanRefund, refundProblem } from './intake';
import { enqueue } from './lane';
import { countDeadLetters } from './metrics';
import type { DeadLetter, HeldMessage, OrphanRefund, UserState } from './state';

/** Dead-letters a message that never reached a lane (no signup in time); see deadLetterOrphan for refunds held for their purchase. */
export function deadLetterMessage(state: UserState, held: HeldMessage, reason: string, nowMs: number, options: { unaccepted?: boolean } = {}): void {
  state.deadLetters.push({ held, reason, atMs: nowMs, redrives: 0, ...(options.unaccepted ? { unaccepted: true as const } : {}) });
  state.counters.deadLettered += 1;
  countDeadLetters('none');
}

/** Dead-letters a refund that was held for its purchase and never accepted (a redrive checks the refund rules first). */
export function deadLetterOrphan(state: UserState, orphan: OrphanRefund, reason: string, nowMs: number): void {
  deadLetterMessage(state, { message: { kind: 'refund', refund: orphan.refund }, arrivedAtMs: orphan.arrivedAtMs, seq: orphan.seq }, reason, nowMs, { unaccepted: true });
}

/** Keeps at most `limit` dead letters (the oldest are evicted and counted). */
export function boundDeadLetters(state: UserState, limit: number): void {
  const excess = state.deadLetters.length - limit;
  if (excess > 0) {
    state.deadLetters.splice(0, excess);
    state.deadLettersEvicted += excess;
  }
}

export function deadLetterKey(letter: DeadLetter): string {
  return letter.item?.deliveryId ?? `held:${letter.held ? dedupKey(letter.held.message) : '?'}`;
}

/**
 * Re-queues the selected dead letters (all when `ids` is empty). Deliveries go back into their lane in
 * event-time order with their restamp cleared, so the late-event policy and age limits are applied afresh;
 * unrouted messages go back to the held list; refunds never accepted go through the refund rules first.
 */
export function redrive(state: UserState, ids: string[] | undefined, nowMs: number): RedriveAnswer {
  const wanted = ids && ids.length > 0 ? new Set(ids) : undefined;
  const redriven: string[] = [];
  const refused: string[] = [];
  const keep: DeadLetter[] = [];
  for (const letter of state.deadLetters) {
    const key = deadLetterKey(letter);
    const matches = !wanted || wanted.has(key) || (letter.held !== undefined && wanted.has(dedupKey(letter.held.message)));
    if (!matches) {
      keep.push(letter);
      continue;
    }
    if (letter.held && letter.unaccepted && letter.held.message.kind === 'refund') {
      const problem = redriveRefund(state, letter.held.message.refund, nowMs);
      if (problem) {
        keep.push({ ...letter, reason: `redrive refused: ${problem}`, atMs: nowMs, redrives: letter.redrives + 1 });
        refused.push(key);
        continue;
      }
    } else if (letter.item) {
      // A fresh start: no restamp (the late-event policy applies again), bounded retries count anew.
      const { sendAtMs: _dropRestamp, firstAttemptAtMs: _dropFirstAttempt, ...item } = letter.item;
      const purchaseDelivery = item.kind === 'refund' && item.purchaseEventId ? state.purchases[item.purchaseEventId]?.appsflyerDeliveryId : undefined;
      enqueue(state, {
        item,
        arrivedAtMs: nowMs,
        seq: (state.seq += 1),
        redrives: letter.redrives + 1,
        ...(item.destination === 'appsflyer' && purchaseDelivery ? { waitFor: purchaseDelivery } : {}),
      });
    } else if (letter.held) {
      if (!state.install && state.held.length === 0) state.firstHeldAtMs = nowMs;
      state.held.push({ ...letter.held, arrivedAtMs: nowMs });
    }
    redriven.push(key);
    state.counters.redriven += 1;
  }
  state.deadLetters = keep;
  const named = (id: string) => [id, `held:${id}`].some((k) => redriven.includes(k) || refused.includes(k));
  const notFound = wanted ? [...wanted].filter((id) => !named(id)) : [];
  return { redriven, notFound, ...(refused.length > 0 ? { refused } : {}) };
}

/**
 * A refund that was never accepted goes through the refund rules now, as if it had just arrived: held
 * again if its purchase is still unknown, accepted (counted against the purchase) if valid; otherwise the
 * reason it stays a dead letter.
 */
function redriveRefund(state: UserState, refund: Refund, nowMs: number): string | undefined {
  const problem = refundProblem(state, refund);
  if (problem && !problem.unknown) return problem.reason;
  delete state.dedup[dedupKey({ kind: 'refund', refund })];
  if (problem) holdOrphanRefund(state, refund, nowMs);
  else acceptMessage(state, { kind: 'refund', refund }, nowMs);
  return undefined;
}
