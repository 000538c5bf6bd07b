// A lane: one destination's ordered queue for one user. Deliveries are kept sorted by event time, then
// arrival; the lane sends from the head only, one batch at a time, so a vendor sees a user's events in
// order. Before sending, the head is checked against the post-install gate, the settle window, the
// vendor's age limit, Adjust's chronological rule (late-event policy) and, for refunds, their purchase.
import type { Destination } from '../domain/delivery';
import type { Routing, WorkflowPolicy } from '../domain/settings';
import { iso } from './clock';
import { recordOutcome, recordPending } from './outcome';
import { adjustOrderKeys } from './route';
import type { LaneState, Pending, UserState } from './state';

/**
 * Inserts keeping (occurredAt, seq) order, but never ahead of a delivery that may already have reached the
 * vendor (a possible resend): the vendor may hold its time already, so a later arrival goes after it and
 * meets the late-event policy once that delivery's outcome is known, instead of being refused as out of order.
 */
export function enqueue(state: UserState, pending: Pending): void {
  const queue = state.lanes[pending.item.destination].queue;
  let lo = 0;
  for (let i = queue.length - 1; i >= 0; i--) {
    if (queue[i]?.item.resend) {
      lo = i + 1;
      break;
    }
  }
  let hi = queue.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const other = queue[mid] as Pending;
    const before = other.item.occurredAtMs < pending.item.occurredAtMs || (other.item.occurredAtMs === pending.item.occurredAtMs && other.seq < pending.seq);
    if (before) lo = mid + 1;
    else hi = mid;
  }
  queue.splice(lo, 0, pending);
  recordPending(state, pending);
}

export interface LaneContext {
  nowMs: number;
  /** Adjust rejects events before the install ("Bad event state"): the floor of every high-water mark. */
  installedAtMs: number;
  /** installedAt + post-install delay. */
  gateAtMs: number;
  policy: WorkflowPolicy;
  routing: Routing;
}

export type LanePlan =
  | { kind: 'idle' }
  | { kind: 'wait'; untilMs: number; reason: string }
  | { kind: 'blocked'; reason: string }
  | { kind: 'send'; batch: Pending[]; deadlineMs: number };

/**
 * The latest time this delivery may still be sent (and retried): the vendor's age limit, counted from when
 * the event happened. A restamped Adjust event keeps its own limit: restamping moves it past the lane's
 * high-water mark, never past the age window.
 */
export function deliveryDeadline(pending: Pending, policy: WorkflowPolicy): number {
  const item = pending.item;
  return item.occurredAtMs + (item.destination === 'adjust' ? policy.adjustEventWindowMs : policy.appsflyerMaxAgeMs);
}

/** When the head may be sent, ignoring everything but time. */
export function readyAt(pending: Pending, ctx: LaneContext): number {
  return Math.max(ctx.gateAtMs, pending.arrivedAtMs + ctx.policy.settleWindowMs);
}

const SECOND = 1000;

/** Newest created_at (seconds) Adjust holds for these keys; never before the install (rounded up). */
function highWaterFor(lane: LaneState, keys: string[], installedAtMs: number): number {
  let hw = Math.ceil(installedAtMs / SECOND);
  for (const key of keys) {
    const v = lane.highWater[key];
    if (v !== undefined && v > hw) hw = v;
  }
  return hw;
}

/** Raises the lane's high-water marks after Adjust accepted `pending`. */
export function markSent(lane: LaneState, pending: Pending, routing: Routing): void {
  if (pending.item.destination !== 'adjust') return;
  const sec = Math.floor((pending.item.sendAtMs ?? pending.item.occurredAtMs) / SECOND);
  for (const key of adjustOrderKeys(pending.item, routing)) {
    if ((lane.highWater[key] ?? -Infinity) < sec) lane.highWater[key] = sec;
  }
}

function removeHead(lane: LaneState): Pending {
  return lane.queue.shift() as Pending;
}

/**
 * Housekeeping at the head of a lane, then the plan: dead-letters deliveries past their age limit or late
 * under the dead-letter policy (restamps them under `restamp`), skips everything once the lane stopped,
 * and returns the next batch to send, or how long to wait.
 */
export function planLane(state: UserState, destination: Destination, ctx: LaneContext): LanePlan {
  const lane = state.lanes[destination];
  const { nowMs } = ctx;
  for (;;) {
    const head = lane.queue[0];
    if (!head) return { kind: 'idle' };
    if (lane.stopped) {
      recordOutcome(state, removeHead(lane), { outcome: 'skipped', detail: `${destination} lane stopped: ${lane.stopped.reason}` }, nowMs);
      continue;
    }
    const problem = headProblem(state, lane, head, ctx);
    if (problem === 'purchase-behind') {
      // Same event time, but the purchase arrived (or was redriven) later: the refund goes right after it.
      lane.queue.shift();
      const at = lane.queue.findIndex((p) => p.item.deliveryId === head.waitFor);
      lane.queue.splice(at + 1, 0, head);
      continue;
    }
    if (problem === 'wait-for-purchase') return { kind: 'blocked', reason: `refund ${head.item.sourceId} waits for its purchase to reach AppsFlyer` };
    if (problem) {
      recordOutcome(state, removeHead(lane), { outcome: 'dead-lettered', reason: problem, detail: problem }, nowMs);
      continue;
    }
    const at = readyAt(head, ctx);
    if (at > nowMs) return { kind: 'wait', untilMs: at, reason: at === ctx.gateAtMs ? `post-install gate until ${iso(at)}` : `settle window until ${iso(at)}` };
    break;
  }
  return collectBatch(lane, ctx);
}

/**
 * A reason to dead-letter the head, 'purchase-behind' (a refund whose purchase is queued behind it),
 * 'wait-for-purchase' (its purchase is being sent), or undefined when it may go. Applies restamps.
 */
function headProblem(state: UserState, lane: LaneState, head: Pending, ctx: LaneContext): string | 'purchase-behind' | 'wait-for-purchase' | undefined {
  const item = head.item;
  if (head.waitFor) {
    if (lane.queue.some((p) => p !== head && p.item.deliveryId === head.waitFor)) return 'purchase-behind';
    const purchase = state.outcomes[head.waitFor];
    if (purchase?.outcome === 'dead-lettered') return `its purchase ${item.purchaseEventId} was dead-lettered for AppsFlyer; redrive the purchase and the refund together`;
    if (purchase?.outcome === 'pending') return 'wait-for-purchase';
  }
  if (deliveryDeadline(head, ctx.policy) <= ctx.nowMs) {
    const limit = item.destination === 'adjust' ? `Adjust's ${ctx.policy.adjustEventWindowMs / 86_400_000}-day window` : `the AppsFlyer maximum age of ${ctx.policy.appsflyerMaxAgeMs / 86_400_000} days`;
    return `too old: the event happened at ${iso(item.occurredAtMs)}, outside ${limit}`;
  }
  if (item.destination === 'adjust') {
    const keys = adjustOrderKeys(item, ctx.routing);
    const hw = highWaterFor(lane, keys, ctx.installedAtMs);
    const sec = Math.floor((item.sendAtMs ?? item.occurredAtMs) / SECOND);
    if (sec < hw) {
      if (ctx.policy.latePolicy === 'dead-letter') {
        const why = lane.highWater[keys[0] ?? ''] !== undefined || lane.highWater['#revenue'] !== undefined
          ? `Adjust already accepted an event at ${iso(hw * SECOND)} for ${keys.join(' / ')}, and rejects older ones`
          : `it happened before the install (${iso(ctx.installedAtMs)}), which Adjust rejects`;
        return `late event: ${why} (latePolicy: dead-letter)`;
      }
      item.sendAtMs = hw * SECOND;
    }
  }
  return undefined;
}

function collectBatch(lane: LaneState, ctx: LaneContext): LanePlan {
  const batch: Pending[] = [];
  let deadlineMs = Infinity;
  // Simulate high-water marks across the batch so later items see the earlier ones as sent.
  const simulated: LaneState = { ...lane, highWater: { ...lane.highWater } };
  for (const pending of lane.queue) {
    if (batch.length >= ctx.policy.maxBatchSize) break;
    if (batch.length > 0) {
      if (readyAt(pending, ctx) > ctx.nowMs) break;
      if (pending.waitFor && !batch.some((b) => b.item.deliveryId === pending.waitFor)) break;
      if (pending.item.destination === 'adjust') {
        const hw = highWaterFor(simulated, adjustOrderKeys(pending.item, ctx.routing), ctx.installedAtMs);
        const sec = Math.floor((pending.item.sendAtMs ?? pending.item.occurredAtMs) / SECOND);
        if (sec < hw) break; // let the head logic decide (restamp or dead-letter)
      }
      if (deliveryDeadline(pending, ctx.policy) <= ctx.nowMs) break;
    }
    batch.push(pending);
    markSent(simulated, pending, ctx.routing);
    deadlineMs = Math.min(deadlineMs, deliveryDeadline(pending, ctx.policy));
  }
  return { kind: 'send', batch, deadlineMs };
}
