// What continue-as-new carries must fit in one Temporal payload (the server refuses a continue-as-new
// whose input is over its blob size limit, 2 MB by default, and terminates the workflow). The windows are
// bounded by count and age; this is the last guard, by size: it forgets the oldest finished dedup entries
// (with their outcomes) until the state fits policy.maxCarriedStateBytes, and never touches anything
// still pending, held, queued, refundable or dead-lettered.
import { dedupKey } from './intake';
import type { UserState } from './state';

export interface CarryFit {
  /** Size of the state as JSON, after pruning. */
  bytes: number;
  /** Dedup entries forgotten to make it fit. */
  pruned: number;
}

/** JSON size in UTF-8 bytes (user-chosen ids and params may hold non-ASCII text). */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value) ?? '';
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // Each half of a surrogate pair counts 2 (4 bytes per pair); other code units up to 3 bytes.
    if (code >= 0xd800 && code <= 0xdfff) bytes += 1;
    else if (code >= 0x800) bytes += 2;
    else if (code >= 0x80) bytes += 1;
  }
  return bytes;
}

export function fitForCarry(state: UserState, maxBytes: number): CarryFit {
  let bytes = jsonBytes(state);
  let pruned = 0;
  if (bytes <= maxBytes) return { bytes, pruned };
  const inUse = new Set<string>([...state.held.map((h) => dedupKey(h.message)), ...state.orphanRefunds.map((o) => `refund:${o.refund.refundId}`)]);
  for (const [key, entry] of Object.entries(state.dedup)) {
    if (bytes <= maxBytes) break;
    if (inUse.has(key) || entry.deliveryIds.some((id) => state.outcomes[id]?.outcome === 'pending')) continue;
    // `"key":{...},` and each `"id":{...},`
    bytes -= jsonBytes(key) + jsonBytes(entry) + 2;
    for (const id of entry.deliveryIds) {
      const outcome = state.outcomes[id];
      if (outcome) bytes -= jsonBytes(id) + jsonBytes(outcome) + 2;
      delete state.outcomes[id];
    }
    delete state.dedup[key];
    pruned += 1;
  }
  return { bytes: pruned > 0 ? jsonBytes(state) : bytes, pruned };
}
