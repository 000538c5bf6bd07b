// The send activities (sendToAdjust, sendToAppsflyer): deliver a batch of one lane's items strictly in order,
// one request each, stopping at the first item not accepted. A failure on the first item ends the attempt
// with a typed ApplicationFailure (SendFailureType + SendFailureDetails) so Temporal retries it durably.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { SendFailureType, type DeliveryItem, type Destination, type SendActivities, type SendBatchInput, type SendBatchResult, type SendFailureDetails } from '../domain/delivery';
import { userHash } from '../domain/ids';
import type { LoadedAppConfig } from '../worker/app-config';
import { VendorHttp } from './http';
import type { RequestPacer } from './rate-limit';
import { decideRetry, type FailureClass, type RetryDecision } from './retry-decision';
import { sendItem, vendorName, type ItemOutcome, type SendContext } from './send-item';

export type { SendActivities };

/** Time kept back from the attempt's start-to-close so the activity reports its own failure first. */
const ATTEMPT_MARGIN_MS = 500;

export interface SendActivityOptions {
  /** Request pacers of rate-limited vendors (worker/workers.ts builds them from S2S_<VENDOR>_RATE_LIMIT). */
  pacers?: Partial<Record<Destination, RequestPacer>>;
}

export function createSendActivities(loaded: LoadedAppConfig, options: SendActivityOptions = {}): { activities: SendActivities; close(): Promise<void> } {
  const http = new VendorHttp(loaded.config.http);
  const allSecrets = [...Object.values(loaded.secrets.appsflyer), ...Object.values(loaded.secrets.adjust)].filter((s): s is string => !!s);
  const secretFor = (vendor: Destination, app: string) => (vendor === 'adjust' ? loaded.secrets.adjust[app] : loaded.secrets.appsflyer[app]);

  const sendBatch = async (vendor: Destination, input: SendBatchInput): Promise<SendBatchResult> => {
    const context = Context.current();
    const { info } = context;
    const started = Date.now();
    const deadline = started + (info.startToCloseTimeoutMs || loaded.config.policy.retry.attemptTimeout) - ATTEMPT_MARGIN_MS;
    const { connectTimeout, headersTimeout, bodyTimeout } = loaded.config.http;
    const perRequestMs = connectTimeout + headersTimeout + bodyTimeout;
    const base = { vendor, app: input.app, userHash: userHash(input.user.userId), attempt: info.attempt };
    const receipts: SendBatchResult['receipts'] = [];
    /**
     * Ends the batch early at `index`. The items from there on that may already have reached the vendor
     * are named: all of them when an earlier attempt (or an earlier activity: resend) may have sent them,
     * else the stopped item itself when its request got no answer (network error, timeout).
     */
    const stopAt = (index: number, stopReason: string, unanswered = false): SendBatchResult => {
      const possiblyAccepted = input.items
        .slice(index)
        .filter((item, i) => info.attempt > 1 || item.resend === true || (i === 0 && unanswered))
        .map((item) => item.deliveryId);
      return { receipts, stoppedAt: index, stopReason, ...(possiblyAccepted.length > 0 ? { possiblyAccepted } : {}) };
    };

    for (const [index, item] of input.items.entries()) {
      if (index > 0 && deadline - Date.now() < perRequestMs) {
        const stopReason = `attempt time budget: ${input.items.length - index} item(s) left for the next activity`;
        context.log.info('s2s batch stopped early', { ...base, deliveryId: item.deliveryId, eventId: item.sourceId, stopReason });
        return stopAt(index, stopReason);
      }
      const pacer = options.pacers?.[vendor];
      if (pacer?.limited) {
        // Every request (retries too) takes the vendor's next free instant; a batch stops early rather than
        // run past its attempt, and a first request that cannot go in time is retried when the rate allows.
        const at = pacer.reserve(index > 0 ? deadline - perRequestMs : deadline - Math.min(perRequestMs, 1_000));
        if (at === undefined) {
          if (index > 0) return stopAt(index, `rate limit (${pacer.currentRate()} requests/s): ${input.items.length - index} item(s) left for the next activity`);
          throw rateLimited(vendor, item, info.attempt, pacer);
        }
        if (!(await pacer.waitUntil(at, context.cancellationSignal))) {
          if (receipts.length === 0) await context.cancelled;
          return stopAt(receipts.length, 'activity cancelled');
        }
      }
      const signal = AbortSignal.any([context.cancellationSignal, AbortSignal.timeout(Math.max(1, deadline - Date.now()))]);
      const ctx: SendContext = { vendor, config: loaded.config, http, secret: secretFor(vendor, input.app), allSecrets, attempt: info.attempt, signal };
      const outcome = await sendItem(ctx, input, item);
      // Retries of one delivery can span several activities (a batch that stopped early, a continue-as-new
      // drain), so bounded classes measure from its first attempt, not from this activity's schedule.
      const decision = outcome.ok || index > 0 ? undefined : decide(outcome, info.attempt, Date.now() - (item.firstAttemptAtMs ?? info.scheduledTimestampMs), input.deadlineMs, loaded);
      log(context, base, item, outcome, decision);
      if (outcome.ok) receipts.push(outcome.receipt);
      if (context.cancellationSignal.aborted) {
        // Cancelled (e.g. worker shutdown): keep what the vendor accepted, so it is never sent again.
        if (receipts.length === 0) await context.cancelled;
        return receipts.length < input.items.length ? stopAt(receipts.length, 'activity cancelled', unanswered(outcome)) : { receipts };
      }
      if (outcome.ok) continue;
      if (decision) throw failure(vendor, item, outcome, decision);
      return stopAt(index, `${outcome.class}: ${outcome.message}`, unanswered(outcome));
    }
    return { receipts };
  };

  return {
    activities: {
      sendToAdjust: (input) => sendBatch('adjust', input),
      sendToAppsflyer: (input) => sendBatch('appsflyer', input),
    },
    close: () => http.close(),
  };
}

type Failed = Extract<ItemOutcome, { ok: false }>;

/** A request that got no HTTP answer (network error, timeout) may have been accepted all the same. */
function unanswered(outcome: ItemOutcome): boolean {
  return !outcome.ok && outcome.status === undefined && (outcome.class === 'transient' || outcome.class === 'unknown');
}
type Decided = RetryDecision & { attempt: number; elapsedMs: number };

function decide(outcome: Failed, attempt: number, elapsedMs: number, deadlineMs: number | undefined, loaded: LoadedAppConfig): Decided {
  const input = {
    attempt,
    elapsedMs,
    ...(outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}),
    ...(deadlineMs !== undefined ? { msToDeadline: deadlineMs - Date.now() } : {}),
  };
  return { ...decideRetry(outcome.class, input, loaded.config.policy.retry), attempt, elapsedMs };
}

function failure(vendor: Destination, item: DeliveryItem, outcome: Failed, decision: Decided): ApplicationFailure {
  let message = outcome.message;
  if (decision.type === SendFailureType.deviceNotFound) {
    message = `${message} (still unknown after ${Math.round(decision.elapsedMs / 1000)} s, beyond retry.deviceNotFoundMaxAge)`;
  }
  if (decision.type === SendFailureType.deadlinePassed) {
    message = `${message} (attempt ${decision.attempt}; the next retry would start after the delivery's deadline)`;
  }
  const details: SendFailureDetails = { deliveryId: item.deliveryId, message, attempt: decision.attempt };
  if (outcome.status !== undefined) details.status = outcome.status;
  if (decision.lastType !== undefined) details.lastType = decision.lastType;
  return ApplicationFailure.create({
    message: `${vendorName(vendor)} delivery ${item.deliveryId} failed (${outcome.class}): ${message}`,
    type: decision.type,
    nonRetryable: decision.nonRetryable,
    details: [details],
    ...(decision.nextRetryDelayMs !== undefined ? { nextRetryDelay: decision.nextRetryDelayMs } : {}),
  });
}

function rateLimited(vendor: Destination, item: DeliveryItem, attempt: number, pacer: RequestPacer): ApplicationFailure {
  const message = `${vendorName(vendor)} rate limit (${pacer.currentRate()} requests/s): no request slot within this attempt; retried when the rate allows`;
  const details: SendFailureDetails = { deliveryId: item.deliveryId, message, attempt };
  return ApplicationFailure.create({ message, type: SendFailureType.transient, details: [details], nextRetryDelay: Math.max(1_000, pacer.backlogMs()) });
}

type LogBase = { vendor: Destination; app: string; userHash: string; attempt: number };

const FAILURE_LEVEL: Record<FailureClass, 'info' | 'warn' | 'error'> = {
  transient: 'warn',
  unknown: 'warn',
  deviceNotFound: 'info',
  optedOut: 'info',
  rejected: 'warn',
  invalidRequest: 'warn',
  misconfigured: 'error',
};

/** One structured line per item; never the request (secrets, device ids, IPs), only ids and the outcome. */
function log(context: Context, base: LogBase, item: DeliveryItem, outcome: ItemOutcome, decision?: Decided): void {
  const warnings = outcome.ok ? (outcome.receipt.warnings ?? []) : outcome.warnings;
  const fields: Record<string, unknown> = {
    ...base,
    deliveryId: item.deliveryId,
    eventId: item.sourceId,
    // 0: no HTTP answer (network failure, or the request was never built). The logger drops null/undefined.
    status: outcome.ok ? outcome.receipt.status : (outcome.status ?? 0),
    class: outcome.ok ? outcome.receipt.outcome : outcome.class,
    durationMs: outcome.ok ? outcome.receipt.durationMs : outcome.durationMs,
  };
  if (!outcome.ok) fields.reason = outcome.message;
  if (warnings.length > 0) fields.warnings = warnings;
  if (decision) {
    fields.failureType = decision.type;
    fields.retry = decision.nonRetryable ? 'no' : decision.nextRetryDelayMs !== undefined ? `in ${decision.nextRetryDelayMs} ms` : 'backoff';
  }
  if (outcome.ok) {
    context.log[warnings.length > 0 ? 'warn' : 'info'](`s2s ${outcome.receipt.outcome}`, fields);
  } else if (outcome.class === 'misconfigured') {
    context.log.error(`s2s misconfigured: operator action needed (${vendorName(base.vendor)} app "${base.app}"); retried slowly until fixed`, fields);
  } else {
    context.log[FAILURE_LEVEL[outcome.class]](`s2s ${outcome.class}`, fields);
  }
}
