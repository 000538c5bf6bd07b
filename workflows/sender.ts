// Sending for one user: starts one batch per lane at a time, tracks what is in flight, and hands every answer
// back to the user: the receipts, or what a failed send means for the delivery at the head of its batch.
// The lanes that start together send their first attempts in one call of sendFirstAttempts on the workflows'
// own worker: as one activity on the workflows' task queue (policy.firstSendAttempt `combined`, the default),
// or with `local` (opt-in) as a local activity inside the workflow task when each lane sends one delivery that
// no earlier attempt may have reached and no update is being answered (a lone event's deliveries to both
// vendors then cost no activity task and one workflow task fewer). A part that fails in a way worth retrying
// shows on its lane, waits the retry delay on a timer and goes to the send activity on its vendor's task
// queue, whose attempts continue the count. Retries are Temporal's (that activity's retry policy, bounded by
// the batch's deadline); what reaches the workflow is final: a 451 stops the lane, anything else (a rejection,
// an invalid request, a device never found, the retry deadline) is a dead letter with the vendor's status and
// message. A retryable failure ended only by a continue-as-new drain is no outcome: the delivery stays queued.
// A combined batch planned inside its settle window (SendBatchInput.notBeforeMs) waits it out in the activity,
// which sends it only if the workflow answers that it is still first in its lane (the stillFirst query); else
// it comes back deferred, unsent, and the lane plans again. Lost with its worker, it stays queued as a possible
// resend and the lane plans again too: an earlier event that arrived meanwhile goes first.
import * as wf from '@temporalio/workflow';
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure, type Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Policy } from '../domain/config';
import {
  type CombinedSendInput,
  type CombinedSendResult,
  type DeliveryItem,
  type Destination,
  type SendActivities,
  type SendBatchInput,
  type SendBatchResult,
  type SendFailureData,
} from '../domain/delivery';
import { NON_RETRYABLE_SEND_FAILURES, retryDeadlineReason, SendFailureType, type SendFailureDetails } from '../domain/errors';
import type { LaneFailureReport, Pending } from '../domain/snapshot';
import { workflowNow } from './clock';

const send = wf.proxyActivities<SendActivities>({ startToCloseTimeout: '1 minute' });
/**
 * The longest a first attempt may hold the workflow task: well under the task's 10 s timeout (the worker extends
 * a task after 8 s), so a slow vendor hands the delivery to its send activity (as a possible resend) instead.
 */
const LOCAL_ATTEMPT_TIMEOUT_MS = 5_000;
const sendLocal = wf.proxyLocalActivities<Pick<SendActivities, 'sendFirstAttempts'>>({ startToCloseTimeout: '1 minute' });
const ACTIVITY = { adjust: send.sendToAdjust, appsflyer: send.sendToAppsflyer } as const;
/**
 * The longest wait for time a combined first attempt takes on (the default settle window is 2 s): a batch whose
 * head may go within this is planned at once instead of after a timer, saving a timer and a workflow task.
 */
export const SETTLE_IN_ATTEMPT_MAX_MS = 10_000;
/** The patch id: runs started before first attempts could wait out the settle window keep the settle timer. */
export const SETTLE_IN_ATTEMPT_PATCH = 'settle-in-first-attempt';

/** Whether this run may plan combined first attempts inside the settle window: asked once, as the run starts. */
export function settleInAttempt(): boolean {
  return wf.patched(SETTLE_IN_ATTEMPT_PATCH);
}

export interface BatchRequest {
  destination: Destination;
  batch: Pending[];
  deadlineMs: number;
  input: SendBatchInput;
  taskQueue: string;
  summary: string;
  policy: Policy;
  /** Whether its first attempt goes in the combined activity (WorkflowSettings.combinedFirstAttempt). */
  combined: boolean;
}

/** How a batch's send ended: its result, a failure, or neither (handed back unsent: `deferred` says why). */
export interface BatchDone {
  destination: Destination;
  batch: Pending[];
  result?: SendBatchResult;
  failure?: SendFailureVerdict;
  deferred?: string;
}

/**
 * How a lane's part of the combined first attempt ended: its result, a failure worth retrying, a final error,
 * handed back unsent (`deferred`), or `lost` (a batch planned inside its settle window, the whole activity failed).
 */
export type FirstAttempt =
  | { kind: 'result'; result: SendBatchResult }
  | { kind: 'retry'; report: LaneFailureReport; delay: Duration }
  | { kind: 'final'; error: unknown }
  | { kind: 'deferred'; reason: string }
  | { kind: 'lost' };

export class Sender {
  private readonly running: Partial<Record<Destination, Promise<void>>> = {};
  /** Cancellation scopes, made on first use (each costs promises on every replay of a run that never sends). */
  private readonly scopes: Partial<Record<Destination | 'combined', wf.CancellationScope>> = {};
  readonly inFlight: Record<Destination, string[]> = { adjust: [], appsflyer: [] };
  private stopping = false;

  constructor(
    private readonly onDone: (done: BatchDone) => void,
    /** A lane's part of the combined first attempt failed and will be retried: what the lane shows meanwhile. */
    private readonly onRetrying: (report: LaneFailureReport) => void,
  ) {}

  /** The scope of a lane's sends (or of the combined first attempt); one made after stop() starts cancelled. */
  private scope(name: Destination | 'combined'): wf.CancellationScope {
    let scope = this.scopes[name];
    if (!scope) {
      scope = this.scopes[name] = new wf.CancellationScope();
      if (this.stopping) scope.cancel();
    }
    return scope;
  }

  busy(destination: Destination): boolean {
    return this.stopping || this.running[destination] !== undefined;
  }

  /** stop() was called: nothing new starts. */
  get stopped(): boolean {
    return this.stopping;
  }

  get sending(): number {
    return this.inFlight.adjust.length + this.inFlight.appsflyer.length;
  }

  /**
   * Starts the batches one plan decided (one per idle lane): the first attempts of those allowed together, in one
   * (local) activity; `mayHoldTask`: no update's answer waits for this workflow task to end (workflows/update-watch.ts).
   */
  start(requests: BatchRequest[], nowMs: number, mayHoldTask = false): void {
    for (const r of requests) this.inFlight[r.destination] = r.batch.map((p) => p.item.deliveryId);
    const together = requests.filter((r) => r.combined);
    const attempts = together.length > 0 ? this.firstAttempts(together, nowMs, mayHoldTask && inWorkflowTask(together)) : undefined;
    for (const request of requests) {
      const i = together.indexOf(request);
      this.running[request.destination] = this.run(request, nowMs, attempts && i >= 0 ? attempts.then((all) => all[i] as FirstAttempt) : undefined);
    }
  }

  private async run(request: BatchRequest, nowMs: number, firstAttempt?: Promise<FirstAttempt>): Promise<void> {
    const { destination, batch } = request;
    let done: BatchDone;
    try {
      const first = await firstAttempt;
      if (first?.kind === 'final') throw first.error;
      if (first?.kind === 'result') {
        done = { destination, batch, result: first.result };
      } else if (first?.kind === 'deferred') {
        done = { destination, batch, deferred: first.reason };
      } else if (first?.kind === 'lost') {
        // Possibly sent before the worker was lost: kept queued as a possible resend and planned again, after any
        // earlier event that arrived meanwhile.
        done = { destination, batch, failure: { kind: 'interrupted' } };
      } else {
        if (first) {
          this.onRetrying(first.report);
          await this.scope(destination).run(() => wf.sleep(first.delay));
        }
        // After the first attempt, the vendor's activity continues its count, as a resend.
        done = { destination, batch, result: await this.scope(destination).run(() => this.activity(request, first ? workflowNow() : nowMs, first ? 1 : 0)) };
      }
    } catch (error) {
      done = { destination, batch, failure: sendFailureVerdict(destination, error, wf.isCancellation(error)) };
    }
    this.inFlight[destination] = [];
    delete this.running[destination];
    this.onDone(done);
  }

  /** The combined first attempt of these lanes: one (local) activity on the workflows' worker, each lane's answer apart. */
  private async firstAttempts(requests: BatchRequest[], nowMs: number, local: boolean): Promise<FirstAttempt[]> {
    const input: CombinedSendInput = Object.fromEntries(requests.map((r) => [r.destination, r.input]));
    const [first] = requests as [BatchRequest, ...BatchRequest[]];
    const attemptMs = msToNumber(first.policy.retry.attemptTimeout);
    // A batch planned inside its settle window: the attempt waits that out first.
    const settleMs = Math.max(0, ...requests.map((r) => (r.input.notBeforeMs ?? nowMs) - nowMs));
    const options = {
      summary: requests.map((r) => r.summary).join(' | '),
      startToCloseTimeout: local ? Math.min(attemptMs, LOCAL_ATTEMPT_TIMEOUT_MS) : attemptMs + settleMs,
      // One attempt: a failed part is retried by its vendor's activity, on its own schedule.
      retry: { maximumAttempts: 1 },
      cancellationType: wf.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    };
    let result: CombinedSendResult;
    try {
      result = await this.scope('combined').run(() =>
        local ? sendLocal.sendFirstAttempts.executeWithOptions(options, [input]) : send.sendFirstAttempts.executeWithOptions(options, [input]),
      );
    } catch (error) {
      // The whole activity failed (a worker lost, a timeout, the drain): every lane decides from that.
      return requests.map((r) => (r.input.notBeforeMs !== undefined && !wf.isCancellation(error) ? { kind: 'lost' } : firstAttemptFailure(r, error)));
    }
    return requests.map((r): FirstAttempt => {
      const part = result[r.destination];
      if (part?.ok) return { kind: 'result', result: part.result };
      if (part && 'deferred' in part) return { kind: 'deferred', reason: part.deferred };
      return firstAttemptFailure(
        r,
        part
          ? asFailure(part.failure)
          : ApplicationFailure.create({ message: `no answer for ${r.destination} in the combined first attempt`, type: SendFailureType.transient }),
      );
    });
  }

  /**
   * The send activity on the vendor's task queue, with Temporal's durable retries up to the batch's deadline.
   * `firstAttempts`: attempts made in this run's first attempt, added to those of earlier runs (input.priorAttempts).
   */
  private activity(request: BatchRequest, nowMs: number, firstAttempts: number): Promise<SendBatchResult> {
    const { destination, deadlineMs, policy } = request;
    const retry = policy.retry;
    const { notBeforeMs: _settled, ...planned } = request.input;
    const priorAttempts = (planned.priorAttempts ?? 0) + firstAttempts;
    const input: SendBatchInput = priorAttempts > 0 ? { ...planned, priorAttempts } : planned;
    return ACTIVITY[destination].executeWithOptions(
      {
        taskQueue: request.taskQueue,
        summary: request.summary,
        // One attempt timeout whatever the batch size: the activity stops early (returning what it sent)
        // when less than one request's worst case is left, so a batch lost with its worker is retried.
        startToCloseTimeout: retry.attemptTimeout,
        // The activity ends retries at the deadline itself (S2SDeadlinePassed, with the vendor's last
        // answer); this is the backstop, one attempt later, e.g. when no worker ran until past it.
        scheduleToCloseTimeout: Math.max(1_000, deadlineMs - nowMs) + retry.attemptTimeout,
        cancellationType: wf.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        retry: {
          initialInterval: retry.initialInterval,
          backoffCoefficient: retry.backoffCoefficient,
          maximumInterval: retry.maximumInterval,
          nonRetryableErrorTypes: NON_RETRYABLE_SEND_FAILURES,
        },
      },
      [input],
    );
  }

  /** Stops starting sends and cancels those in flight; resolves when every one has ended (cleanly). */
  async stop(): Promise<number> {
    this.stopping = true;
    const inFlight = this.sending;
    for (const scope of Object.values(this.scopes)) scope.cancel();
    await Promise.all(Object.values(this.running));
    return inFlight;
  }
}

export type SendFailureVerdict =
  /** `attempt`: the delivery's attempt that failed as the drain cancelled it, when the failure says. */
  | { kind: 'interrupted'; attempt?: number }
  | { kind: 'opted-out'; status?: number; message: string }
  | { kind: 'dead-letter'; reason: string; status?: number; detail: string; attempts?: number };

/**
 * The drain cancelled the activity while an attempt was running; that attempt then failed in a way Temporal
 * would have retried, so the server ended it with retry state CANCEL_REQUESTED instead of retrying.
 */
function interruptedByCancel(error: unknown): boolean {
  if (!(error instanceof ActivityFailure) || error.retryState !== RetryState.CANCEL_REQUESTED) return false;
  const cause = error.cause;
  return !(cause instanceof ApplicationFailure && (cause.nonRetryable || NON_RETRYABLE_SEND_FAILURES.includes(cause.type ?? '')));
}

/**
 * Whether the combined first attempt runs as a local activity: policy `local`, and each lane sends one delivery
 * that no earlier attempt may have reached. A local activity that a lost worker cut short runs again from
 * attempt 1 in the retried workflow task, unaware of it; for one fresh delivery that is what a retry of the
 * regular activity would send too, while a batch or a possible resend needs the attempt count (an Adjust
 * out-of-order refusal of a resend counts as delivered), so those keep the regular activity.
 */
export function inWorkflowTask(requests: readonly BatchRequest[]): boolean {
  return requests.every((r) => r.policy.firstSendAttempt === 'local' && r.batch.length === 1 && r.batch[0]?.item.resend !== true);
}

/** A lane's first-attempt failure: final (the send's failure), or retried by its vendor's activity after the delay. */
export function firstAttemptFailure(request: BatchRequest, error: unknown): FirstAttempt {
  if (wf.isCancellation(error)) return { kind: 'final', error };
  const app = failureOf(error);
  if (app && (app.nonRetryable || NON_RETRYABLE_SEND_FAILURES.includes(app.type ?? ''))) return { kind: 'final', error };
  const details = app?.details?.[0] as SendFailureDetails | undefined;
  const report: LaneFailureReport = {
    destination: request.destination,
    deliveryId: details?.deliveryId ?? (request.batch[0] as Pending).item.deliveryId,
    attempt: details?.attempt ?? (request.input.priorAttempts ?? 0) + 1,
    type: (app?.type as SendFailureType | undefined) ?? SendFailureType.transient,
    ...(details?.status !== undefined ? { status: details.status } : {}),
    answer: details?.message ?? app?.message ?? (error instanceof ActivityFailure && error.cause ? error.cause.message : String(error)),
  };
  return { kind: 'retry', report, delay: app?.nextRetryDelay ?? request.policy.retry.initialInterval };
}

/**
 * How many attempts an interrupted batch's head has had in all: what it had before, the attempt that failed as the
 * drain cancelled it, or the lane's last failure report of it (the drain met the activity between attempts).
 */
export function interruptedAttempts(head: DeliveryItem, failedAttempt: number | undefined, lastReport: LaneFailureReport | undefined): number {
  const reported = lastReport?.deliveryId === head.deliveryId ? lastReport.attempt : 0;
  return Math.max(head.attemptsMade ?? 0, failedAttempt ?? 0, reported);
}

/** The ApplicationFailure a part of the combined first attempt would have thrown. */
function asFailure(f: SendFailureData): ApplicationFailure {
  return ApplicationFailure.create({
    message: f.message,
    type: f.type,
    nonRetryable: f.nonRetryable,
    ...(f.details ? { details: [f.details] } : {}),
    ...(f.nextRetryDelayMs !== undefined ? { nextRetryDelay: f.nextRetryDelayMs } : {}),
  });
}

/** The ApplicationFailure a send failed with (directly, or the cause of a timeout). */
function failureOf(error: unknown): ApplicationFailure | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return cause;
  return cause instanceof TimeoutFailure && cause.cause instanceof ApplicationFailure ? cause.cause : undefined;
}

export function sendFailureVerdict(destination: Destination, error: unknown, cancelled: boolean): SendFailureVerdict {
  const app = failureOf(error);
  const details = app?.details?.[0] as SendFailureDetails | undefined;
  if (cancelled || interruptedByCancel(error)) return { kind: 'interrupted', ...(details?.attempt !== undefined ? { attempt: details.attempt } : {}) };
  const cause = error instanceof ActivityFailure ? error.cause : error;
  const status = details?.status;
  const message = details?.message ?? app?.message ?? (cause instanceof Error ? cause.message : String(cause));
  if (app?.type === SendFailureType.optedOut) return { kind: 'opted-out', ...(status !== undefined ? { status } : {}), message };
  const deadline =
    cause instanceof TimeoutFailure ||
    app?.type === SendFailureType.deadlinePassed ||
    (error instanceof ActivityFailure && error.retryState === RetryState.TIMEOUT);
  const reason = deadline
    ? retryDeadlineReason(message)
    : app?.type === SendFailureType.invalidRequest
      ? `not sent: ${message}`
      : `${destination} ${app?.type === SendFailureType.deviceNotFound ? 'never found the device' : 'rejected the event'}: ${message}`;
  return {
    kind: 'dead-letter',
    reason,
    ...(status !== undefined ? { status } : {}),
    detail: message,
    ...(details?.attempt !== undefined ? { attempts: details.attempt } : {}),
  };
}
