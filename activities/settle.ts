// The settle window, waited out inside the combined first attempt. A lane whose head may go within a few
// seconds (its settle window) plans the batch at once with the time it may go (SendBatchInput.notBeforeMs),
// instead of waking on a timer: one timer and one workflow task fewer per event. The attempt waits until that
// time, then asks its workflow (the stillFirst query, which sees every message recorded before it) whether each
// such batch is still first in its lane. An earlier event that arrived meanwhile sorts ahead of it, so the
// answer is no: the batch goes back unsent (deferred) and the lane plans again, with the earlier event first.
import type { Context } from '@temporalio/activity';
import { DESTINATIONS, type CombinedSendInput, type Destination, type LaneBatchIds, type StillFirstAnswer } from '../domain/delivery';
import { queries } from '../domain/workflow-api';
import { NoAnswerError, ownRun, within } from './own-workflow';

/** How long the workflow may take to answer: past this, the batch goes back and the lane plans again. */
export const STILL_FIRST_TIMEOUT_MS = 5_000;

/** Asks the workflow about these batches (the attempt's own run, by default; tests may answer themselves). */
export type AskStillFirst = (batches: LaneBatchIds) => Promise<StillFirstAnswer>;

/**
 * Waits out each settling lane's window, then asks once per distinct time for the lanes due then. Resolves per
 * lane: undefined to send now (no window, or still first), or why the batch goes back unsent.
 */
export function settleLanes(
  context: Pick<Context, 'sleep'>,
  input: CombinedSendInput,
  ask: AskStillFirst,
  clock: { nowMs?: () => number; timeoutMs?: number } = {},
): Partial<Record<Destination, Promise<string | undefined>>> {
  const { nowMs = Date.now, timeoutMs = STILL_FIRST_TIMEOUT_MS } = clock;
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
    answers.set(
      at,
      afterWait(context, at, nowMs(), timeoutMs, () => ask(batches)),
    );
  const out: Partial<Record<Destination, Promise<string | undefined>>> = {};
  for (const vendor of DESTINATIONS) {
    const at = input[vendor]?.notBeforeMs;
    const answer = at === undefined ? undefined : answers.get(at);
    if (!answer) continue;
    out[vendor] = answer.then((a) => (typeof a === 'string' ? a : a[vendor] === true ? undefined : 'something now goes before it in its lane'));
  }
  return out;
}

/** Sleeps until `at` (a cancellation rejects), then asks; an answer that fails or is late is a reason to hand back. */
async function afterWait(
  context: Pick<Context, 'sleep'>,
  at: number,
  nowMs: number,
  timeoutMs: number,
  ask: () => Promise<StillFirstAnswer>,
): Promise<StillFirstAnswer | string> {
  const waitMs = at - nowMs;
  if (waitMs > 0) await context.sleep(waitMs);
  try {
    return await within(ask(), timeoutMs);
  } catch (error) {
    if (error instanceof NoAnswerError) return `the workflow did not answer within ${error.timeoutMs} ms`;
    return `the workflow could not be asked: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The stillFirst query to the attempt's own workflow run, with the worker's client. */
export function askOwnWorkflow(context: Context): AskStillFirst {
  return async (batches) => ownRun(context).query(queries.stillFirst, batches);
}
