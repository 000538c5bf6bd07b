// A lane: one vendor's ordered queue for one user. Deliveries are kept sorted by event time, then arrival;
// the lane sends from the head only, one batch at a time, so the vendor sees a user's events in order.
// Before sending, the head is checked against the post-install gate, the settle window, the vendor's age
// window, Adjust's chronological rule (the late-event policy) and, for refunds, their purchase. With
// policy.settleLoneEvents false, a delivery that arrives to a quiet lane (nothing queued or sending, nothing
// else arrived within the settle window) skips the settle window. A head that only waits for time, and not
// longer than the context's settleInAttemptMs, is planned at once with the time to send it (notBeforeMs): the
// combined first attempt waits it out and asks whether the batch is still first (activities/settle.ts).
import type { Policy, PublicAppConfig } from '../domain/config';
import { isoTime } from '../domain/contract/time';
import { deliveryDeadlineMs, type Destination } from '../domain/delivery';
import { retryDeadlineReason } from '../domain/errors';
import { adjustOrderKeys } from '../domain/routing';
import type { LaneFailureReport, LaneLast, LaneSnapshot, Pending } from '../domain/snapshot';
import { jsonBytes } from '../domain/contract/text';
import { Tally } from './tally';

const SECOND = 1000;

export interface LaneContext {
  nowMs: number;
  /** Adjust rejects events before the install ("Bad event state"): the floor of every high-water mark. */
  installedAtMs: number;
  /** installedAt + post-install delay. */
  gateAtMs: number;
  policy: Policy;
  app: PublicAppConfig;
  /**
   * The longest wait for time (settle window, gate) a batch may be planned across: its first attempt waits it out
   * (0: none, the lane waits on a timer). Only for lanes whose first attempt is the combined activity.
   */
  settleInAttemptMs?: number;
}

/** What the head of the lane needs: nothing, a wait, a send, or a dead letter / skip for the head. */
export type LanePlan =
  | { kind: 'idle' }
  | { kind: 'wait'; untilMs: number; reason: string }
  | { kind: 'blocked'; reason: string }
  | { kind: 'send'; batch: Pending[]; deadlineMs: number; notBeforeMs?: number };

/** The head leaves the queue without being sent: dead-lettered (age, late policy, purchase) or skipped (lane stopped). */
export type HeadVerdict = {
  outcome: 'dead-lettered' | 'skipped';
  pending: Pending;
  reason: string;
  /** A retry deadline after failed attempts: the vendor's last answer (Pending.lastFailure). */
  lastFailure?: Pending['lastFailure'];
};

/**
 * When a delivery may go, ignoring everything but time: after the gate, and (unless it arrived to a quiet lane)
 * a settle window after it happened, or arrived if earlier.
 */
export function readyAt(pending: Pending, ctx: Pick<LaneContext, 'gateAtMs' | 'policy'>): number {
  if (pending.quiet) return ctx.gateAtMs;
  return Math.max(ctx.gateAtMs, Math.min(pending.arrivedAtMs, pending.item.occurredAtMs) + ctx.policy.settleWindow);
}

export class Lane {
  readonly queue: Pending[];
  readonly highWater: Record<string, number>;
  lastArrivalMs: number | undefined;
  last: LaneLast | undefined;
  retrying: (LaneFailureReport & { sinceMs: number }) | undefined;
  stopped: { reason: string; atMs: number } | undefined;
  readonly counts: LaneSnapshot['counts'];
  private readonly tally: Tally;

  constructor(
    readonly destination: Destination,
    snapshot?: LaneSnapshot,
  ) {
    this.queue = snapshot?.queue ?? [];
    this.highWater = snapshot?.highWater ?? {};
    this.lastArrivalMs = snapshot?.lastArrivalMs;
    this.last = snapshot?.last;
    this.retrying = snapshot?.retrying;
    this.stopped = snapshot?.stopped;
    this.counts = snapshot?.counts ?? { delivered: 0, duplicate: 0, skipped: 0, deadLettered: 0 };
    this.tally = new Tally(this.queue);
  }

  /** Bytes of the deliveries queued (as JSON, measured when they were queued). */
  get bytes(): number {
    return this.tally.total;
  }

  private shift(): Pending {
    const head = this.queue.shift() as Pending;
    this.tally.remove(head);
    return head;
  }

  /**
   * A newly routed delivery joins the lane. The settle window exists so that events arriving close together
   * are sent in event-time order. With policy.settleLoneEvents false, a delivery arriving to a quiet lane
   * (nothing queued, which includes what is being sent: a batch leaves the queue only once its send ended; no
   * other arrival within the window) has nothing to be sorted against
   * yet and goes without waiting, saving a timer, a workflow task and the window's latency. The bet: an
   * earlier event arriving just after it goes second, which Adjust's chronological rule answers with a
   * restamp (its revenue intact); the chaos run's out-of-order pairs (500 ms apart) lose their order that
   * way, hence the default. With latePolicy `dead-letter` the late one would be lost: there every delivery waits.
   */
  arrive(pending: Pending, nowMs: number, policy: Pick<Policy, 'settleWindow' | 'settleLoneEvents' | 'latePolicy'>): void {
    const quiet =
      !policy.settleLoneEvents &&
      policy.latePolicy === 'restamp' &&
      this.queue.length === 0 &&
      (this.lastArrivalMs === undefined || nowMs - this.lastArrivalMs >= policy.settleWindow);
    if (quiet) pending.quiet = true;
    this.lastArrivalMs = nowMs;
    this.enqueue(pending);
  }

  /**
   * Inserts keeping (occurredAt, seq) order, but never ahead of a delivery that may already have reached the
   * vendor (a possible resend): the vendor may hold its time already, so a later arrival goes after it.
   */
  enqueue(pending: Pending): void {
    const queue = this.queue;
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
    this.tally.add(pending);
  }

  remove(pending: Pending): void {
    const index = this.queue.indexOf(pending);
    if (index < 0) return;
    this.queue.splice(index, 1);
    this.tally.remove(pending);
  }

  /** Raises the high-water marks after Adjust accepted `pending`. */
  markSent(pending: Pending, app: PublicAppConfig): void {
    if (this.destination !== 'adjust') return;
    raise(this.highWater, pending, app);
  }

  /**
   * The heads that must leave without being sent (with why), then the plan for what remains: the next batch,
   * or how long to wait. `purchaseOutcome` says how a refund's purchase delivery ended (undefined: unknown).
   */
  plan(ctx: LaneContext, purchaseOutcome: (deliveryId: string) => string | undefined): { verdicts: HeadVerdict[]; plan: LanePlan } {
    const verdicts: HeadVerdict[] = [];
    for (;;) {
      const head = this.queue[0];
      if (!head) return { verdicts, plan: { kind: 'idle' } };
      if (this.stopped) {
        verdicts.push({ outcome: 'skipped', pending: this.shift(), reason: `${this.destination} lane stopped: ${this.stopped.reason}` });
        continue;
      }
      const problem = this.headProblem(head, ctx, purchaseOutcome);
      if (problem === 'purchase-behind') {
        // Same event time, but the purchase arrived (or was redriven) later: the refund goes right after it.
        this.queue.shift();
        const at = this.queue.findIndex((p) => p.item.deliveryId === head.waitFor);
        this.queue.splice(at + 1, 0, head);
        continue;
      }
      if (problem === 'wait-for-purchase')
        return { verdicts, plan: { kind: 'blocked', reason: `refund ${head.item.deliveryId} waits for its purchase to reach AppsFlyer` } };
      if (problem === PAST_DEADLINE) {
        verdicts.push({ outcome: 'dead-lettered', ...pastDeadline(this.shift(), ctx, this.destination) });
        continue;
      }
      if (problem) {
        verdicts.push({ outcome: 'dead-lettered', pending: this.shift(), reason: problem });
        continue;
      }
      const at = readyAt(head, ctx);
      if (at > ctx.nowMs && at - ctx.nowMs <= (ctx.settleInAttemptMs ?? 0) && fresh(head)) {
        // Planned now, sent at `at` if still first: what is ready by then, never a delivery sent before.
        return { verdicts, plan: { ...this.collectBatch({ ...ctx, nowMs: at }, fresh), notBeforeMs: at } };
      }
      if (at > ctx.nowMs) {
        return {
          verdicts,
          plan: {
            kind: 'wait',
            untilMs: at,
            reason: `${this.destination}: ${at === ctx.gateAtMs ? 'post-install gate' : 'settle window'} until ${isoTime(at)}`,
          },
        };
      }
      return { verdicts, plan: this.collectBatch(ctx) };
    }
  }

  /** A reason to dead-letter the head, 'purchase-behind', 'wait-for-purchase', or undefined when it may go. Applies restamps. */
  private headProblem(head: Pending, ctx: LaneContext, purchaseOutcome: (id: string) => string | undefined): string | undefined {
    const item = head.item;
    if (head.waitFor) {
      if (this.queue.some((p) => p !== head && p.item.deliveryId === head.waitFor)) return 'purchase-behind';
      const outcome = purchaseOutcome(head.waitFor);
      if (outcome === 'dead-lettered') return 'its purchase was dead-lettered for AppsFlyer; redrive the purchase and the refund together';
      if (outcome === 'pending') return 'wait-for-purchase';
    }
    if (deliveryDeadlineMs(item, ctx.policy) <= ctx.nowMs) return PAST_DEADLINE;
    if (this.destination !== 'adjust') return undefined;
    const keys = adjustOrderKeys(item.message, ctx.app);
    const hw = highWaterFor(this.highWater, keys, ctx.installedAtMs);
    const sec = Math.floor((item.sendAtMs ?? item.occurredAtMs) / SECOND);
    if (sec >= hw) return undefined;
    if (ctx.policy.latePolicy === 'dead-letter') {
      const why = keys.some((k) => this.highWater[k] !== undefined)
        ? `Adjust already accepted an event at ${isoTime(hw * SECOND)} for ${keys.join(' / ')}, and rejects older ones`
        : `it happened before the install (${isoTime(ctx.installedAtMs)}), which Adjust rejects`;
      return `late event: ${why} (latePolicy: dead-letter)`;
    }
    item.sendAtMs = hw * SECOND;
    return undefined;
  }

  /** The head and what may follow it in one activity: ready, in order, within count and bytes (and `admit`). */
  private collectBatch(ctx: LaneContext, admit: (pending: Pending) => boolean = () => true): Extract<LanePlan, { kind: 'send' }> {
    const batch: Pending[] = [];
    let deadlineMs = Infinity;
    let bytes = 0;
    const maxBytes = ctx.policy.maxBatchKiB * 1024;
    // Simulate high-water marks across the batch so later items see the earlier ones as sent.
    const simulated = { ...this.highWater };
    for (const pending of this.queue) {
      if (batch.length >= ctx.policy.maxBatchSize) break;
      const size = jsonBytes(pending.item);
      if (batch.length > 0) {
        if (bytes + size > maxBytes) break;
        if (readyAt(pending, ctx) > ctx.nowMs || !admit(pending)) break;
        if (pending.waitFor && !batch.some((b) => b.item.deliveryId === pending.waitFor)) break;
        if (this.destination === 'adjust') {
          const keys = adjustOrderKeys(pending.item.message, ctx.app);
          const sec = Math.floor((pending.item.sendAtMs ?? pending.item.occurredAtMs) / SECOND);
          if (sec < highWaterFor(simulated, keys, ctx.installedAtMs)) break; // the head logic decides
        }
        if (deliveryDeadlineMs(pending.item, ctx.policy) <= ctx.nowMs) break;
      }
      batch.push(pending);
      bytes += size;
      if (this.destination === 'adjust') raise(simulated, pending, ctx.app);
      deadlineMs = Math.min(deadlineMs, deliveryDeadlineMs(pending.item, ctx.policy));
    }
    return { kind: 'send', batch, deadlineMs };
  }

  toJSON(): LaneSnapshot {
    return {
      queue: this.queue,
      highWater: this.highWater,
      counts: this.counts,
      ...(this.lastArrivalMs !== undefined ? { lastArrivalMs: this.lastArrivalMs } : {}),
      ...(this.last ? { last: this.last } : {}),
      ...(this.retrying ? { retrying: this.retrying } : {}),
      ...(this.stopped ? { stopped: this.stopped } : {}),
    };
  }
}

/** headProblem's answer for a head past its deadline (pastDeadline says why). */
const PAST_DEADLINE = 'past-deadline';

/** A head past its deadline: a retry deadline with the vendor's last answer when a drain carried failed attempts over, else "too old". */
function pastDeadline(pending: Pending, ctx: LaneContext, destination: Destination): Pick<HeadVerdict, 'pending' | 'reason' | 'lastFailure'> {
  const { item, lastFailure } = pending;
  if (lastFailure) return { pending, reason: retryDeadlineReason(lastFailure.answer), lastFailure };
  const windowDays = Math.round((deliveryDeadlineMs(item, ctx.policy) - item.occurredAtMs) / 86_400_000);
  return { pending, reason: `too old: the event happened at ${isoTime(item.occurredAtMs)}, outside the ${destination} window (${windowDays} days)` };
}

/** Never handed to a send yet: the only deliveries a batch planned ahead of its time may carry. */
function fresh(pending: Pending): boolean {
  const item = pending.item;
  return item.firstAttemptAtMs === undefined && item.resend !== true && item.attemptsMade === undefined;
}

/** Newest created_at (seconds) Adjust holds for these keys; never before the install (rounded up). */
function highWaterFor(highWater: Record<string, number>, keys: string[], installedAtMs: number): number {
  let hw = Math.ceil(installedAtMs / SECOND);
  for (const key of keys) {
    const v = highWater[key];
    if (v !== undefined && v > hw) hw = v;
  }
  return hw;
}

function raise(highWater: Record<string, number>, pending: Pending, app: PublicAppConfig): void {
  const sec = Math.floor((pending.item.sendAtMs ?? pending.item.occurredAtMs) / SECOND);
  for (const key of adjustOrderKeys(pending.item.message, app)) {
    if ((highWater[key] ?? -Infinity) < sec) highWater[key] = sec;
  }
}
