// Housekeeping on the workflow's clock: dead-letters messages held too long for a signup and refunds whose
// purchase never arrived, keeps the dedup window, purchases and dead letters within their bounds, and says
// when it next needs to run (and why, for the timer's summary in the Temporal UI).
import type { WorkflowPolicy } from '../domain/settings';
import { boundDeadLetters, deadLetterMessage, deadLetterOrphan } from './dead-letter';
import { pruneWindows } from './intake';
import type { UserState } from './state';

export interface HousekeepingResult {
  /** Something visible changed (dead letters added). */
  changed: boolean;
  /** The next time housekeeping has work to do. */
  next?: { atMs: number; why: string };
}

export function housekeeping(state: UserState, policy: WorkflowPolicy, nowMs: number): HousekeepingResult {
  let changed = false;
  let next: HousekeepingResult['next'];
  const later = (atMs: number, why: string) => {
    if (!next || atMs < next.atMs) next = { atMs, why };
  };

  if (!state.install && state.held.length > 0 && state.firstHeldAtMs !== undefined) {
    const due = state.firstHeldAtMs + policy.installWaitTimeoutMs;
    if (nowMs >= due) {
      for (const held of state.held.splice(0)) {
        deadLetterMessage(state, held, `no install context (signup) arrived within ${policy.installWaitTimeoutMs / 1000}s of the first event`, nowMs);
      }
      state.firstHeldAtMs = undefined;
      changed = true;
    } else later(due, 'install wait timeout: held events are dead-lettered if no signup arrives');
  }

  for (const orphan of [...state.orphanRefunds]) {
    const due = orphan.arrivedAtMs + policy.orphanRefundHoldMs;
    if (nowMs < due) {
      later(due, `refund ${orphan.refund.refundId} waits for purchase ${orphan.refund.purchaseEventId}`);
      continue;
    }
    state.orphanRefunds.splice(state.orphanRefunds.indexOf(orphan), 1);
    deadLetterOrphan(state, orphan, `unknown purchase "${orphan.refund.purchaseEventId}": no such purchase arrived within ${policy.orphanRefundHoldMs / 1000}s of the refund`, nowMs);
    changed = true;
  }

  pruneWindows(state, policy, nowMs);
  boundDeadLetters(state, policy.deadLetterLimit);
  return { changed, ...(next ? { next } : {}) };
}
