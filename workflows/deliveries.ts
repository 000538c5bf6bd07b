// A user's deliveries: one lane per vendor, what is being sent, the outcome of every delivery and the dead
// letters. Routes an accepted message into the lanes (or a visible skip), starts the next batch of a lane
// when its head may go (or, with settleInAttempt, plans it inside its settle window for the first attempt to
// wait out), records every answer, and re-queues dead letters on redrive.
import * as wf from '@temporalio/workflow';
import type { Signup } from '../domain/contract/install';
import { timestampMs } from '../domain/contract/time';
import {
  deliveryDeadlineMs,
  messageId,
  occurredAtMs,
  dedupKey,
  DESTINATIONS,
  type Destination,
  type DeliveryItem,
  type LaneBatchIds,
  type StillFirstAnswer,
} from '../domain/delivery';
import { deliveryId } from '../domain/ids';
import { isSkip, route } from '../domain/routing';
import type { DeadLetterRecord, HeldMessage, LaneFailureReport, Pending, UserSnapshot } from '../domain/snapshot';
import type { WorkflowSettings } from '../domain/settings';
import type { Counters, DeliveryOutcome } from '../domain/status';
import type { Alarm } from './alarm';
import { isoTime, workflowNow } from './clock';
import { DeadLetters } from './dead-letters';
import { Lane, type HeadVerdict } from './lane';
import { countOutcome, recordGateWait } from './metrics';
import { displayName, OutcomeLog } from './outcomes';
import type { Purchases } from './purchases';
import { interruptedAttempts, Sender, SETTLE_IN_ATTEMPT_MAX_MS, type BatchDone, type BatchRequest } from './sender';
import { activitySummary, gateAtMs } from './status-view';

type FinalOutcome = Exclude<DeliveryOutcome, 'pending'>;
export interface OutcomeDetails {
  status?: number;
  /** The vendor's answer or the local explanation. */
  detail?: string;
  /** Dead letters: the short reason; defaults to detail. */
  reason?: string;
  attempts?: number;
}

export class Deliveries {
  readonly lanes: Record<Destination, Lane>;
  readonly outcomes: OutcomeLog;
  readonly letters: DeadLetters;
  private readonly sender: Sender;

  constructor(
    snapshot: UserSnapshot | undefined,
    private readonly counters: Counters,
    private readonly purchases: Purchases,
    /** The user's settings as they are now (they change when reloaded). */
    private readonly settings: () => WorkflowSettings,
    /** Called whenever something visible changed (wakes the main loop). */
    private readonly changed: () => void,
    /** Combined first attempts may be planned inside the settle window (off for runs recorded before; user-workflow.ts). */
    private readonly settleInAttempt = false,
  ) {
    this.lanes = { adjust: new Lane('adjust', snapshot?.lanes.adjust), appsflyer: new Lane('appsflyer', snapshot?.lanes.appsflyer) };
    this.outcomes = OutcomeLog.from(snapshot?.outcomes);
    this.letters = new DeadLetters(snapshot?.deadLetters);
    this.sender = new Sender(
      (done) => this.onBatchDone(done),
      (report) => this.laneFailure(report, workflowNow()),
    );
  }

  get inFlight(): Record<Destination, string[]> {
    return this.sender.inFlight;
  }
  get queued(): number {
    return this.lanes.adjust.queue.length + this.lanes.appsflyer.queue.length;
  }
  /** Nothing queued and no lane sending or waiting to retry. */
  get idle(): boolean {
    return this.queued === 0 && !this.sender.busy('adjust') && !this.sender.busy('appsflyer');
  }
  /** Bytes queued in the lanes and kept as dead letters. */
  get bytes(): number {
    return this.lanes.adjust.bytes + this.lanes.appsflyer.bytes + this.letters.bytes;
  }

  /** Routes one accepted message of a user whose install and app are known: a delivery per vendor, queued or skipped. */
  route(held: HeldMessage, install: Signup, nowMs: number): void {
    const settings = this.settings();
    const app = settings.app;
    if (!app) return;
    const key = dedupKey(held.message);
    for (const destination of DESTINATIONS) {
      const item: DeliveryItem = {
        deliveryId: deliveryId(install.userId, key, destination),
        destination,
        message: held.message,
        occurredAtMs: occurredAtMs(held.message),
      };
      const pending: Pending = { item, arrivedAtMs: held.arrivedAtMs, seq: held.seq, redrives: 0 };
      const r = route(destination, held.message, app, install);
      if (isSkip(r)) {
        // A vendor the app does not use at all gets no outcome; one it uses gets a visible skip.
        if (destination === 'adjust' ? app.adjust : app.appsflyer) this.finish(pending, 'skipped', nowMs, { detail: r.skip });
        continue;
      }
      const reason = this.skipReason(pending, settings, nowMs);
      if (reason) {
        this.finish(pending, 'skipped', nowMs, { detail: reason });
        continue;
      }
      const message = held.message;
      if (destination === 'appsflyer' && message.kind === 'track') this.purchases.setAppsflyerDelivery(message.track.eventId, item.deliveryId);
      if (destination === 'appsflyer' && message.kind === 'refund') {
        const waitFor = this.purchases.get(message.refund.purchaseEventId)?.appsflyerDeliveryId;
        if (waitFor) pending.waitFor = waitFor;
      }
      this.outcomes.pending(item);
      this.lanes[destination].arrive(pending, nowMs, settings.policy);
    }
  }

  /** Why this vendor cannot take the delivery given the user's state: lane stopped, window passed, refund of an unsent purchase. */
  private skipReason(pending: Pending, settings: WorkflowSettings, nowMs: number): string | undefined {
    const { destination, message } = pending.item;
    const lane = this.lanes[destination];
    if (lane.stopped) return `${destination} lane stopped: ${lane.stopped.reason}`;
    if (message.kind === 'refund' && destination === 'appsflyer') {
      const purchaseDelivery = this.purchases.get(message.refund.purchaseEventId)?.appsflyerDeliveryId;
      if (!purchaseDelivery) return `purchase "${message.refund.purchaseEventId}" was not sent to AppsFlyer, so neither is its refund`;
      if (this.outcomes.get(purchaseDelivery)?.outcome === 'skipped')
        return `purchase "${message.refund.purchaseEventId}" was skipped for AppsFlyer, so its refund is too`;
    }
    if (deliveryDeadlineMs(pending.item, settings.policy) <= nowMs)
      return `older than the ${destination} window: the event happened at ${isoTime(pending.item.occurredAtMs)}`;
    return undefined;
  }

  /**
   * Plans each idle lane: heads that must leave (dead letter, skip), then the next batch, or a wake-up for when it
   * may go. `mayHoldTask`: the first attempts may run inside this workflow task (no update's answer waits for it).
   */
  pump(install: Signup, nowMs: number, alarm: Alarm, mayHoldTask = false): void {
    const settings = this.settings();
    const app = settings.app;
    if (!app) return;
    const requests: BatchRequest[] = [];
    for (const destination of DESTINATIONS) {
      if (this.sender.busy(destination)) continue;
      const combined = settings.combinedFirstAttempt.includes(destination);
      const ctx = {
        nowMs,
        installedAtMs: timestampMs(install.installedAt),
        gateAtMs: gateAtMs(install, settings) as number,
        policy: settings.policy,
        app,
        settleInAttemptMs: this.settleInAttempt && combined && settings.policy.firstSendAttempt === 'combined' ? SETTLE_IN_ATTEMPT_MAX_MS : 0,
      };
      // A purchase whose outcome was forgotten from the (bounded) log is still found among the dead letters.
      const purchaseOutcome = (id: string) => this.outcomes.get(id)?.outcome ?? (this.letters.has(id) ? 'dead-lettered' : undefined);
      const { verdicts, plan } = this.lanes[destination].plan(ctx, purchaseOutcome);
      for (const v of verdicts) this.finish(v.pending, v.outcome, nowMs, headDetails(v));
      if (plan.kind === 'wait') alarm.wakeAt(plan.untilMs, plan.reason);
      if (plan.kind !== 'send') continue;
      recordGateWait(destination, plan.batch, plan.notBeforeMs ?? nowMs); // planned ahead: it goes at notBeforeMs
      for (const p of plan.batch) p.item.firstAttemptAtMs ??= plan.notBeforeMs ?? nowMs;
      const items = plan.batch.map((p) => p.item);
      // The batch's attempts are its head's: a batch retried after a drain continues the head's count.
      const priorAttempts = items[0]?.attemptsMade ?? 0;
      const input = {
        app: install.app,
        user: install,
        items,
        deadlineMs: plan.deadlineMs,
        ...(priorAttempts > 0 ? { priorAttempts } : {}),
        ...(plan.notBeforeMs !== undefined ? { notBeforeMs: plan.notBeforeMs } : {}),
      };
      requests.push({
        destination,
        batch: plan.batch,
        deadlineMs: plan.deadlineMs,
        input,
        taskQueue: settings.taskQueues[destination],
        summary: activitySummary(destination, items, app),
        policy: settings.policy,
        combined,
      });
    }
    if (requests.length === 0) return;
    this.sender.start(requests, nowMs, mayHoldTask);
    this.changed();
  }

  /**
   * The stillFirst query: whether each lane's batch (delivery ids) is the one it is sending and still first in its
   * queue, nothing sorted ahead of it since it was planned; false while stopping, when the lane stopped, or when
   * the user `held` a message back from routing (it may belong before the batch).
   */
  stillFirst(batches: LaneBatchIds, held = false): StillFirstAnswer {
    const answer: StillFirstAnswer = {};
    for (const destination of DESTINATIONS) {
      const ids = batches[destination];
      if (!Array.isArray(ids)) continue;
      const lane = this.lanes[destination];
      const sending = this.sender.inFlight[destination];
      answer[destination] =
        !held &&
        !this.sender.stopped &&
        !lane.stopped &&
        ids.length > 0 &&
        ids.length === sending.length &&
        ids.every((id, i) => sending[i] === id && lane.queue[i]?.item.deliveryId === id);
    }
    return answer;
  }

  /** Stops starting sends and lets those in flight end (continue-as-new, forget). Resolves with how many there were. */
  stop(): Promise<number> {
    return this.sender.stop();
  }

  private onBatchDone(done: BatchDone): void {
    const { destination, batch } = done;
    const lane = this.lanes[destination];
    const nowMs = workflowNow();
    const app = this.settings().app;
    const lastReport = lane.retrying;
    lane.retrying = undefined;
    if (done.result) {
      const possiblyAccepted = new Set(done.result.possiblyAccepted ?? []);
      for (const p of batch) if (possiblyAccepted.has(p.item.deliveryId)) p.item.resend = true;
      done.result.receipts.forEach((receipt, i) => {
        const pending = batch[i];
        if (!pending || pending.item.deliveryId !== receipt.deliveryId) return;
        lane.remove(pending);
        if (app) lane.markSent(pending, app);
        this.finish(pending, receipt.outcome, nowMs, { status: receipt.status, detail: receipt.answer, attempts: receipt.attempt });
      });
    } else if (done.failure) {
      const verdict = done.failure;
      if (verdict.kind === 'interrupted') {
        // The drain cancelled it: the items stay queued; an attempt on a worker that died may have reached the vendor.
        for (const p of batch) p.item.resend = true;
        const first = batch[0] as Pending;
        const head = first.item;
        const attempts = interruptedAttempts(head, verdict.attempt, lastReport);
        if (attempts > 0) head.attemptsMade = attempts;
        if (lastReport?.deliveryId === head.deliveryId) {
          first.lastFailure = { answer: lastReport.answer, ...(lastReport.status !== undefined ? { status: lastReport.status } : {}) };
        }
      } else {
        const head = batch[0] as Pending;
        lane.remove(head);
        if (verdict.kind === 'opted-out') {
          lane.stopped = { reason: `device opted out (${verdict.status ?? 451}: ${verdict.message})`, atMs: nowMs };
          this.finish(head, 'skipped', nowMs, { ...(verdict.status !== undefined ? { status: verdict.status } : {}), detail: `opted out: ${verdict.message}` });
          wf.log.warn('device opted out; lane stopped', { destination });
        } else {
          this.finish(head, 'dead-lettered', nowMs, {
            reason: verdict.reason,
            detail: verdict.detail,
            ...(verdict.status !== undefined ? { status: verdict.status } : {}),
            ...(verdict.attempts !== undefined ? { attempts: verdict.attempts } : {}),
          });
        }
      }
    }
    this.changed();
  }

  /** Records how a delivery ended: outcome log, lane view and counts, metrics, and a dead letter when it is one. */
  finish(pending: Pending, outcome: FinalOutcome, nowMs: number, d: OutcomeDetails): void {
    const item = pending.item;
    const lane = this.lanes[item.destination];
    this.outcomes.finish(item, outcome, nowMs, d);
    lane.last = {
      deliveryId: item.deliveryId,
      messageId: messageId(item.message),
      name: displayName(item),
      outcome,
      atMs: nowMs,
      ...(d.status !== undefined ? { status: d.status } : {}),
      ...(d.detail !== undefined ? { detail: d.detail } : {}),
    };
    countOutcome(item.destination, outcome, nowMs - pending.arrivedAtMs);
    lane.counts[outcome === 'dead-lettered' ? 'deadLettered' : outcome] += 1;
    if (outcome === 'delivered') this.counters.delivered += 1;
    if (outcome === 'duplicate') this.counters.vendorDuplicates += 1;
    if (outcome === 'skipped') this.counters.skipped += 1;
    if (outcome === 'dead-lettered') {
      this.counters.deadLettered += 1;
      this.letters.add({
        id: item.deliveryId,
        item: { ...item },
        reason: d.reason ?? d.detail ?? 'dead-lettered',
        ...(d.status !== undefined ? { status: d.status, ...(d.detail !== undefined ? { vendorMessage: d.detail } : {}) } : {}),
        ...(d.attempts !== undefined ? { attempts: d.attempts } : {}),
        atMs: nowMs,
        redrives: pending.redrives,
      });
    }
    this.changed();
  }

  /** Puts a dead-lettered delivery back in its lane, fresh: no restamp (the late policy applies again), retries counted anew. */
  requeue(letter: DeadLetterRecord & { item: DeliveryItem }, seq: number, nowMs: number): void {
    const { sendAtMs: _restamp, firstAttemptAtMs: _first, resend: _resend, attemptsMade: _attempts, ...item } = letter.item;
    const message = item.message;
    const waitFor =
      item.destination === 'appsflyer' && message.kind === 'refund' ? this.purchases.get(message.refund.purchaseEventId)?.appsflyerDeliveryId : undefined;
    this.outcomes.pending(item);
    this.lanes[item.destination].enqueue({ item, arrivedAtMs: nowMs, seq, redrives: letter.redrives + 1, ...(waitFor ? { waitFor } : {}) });
  }

  /** A send activity reports a failed attempt it will retry: the lane shows the vendor's answer until the send ends. */
  laneFailure(report: LaneFailureReport, nowMs: number): void {
    if (!this.sender.inFlight[report.destination].includes(report.deliveryId)) return; // a late report of a finished send
    const lane = this.lanes[report.destination];
    lane.retrying = { ...report, sinceMs: lane.retrying?.deliveryId === report.deliveryId ? lane.retrying.sinceMs : nowMs };
    this.changed();
  }
}

/** How a head that left its lane unsent is recorded: its reason, and after failed attempts the vendor's last answer. */
function headDetails(v: HeadVerdict): OutcomeDetails {
  const failure = v.lastFailure;
  if (!failure) return { detail: v.reason };
  const attempts = v.pending.item.attemptsMade;
  return {
    reason: v.reason,
    detail: failure.answer,
    ...(failure.status !== undefined ? { status: failure.status } : {}),
    ...(attempts !== undefined ? { attempts } : {}),
  };
}
