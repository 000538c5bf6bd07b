// Lane failure reports: when a send attempt fails in a way Temporal will retry (a transient error, a
// misconfiguration, a device the vendor does not know yet), the vendor worker tells the user workflow what
// the vendor answered, with the `laneFailure` signal to the activity's own workflow run, so `s2s status`
// shows the lane's last answer while it is retried. Best effort: a report that cannot be sent (the run
// ended, the server is slow) is logged and dropped; it never changes the attempt's own result.
import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Destination } from '../domain/delivery';
import { NON_RETRYABLE_SEND_FAILURES, SendFailureType, type SendFailureDetails } from '../domain/errors';
import type { LaneFailureReport } from '../domain/snapshot';
import { signals } from '../domain/workflow-api';
import { ownRun, within } from '../activities/own-workflow';

/** How long a report may hold up the failed attempt (the retry waits for it at most this long). */
export const REPORT_TIMEOUT_MS = 2_000;

const SEND_FAILURE_TYPES = new Set<string>(Object.values(SendFailureType));

/**
 * The report for a failed attempt, or undefined when Temporal will not retry it (a rejection, an opt-out, the
 * deadline: the workflow hears of those as the activity's failure) or it is not a send failure at all.
 */
export function laneFailureReport(destination: Destination, error: unknown, attempt: number): LaneFailureReport | undefined {
  if (!(error instanceof ApplicationFailure) || error.nonRetryable) return undefined;
  const type = error.type ?? '';
  if (!SEND_FAILURE_TYPES.has(type) || NON_RETRYABLE_SEND_FAILURES.includes(type)) return undefined;
  const details = error.details?.[0] as SendFailureDetails | undefined;
  if (typeof details?.deliveryId !== 'string') return undefined;
  return {
    destination,
    deliveryId: details.deliveryId,
    // The delivery's attempt (counting a local first attempt) when the send says it.
    attempt: typeof details.attempt === 'number' ? details.attempt : attempt,
    type: type as SendFailureType,
    ...(typeof details.status === 'number' ? { status: details.status } : {}),
    answer: typeof details.message === 'string' ? details.message : error.message,
  };
}

/** Signals the report to the activity's own workflow run with the worker's client; never throws. */
export async function sendLaneFailureReport(ctx: Context, report: LaneFailureReport, timeoutMs = REPORT_TIMEOUT_MS): Promise<boolean> {
  if (!ctx.info.workflowExecution) return false;
  try {
    await within(ownRun(ctx).signal(signals.laneFailure, report), timeoutMs);
    return true;
  } catch (error) {
    ctx.log.debug('lane failure report not sent (best effort)', {
      deliveryId: report.deliveryId,
      attempt: report.attempt,
      reason: error instanceof Error ? error.message : String(error),
    });
    return false;
  }
}
