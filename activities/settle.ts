// The settle window, waited out inside the combined first attempt. A lane whose head may go within a few
// seconds (its settle window) plans the batch at once with the time it may go (SendBatchInput.notBeforeMs),
// instead of waking on a timer: one timer and one workflow task fewer per event. The attempt waits until that
// time, then asks its workflow (the stillFirst query, which sees every message recorded before it) whether each
// such batch is still first in its lane. An earlier event that arrived meanwhile sorts ahead of it, so the
// answer is no: the batch goes back unsent (deferred) and the lane plans again, with the earlier event first.
// An attempt picked up long after it was scheduled does not ask: the worker that planned it has most likely
// died, and a query to a workflow no worker has cached makes Temporal's Core SDK rebuild it and apply its newest
// events at the time of its last workflow task, so the workflow acts on a stale clock and records commands its
// replay does not make (docs/fault-tolerance.md, "The stale clock"). The batch goes back instead; the lane sends
// it again without a settle wait (it is no longer fresh), so without a question. A question left without an
// answer is withdrawn (its request cancelled): left waiting in the server, it would be answered later by whatever
// worker polls next, maybe one that rebuilds the workflow while events wait, which is the same stale clock.
import type { Context } from '@temporalio/activity';
import { DESTINATIONS, type CombinedSendInput, type Destination, type LaneBatchIds, type StillFirstAnswer } from '../domain/delivery';
import { queries } from '../domain/workflow-api';
import { NoAnswerError, ownRun, within } from './own-workflow';

/** How long the workflow may take to answer: past this, the batch goes back and the lane plans again. */
export const STILL_FIRST_TIMEOUT_MS = 5_000;

/**
 * An attempt that started this long after it was scheduled hands its settling batches back without asking: a
 * healthy worker picks an attempt up within a second; a longer delay means the worker that scheduled it (and had
 * the workflow cached) is most likely gone.
 */
export const LATE_PICKUP_MS = 3_000;

/**
 * Why a first attempt should not ask its workflow, or undefined: it was scheduled before this worker process
 * started (the process that planned it, and had the workflow cached, is gone), or it was picked up late.
 */
export function reasonNotToAsk(t: { scheduledAtMs: number; startedAtMs: number; workerStartedAtMs: number }): string | undefined {
  if (t.scheduledAtMs < t.workerStartedAtMs) return 'scheduled before this worker started: the worker that planned it is gone, so the workflow is not asked';
  const delayMs = t.startedAtMs - t.scheduledAtMs;
  if (delayMs > LATE_PICKUP_MS)
    return `picked up ${(delayMs / 1000).toFixed(1)} s after it was scheduled: its worker is most likely gone, so the workflow is not asked`;
  return undefined;
}

/**
 * Asks the workflow about these batches (the attempt's own run, by default; tests may answer themselves).
 * `withdrawn` fires when the answer is no longer wanted: the request must then be cancelled.
 */
export type AskStillFirst = (batches: LaneBatchIds, withdrawn: AbortSignal) => Promise<StillFirstAnswer>;

/**
 * Waits out each settling lane's window, then asks once per distinct time for the lanes due then. Resolves per
 * lane: undefined to send now (no window, or still first), or why the batch goes back unsent. `notAsking`
 * (reasonNotToAsk): every settling lane goes back at once with that reason.
 */
export function settleLanes(
  context: Pick<Context, 'sleep'>,
  input: CombinedSendInput,
  ask: AskStillFirst,
  clock: { nowMs?: () => number; timeoutMs?: number; notAsking?: string } = {},
): Partial<Record<Destination, Promise<string | undefined>>> {
  const { nowMs = Date.now, timeoutMs = STILL_FIRST_TIMEOUT_MS, notAsking } = clock;
  const due = new Map<number, LaneBatchIds>();
  for (const vendor of DESTINATIONS) {
    const at = input[vendor]?.notBeforeMs;
    if (at === undefined) continue;
    const batches = due.get(at) ?? {};
    batches[vendor] = (input[vendor]?.items ?? []).map((item) => item.deliveryId);
    due.set(at, batches);
  }
  const answers = new Map<number, Promise<StillFirstAnswer | string>>();
  for (const [at, batches] of due)
    answers.set(at, notAsking ? Promise.resolve(notAsking) : afterWait(context, at, nowMs(), timeoutMs, (withdrawn) => ask(batches, withdrawn)));
  const out: Partial<Record<Destination, Promise<string | undefined>>> = {};
  for (const vendor of DESTINATIONS) {
    const at = input[vendor]?.notBeforeMs;
    const answer = at === undefined ? undefined : answers.get(at);
    if (!answer) continue;
    out[vendor] = answer.then((a) => (typeof a === 'string' ? a : a[vendor] === true ? undefined : 'something now goes before it in its lane'));
  }
  return out;
}

/**
 * Sleeps until `at` (a cancellation rejects), then asks; an answer that fails or is late is a reason to hand back,
 * and a late one is withdrawn.
 */
async function afterWait(
  context: Pick<Context, 'sleep'>,
  at: number,
  nowMs: number,
  timeoutMs: number,
  ask: (withdrawn: AbortSignal) => Promise<StillFirstAnswer>,
): Promise<StillFirstAnswer | string> {
  const waitMs = at - nowMs;
  if (waitMs > 0) await context.sleep(waitMs);
  const question = new AbortController();
  try {
    return await within(ask(question.signal), timeoutMs);
  } catch (error) {
    question.abort();
    if (error instanceof NoAnswerError) return `the workflow did not answer within ${error.timeoutMs} ms`;
    return `the workflow could not be asked: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** When this worker process started (a first attempt scheduled before it was planned by a process now gone). */
const WORKER_STARTED_AT_MS = Math.floor(performance.timeOrigin);

/** settleLanes for a running attempt: asking its own run, unless its worker is likely gone (then logged, unasked). */
export function settleOwnLanes(context: Context, input: CombinedSendInput, startedAtMs: number): ReturnType<typeof settleLanes> {
  const notAsking = reasonNotToAsk({ scheduledAtMs: context.info.currentAttemptScheduledTimestampMs, startedAtMs, workerStartedAtMs: WORKER_STARTED_AT_MS });
  if (notAsking && DESTINATIONS.some((vendor) => input[vendor]?.notBeforeMs !== undefined))
    context.log.info('s2s settling batches handed back without asking the workflow', { reason: notAsking });
  return settleLanes(context, input, askOwnWorkflow(context), notAsking ? { notAsking } : {});
}

/** The stillFirst query to the attempt's own workflow run, with the worker's client; cancelled once withdrawn. */
function askOwnWorkflow(context: Context): AskStillFirst {
  return async (batches, withdrawn) => context.client.withAbortSignal(withdrawn, () => ownRun(context).query(queries.stillFirst, batches));
}
