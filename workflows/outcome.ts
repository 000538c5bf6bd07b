// Outcomes: records how each delivery ended (delivered, duplicate, skipped, dead-lettered) in the outcome
// log, the lane's last-delivery view and the counters; dead-lettered deliveries join the dead letters.
import type { DeliveryOutcome } from '../domain/status';
import { countOutcome } from './metrics';
import type { Pending, UserState } from './state';

export interface OutcomeDetails {
  outcome: Exclude<DeliveryOutcome, 'pending'>;
  status?: number;
  /** Vendor answer or local explanation, shown with the outcome. */
  detail?: string;
  /** Dead letters: the short reason (e.g. "rejected by adjust"); defaults to detail. */
  reason?: string;
  attempts?: number;
}

export function recordPending(state: UserState, pending: Pending): void {
  const item = pending.item;
  state.outcomes[item.deliveryId] = {
    destination: item.destination,
    kind: item.kind,
    sourceId: item.sourceId,
    name: item.name,
    occurredAtMs: item.occurredAtMs,
    ...(item.revenue !== undefined ? { revenue: item.revenue } : {}),
    ...(item.currency !== undefined ? { currency: item.currency } : {}),
    outcome: 'pending',
  };
}

export function recordOutcome(state: UserState, pending: Pending, details: OutcomeDetails, nowMs: number): void {
  const item = pending.item;
  const lane = state.lanes[item.destination];
  recordPending(state, pending);
  const record = state.outcomes[item.deliveryId];
  if (record) {
    record.outcome = details.outcome;
    record.atMs = nowMs;
    if (details.status !== undefined) record.status = details.status;
    if (details.detail !== undefined) record.detail = details.detail;
  }
  lane.last = {
    deliveryId: item.deliveryId,
    sourceId: item.sourceId,
    name: item.name,
    outcome: details.outcome,
    atMs: nowMs,
    ...(details.status !== undefined ? { status: details.status } : {}),
    ...(details.detail !== undefined ? { detail: details.detail } : {}),
  };
  countOutcome(item.destination, details.outcome, nowMs - pending.arrivedAtMs);
  switch (details.outcome) {
    case 'delivered':
      lane.counts.delivered += 1;
      state.counters.delivered += 1;
      break;
    case 'duplicate':
      lane.counts.duplicate += 1;
      state.counters.vendorDuplicates += 1;
      break;
    case 'skipped':
      lane.counts.skipped += 1;
      state.counters.skipped += 1;
      break;
    case 'dead-lettered':
      lane.counts.deadLettered += 1;
      state.counters.deadLettered += 1;
      state.deadLetters.push({
        item: { ...item },
        reason: details.reason ?? details.detail ?? 'dead-lettered',
        ...(details.status !== undefined ? { status: details.status } : {}),
        ...(details.status !== undefined && details.detail !== undefined ? { vendorMessage: details.detail } : {}),
        ...(details.attempts !== undefined ? { attempts: details.attempts } : {}),
        atMs: nowMs,
        redrives: pending.redrives,
      });
      break;
  }
}
