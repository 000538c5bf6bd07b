// Dead letters: deliveries (or unrouted messages) that could not be delivered, kept with the vendor's
// status and message so operators can see them, bounded in number, and re-queued in order by a redrive.
import type { RedriveAnswer } from '../domain/status';
import { dedupKey } from './intake';
import { enqueue } from './lane';
import type { DeadLetter, UserState } from './state';

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
 * unrouted messages go back to the held list.
 */
export function redrive(state: UserState, ids: string[] | undefined, nowMs: number): RedriveAnswer {
  const wanted = ids && ids.length > 0 ? new Set(ids) : undefined;
  const redriven: string[] = [];
  const keep: DeadLetter[] = [];
  for (const letter of state.deadLetters) {
    const key = deadLetterKey(letter);
    const matches = !wanted || wanted.has(key) || (letter.held !== undefined && wanted.has(dedupKey(letter.held.message)));
    if (!matches) {
      keep.push(letter);
      continue;
    }
    redriven.push(key);
    if (letter.item) {
      const { sendAtMs: _dropRestamp, ...item } = letter.item;
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
    state.counters.redriven += 1;
  }
  state.deadLetters = keep;
  const notFound = wanted ? [...wanted].filter((id) => !redriven.includes(id) && !redriven.includes(`held:${id}`)) : [];
  return { redriven, notFound };
}
