// A tiny workflow for the send-activity tests: calls sendToAdjust or sendToAppsflyer once through
// proxyActivities with the retry policy the test gives (short intervals), and returns the batch result or
// the failure chain (types, retryability, details) so tests can assert classification, attempts and timing.
import { ActivityFailure, ApplicationFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { SendActivities, SendBatchInput, SendBatchResult } from '../../../domain/delivery';
import { NON_RETRYABLE_SEND_FAILURES, type SendFailureDetails } from '../../../domain/errors';

export interface SendProbeInput {
  vendor: 'adjust' | 'appsflyer';
  batch: SendBatchInput;
  /** The policy's retry shape (milliseconds), plus a cap on attempts for tests. */
  retry: { initialInterval: number; backoffCoefficient: number; maximumInterval: number; maximumAttempts?: number };
  startToCloseMs: number;
  scheduleToCloseMs?: number;
  taskQueue: string;
}

export type SendProbeResult =
  | { ok: true; result: SendBatchResult }
  | {
      ok: false;
      /** ApplicationFailure type of the send (also when wrapped in a schedule-to-close timeout). */
      type?: string;
      nonRetryable?: boolean;
      message: string;
      details?: SendFailureDetails;
      /** Set when Temporal ended the retries on a timeout (e.g. SCHEDULE_TO_CLOSE). */
      timeoutType?: string;
      /** ActivityFailure.retryState, e.g. TIMEOUT when the next retry would pass the schedule-to-close deadline. */
      retryState?: string;
      /** The failure chain, outermost first: "<name>: <message>". */
      chain: string[];
    };

export async function sendProbe(input: SendProbeInput): Promise<SendProbeResult> {
  const send = proxyActivities<SendActivities>({
    taskQueue: input.taskQueue,
    startToCloseTimeout: input.startToCloseMs,
    ...(input.scheduleToCloseMs ? { scheduleToCloseTimeout: input.scheduleToCloseMs } : {}),
    retry: {
      initialInterval: input.retry.initialInterval,
      backoffCoefficient: input.retry.backoffCoefficient,
      maximumInterval: input.retry.maximumInterval,
      ...(input.retry.maximumAttempts ? { maximumAttempts: input.retry.maximumAttempts } : {}),
      nonRetryableErrorTypes: NON_RETRYABLE_SEND_FAILURES,
    },
  });
  try {
    const result = input.vendor === 'adjust' ? await send.sendToAdjust(input.batch) : await send.sendToAppsflyer(input.batch);
    return { ok: true, result };
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : error;
    const timeout = cause instanceof TimeoutFailure ? cause : undefined;
    const app = cause instanceof ApplicationFailure ? cause : timeout?.cause instanceof ApplicationFailure ? timeout.cause : undefined;
    const chain: string[] = [];
    for (let e: unknown = error; e instanceof Error && chain.length < 5; e = e.cause) chain.push(`${e.name}: ${e.message}`);
    const out: SendProbeResult = { ok: false, message: app?.message ?? (cause instanceof Error ? cause.message : String(cause)), chain };
    if (app?.type) out.type = app.type;
    if (app) out.nonRetryable = app.nonRetryable === true;
    if (app?.details?.[0]) out.details = app.details[0] as SendFailureDetails;
    if (timeout) out.timeoutType = String(timeout.timeoutType);
    if (error instanceof ActivityFailure && error.retryState) out.retryState = String(error.retryState);
    return out;
  }
}
