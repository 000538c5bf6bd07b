// Activity interceptors of the vendor workers: every log line of a send activity (the SDK's own lines too)
// carries vendor, app, delivery id(s) and the user's hash (raw id and workflow id only when
// policy.showDeviceIds is on; the task token, which embeds the workflow id, never), every attempt feeds
// s2s-relay's metrics on the runtime's meter, and an attempt that failed and will be retried is reported to
// its workflow (lane-failure-reports.ts) so the lane shows the vendor's answer.
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, type MetricMeter } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, ActivityOutboundCallsInterceptor } from '@temporalio/worker';
import {
  DESTINATIONS,
  type CombinedSendInput,
  type CombinedSendResult,
  type Destination,
  type LaneAttempt,
  type SendActivities,
  type SendBatchInput,
  type SendBatchResult,
  type SendFailureData,
} from '../domain/delivery';
import { NON_RETRYABLE_SEND_FAILURES } from '../domain/errors';
import { USER_WORKFLOW_PREFIX, userHash } from '../domain/ids';
import { METRICS, type MetricDefinition } from '../domain/metrics';
import { laneFailureReport, sendLaneFailureReport } from './lane-failure-reports';

const SEND_ACTIVITY_VENDOR: Record<'sendToAdjust' | 'sendToAppsflyer', Destination> = { sendToAdjust: 'adjust', sendToAppsflyer: 'appsflyer' };
const COMBINED_SEND: keyof SendActivities = 'sendFirstAttempts';

export interface RelayInterceptorOptions {
  /** policy.showDeviceIds: log the raw user id next to its hash. */
  showUserIds: boolean;
}

export function relayActivityInterceptors(options: RelayInterceptorOptions): ActivityInterceptorsFactory {
  return (ctx) => {
    const type = ctx.info.activityType;
    const vendor = SEND_ACTIVITY_VENDOR[type as keyof typeof SEND_ACTIVITY_VENDOR] as Destination | undefined;
    if (!vendor && type !== COMBINED_SEND) return { outbound: { getLogAttributes: (input, next) => next(withoutTaskToken(input)) } };
    // Known before the input is: the SDK's "Activity started" line (logged before any interceptor runs)
    // gets these; every later line also gets the app and delivery id(s).
    let attributes: Record<string, unknown> = { ...(vendor ? { vendor } : {}), ...userAttributes(userIdOf(ctx.info.workflowExecution?.workflowId), options) };
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        const started = performance.now();
        if (!vendor) {
          // The combined first attempt: each vendor's part counted as its own send; its failures are data.
          const parts = (input.args[0] ?? {}) as CombinedSendInput;
          attributes = combinedLogAttributes(parts, options);
          const startedAt = Date.now();
          const result = (await next(input)) as CombinedSendResult;
          for (const [part, attempt] of Object.entries(result ?? {}) as Array<[Destination, LaneAttempt]>) {
            if ('deferred' in attempt) continue; // handed back unsent (activities/settle.ts): no send to count
            // A part that first waited out its settle window is timed from the end of that wait.
            const tookMs = Date.now() - Math.max(startedAt, parts[part]?.notBeforeMs ?? 0);
            if (attempt.ok) recordResult(ctx, part, attempt.result, tookMs);
            else {
              recordFailure(ctx, part, attempt.failure, tookMs);
              logPartFailure(ctx, part, parts[part], attempt.failure);
            }
          }
          return result;
        }
        attributes = sendLogAttributes(vendor, input.args[0] as SendBatchInput | undefined, options);
        try {
          const result = (await next(input)) as SendBatchResult;
          recordResult(ctx, vendor, result, performance.now() - started);
          return result;
        } catch (error) {
          recordFailure(ctx, vendor, error, performance.now() - started);
          // One report per attempt: this interceptor runs once per attempt, and only this catch sends it.
          const report = laneFailureReport(vendor, error, ctx.info.attempt);
          if (report) await sendLaneFailureReport(ctx, report);
          throw error;
        }
      },
    };
    const outbound: ActivityOutboundCallsInterceptor = {
      getLogAttributes: (input, next) => {
        // A line's own fields win (a combined attempt's failure line names its part's vendor and delivery).
        const merged: Record<string, unknown> = { ...attributes, ...withoutTaskToken(input) };
        // The SDK adds the workflow id, which is `s2s-user-<userId>`: the raw id only when PII display is on.
        if (!options.showUserIds) delete merged.workflowId;
        return next(merged);
      },
    };
    return { inbound, outbound };
  };
}

/**
 * A vendor's part of a combined first attempt failed: the SDK logs no failure (the activity completed), so this
 * line does, with the vendor's answer; the workflow retries the part with the vendor's send activity (or
 * dead-letters it when it is final).
 */
function logPartFailure(ctx: Context, vendor: Destination, batch: SendBatchInput | undefined, failure: SendFailureData): void {
  safely(() => {
    const deliveryId = failure.details?.deliveryId ?? (Array.isArray(batch?.items) ? batch.items[0]?.deliveryId : undefined);
    const { retryable } = failureClass(failure);
    ctx.log.warn(`Send attempt failed (${retryable ? 'the send activity retries it' : 'final'})`, {
      vendor,
      ...(deliveryId ? { deliveryId } : {}),
      failure: {
        type: failure.type,
        message: failure.message,
        ...(failure.details?.status !== undefined ? { status: failure.details.status } : {}),
        attempt: failure.details?.attempt ?? 1,
        nonRetryable: !retryable,
      },
    });
  });
}

/** The log attributes of a combined first attempt: its vendors and every delivery id. */
function combinedLogAttributes(parts: CombinedSendInput, options: RelayInterceptorOptions): Record<string, unknown> {
  const vendors = DESTINATIONS.filter((d) => parts[d]);
  const deliveryIds = vendors.flatMap((d) => (Array.isArray(parts[d]?.items) ? (parts[d] as SendBatchInput).items.map((i) => i.deliveryId) : []));
  const first = vendors[0] ? parts[vendors[0]] : undefined;
  return {
    vendor: vendors.join('+'),
    ...(first?.app ? { app: first.app } : {}),
    ...(deliveryIds.length > 0 ? { deliveryIds } : {}),
    ...userAttributes(first?.user?.userId, options),
  };
}

/** The SDK's log attributes without `taskToken`: it embeds the workflow id, hence the raw user id. */
function withoutTaskToken(attributes: Record<string, unknown>): Record<string, unknown> {
  const { taskToken: _token, ...rest } = attributes;
  return rest;
}

/** The log attributes of one send attempt: never secrets or device ids, only ids and the vendor. */
export function sendLogAttributes(vendor: Destination, batch: SendBatchInput | undefined, options: RelayInterceptorOptions): Record<string, unknown> {
  const items = Array.isArray(batch?.items) ? batch.items : [];
  return {
    vendor,
    ...(batch?.app ? { app: batch.app } : {}),
    ...(items[0] ? { deliveryId: items[0].deliveryId } : {}),
    ...(items.length > 1 ? { deliveryIds: items.map((i) => i.deliveryId) } : {}),
    ...userAttributes(batch?.user?.userId, options),
  };
}

function userAttributes(userId: string | undefined, options: RelayInterceptorOptions): Record<string, string> {
  if (!userId) return {};
  return { userHash: userHash(userId), ...(options.showUserIds ? { userId } : {}) };
}

/** The user id a user workflow's id carries (`s2s-user-<userId>`, domain/ids.ts). */
function userIdOf(workflowId: string | undefined): string | undefined {
  return workflowId?.startsWith(USER_WORKFLOW_PREFIX) ? workflowId.slice(USER_WORKFLOW_PREFIX.length) : undefined;
}

const counter = (meter: MetricMeter, m: MetricDefinition) => meter.createCounter(m.name, m.unit, m.help);
const histogram = (meter: MetricMeter, m: MetricDefinition) => meter.createHistogram(m.name, 'int', m.unit, m.help);

function recordResult(ctx: Context, vendor: Destination, result: SendBatchResult | undefined, elapsedMs: number): void {
  safely(() => {
    const receipts = Array.isArray(result?.receipts) ? result.receipts : [];
    const results = counter(ctx.metricMeter, METRICS.sendResults);
    const latency = histogram(ctx.metricMeter, METRICS.sendLatency);
    for (const receipt of receipts) {
      results.add(1, { vendor, result: receipt.outcome });
      latency.record(Math.max(0, Math.round(receipt.durationMs)), { vendor });
    }
    const outcome = result?.stoppedAt !== undefined ? 'partial' : 'ok';
    histogram(ctx.metricMeter, METRICS.sendAttemptDuration).record(Math.round(elapsedMs), { vendor, result: outcome });
  });
}

function recordFailure(ctx: Context, vendor: Destination, error: unknown | SendFailureData, elapsedMs: number): void {
  safely(() => {
    const { type, retryable } = failureClass(error);
    counter(ctx.metricMeter, METRICS.sendFailures).add(1, { vendor, failure_type: type, retryable });
    counter(ctx.metricMeter, METRICS.sendResults).add(1, { vendor, result: type });
    histogram(ctx.metricMeter, METRICS.sendAttemptDuration).record(Math.round(elapsedMs), { vendor, result: 'failed' });
  });
}

/** The retry class of a failed attempt: the ApplicationFailure type (SendFailureType), or what ended it. */
export function failureClass(error: unknown): { type: string; retryable: boolean } {
  if (isFailureData(error)) return { type: error.type, retryable: !error.nonRetryable && !NON_RETRYABLE_SEND_FAILURES.includes(error.type) };
  if (error instanceof ApplicationFailure) {
    const type = error.type ?? 'ApplicationFailure';
    return { type, retryable: !error.nonRetryable && !NON_RETRYABLE_SEND_FAILURES.includes(type) };
  }
  if (error instanceof CancelledFailure) return { type: 'cancelled', retryable: true };
  return { type: 'unexpected', retryable: true };
}

function isFailureData(value: unknown): value is SendFailureData {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Error) &&
    typeof (value as SendFailureData).type === 'string' &&
    typeof (value as SendFailureData).nonRetryable === 'boolean'
  );
}

function safely(action: () => void): void {
  try {
    action();
  } catch {
    // A metric must never change a send's result.
  }
}
