// Activity interceptors of the vendor workers: every log line of a send activity (the SDK's own lines too)
// carries vendor, app, delivery id(s) and the user's hash (raw id and workflow id only when
// policy.showDeviceIds is on), and every attempt feeds s2s-relay's metrics on the runtime's meter.
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, type MetricMeter } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, ActivityOutboundCallsInterceptor } from '@temporalio/worker';
import { NON_RETRYABLE_SEND_FAILURES, type Destination, type SendActivities, type SendBatchInput, type SendBatchResult } from '../domain/delivery';
import { USER_WORKFLOW_PREFIX, userHash } from '../domain/ids';
import { METRICS, type MetricDefinition } from '../domain/metrics';

const SEND_ACTIVITY_VENDOR: Record<keyof SendActivities, Destination> = { sendToAdjust: 'adjust', sendToAppsflyer: 'appsflyer' };

export interface RelayInterceptorOptions {
  /** policy.showDeviceIds: log the raw user id next to its hash. */
  showUserIds: boolean;
}

export function relayActivityInterceptors(options: RelayInterceptorOptions): ActivityInterceptorsFactory {
  return (ctx) => {
    const vendor = SEND_ACTIVITY_VENDOR[ctx.info.activityType as keyof SendActivities] as Destination | undefined;
    if (!vendor) return {};
    // Known before the input is: the SDK's "Activity started" line (logged before any interceptor runs)
    // gets these; every later line also gets the app and delivery id(s).
    let attributes: Record<string, unknown> = { vendor, ...userAttributes(userIdOf(ctx.info.workflowExecution?.workflowId), options) };
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        attributes = sendLogAttributes(vendor, input.args[0] as SendBatchInput | undefined, options);
        const started = performance.now();
        try {
          const result = (await next(input)) as SendBatchResult;
          recordResult(ctx, vendor, result, performance.now() - started);
          return result;
        } catch (error) {
          recordFailure(ctx, vendor, error, performance.now() - started);
          throw error;
        }
      },
    };
    const outbound: ActivityOutboundCallsInterceptor = {
      getLogAttributes: (input, next) => {
        const merged: Record<string, unknown> = { ...input, ...attributes };
        // The SDK adds the workflow id, which is `s2s-user-<userId>`: the raw id only when PII display is on.
        if (!options.showUserIds) delete merged.workflowId;
        return next(merged);
      },
    };
    return { inbound, outbound };
  };
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

function recordFailure(ctx: Context, vendor: Destination, error: unknown, elapsedMs: number): void {
  safely(() => {
    const { type, retryable } = failureClass(error);
    counter(ctx.metricMeter, METRICS.sendFailures).add(1, { vendor, failure_type: type, retryable });
    counter(ctx.metricMeter, METRICS.sendResults).add(1, { vendor, result: type });
    histogram(ctx.metricMeter, METRICS.sendAttemptDuration).record(Math.round(elapsedMs), { vendor, result: 'failed' });
  });
}

/** The retry class of a failed attempt: the ApplicationFailure type (SendFailureType), or what ended it. */
export function failureClass(error: unknown): { type: string; retryable: boolean } {
  if (error instanceof ApplicationFailure) {
    const type = error.type ?? 'ApplicationFailure';
    return { type, retryable: !error.nonRetryable && !NON_RETRYABLE_SEND_FAILURES.includes(type) };
  }
  if (error instanceof CancelledFailure) return { type: 'cancelled', retryable: true };
  return { type: 'unexpected', retryable: true };
}

function safely(action: () => void): void {
  try {
    action();
  } catch {
    // A metric must never change a send's result.
  }
}
