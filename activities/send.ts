// The send activities (sendToAdjust, sendToAppsflyer): deliver a batch of one lane's items strictly in order,
// one request each, stopping at the first item not accepted. A failure on the first item ends the attempt
// with a typed ApplicationFailure (SendFailureType + SendFailureDetails) so Temporal retries it durably.
// The delivery ledger (injected) is asked first: an item it records as accepted is not sent again but
// answered with its original receipt; every acceptance is recorded in it before the activity returns.
import { ApplicationFailure, CancelledFailure, Context, type Info } from '@temporalio/activity';
import { msOptionalToNumber } from '@temporalio/common/lib/time';
import type { LoadedConfig, RelayConfig } from '../domain/config';
import {
  DESTINATIONS,
  messageId,
  type CombinedSendInput,
  type CombinedSendResult,
  type DeliveryItem,
  type DeliveryReceipt,
  type Destination,
  type LaneAttempt,
  type SendActivities,
  type SendBatchInput,
  type SendBatchResult,
  type SendFailureData,
} from '../domain/delivery';
import { InvalidRequestError, SendFailureType, VendorConfigMissingError, type SendFailureDetails } from '../domain/errors';
import { buildAdjustRequest } from '../domain/vendors/adjust';
import { buildAppsflyerEventRequest } from '../domain/vendors/appsflyer';
import type { BuiltRequest } from '../domain/vendors/request';
import { acceptedByLostAttempt, classifyOutcome, decideRetry, type Classification, type FailureClass, type RetryDecision } from './classify';
import { userHash } from '../domain/ids';
import { VendorHttp } from './http';
import { redact } from './redact';
import type { DeliveryLedger, LedgerEntry } from './ledger/ledger';
import { AcceptanceWriter } from './ledger/writer';
import type { RequestPacer } from './rate-limit';
import { SendSlots } from './send-slots';
import { settleOwnLanes } from './settle';

export type { SendActivities };

/** Time kept back from the attempt's start-to-close so the activity reports its own failure first. */
const ATTEMPT_MARGIN_MS = 500;

/** The delivery's attempt: this activity's, after any made before it (SendBatchInput.priorAttempts). */
function attemptOf(context: Context, input: SendBatchInput): number {
  return context.info.attempt + (input.priorAttempts ?? 0);
}

export interface SendActivityOptions {
  /** Accepted deliveries (activities/ledger/ledger.ts): skipped before sending, recorded right after acceptance. */
  ledger: DeliveryLedger;
  /** Request pacers of rate-limited vendors (worker/workers.ts builds them from S2S_<VENDOR>_RATE_LIMIT). */
  pacers?: Partial<Record<Destination, RequestPacer>>;
  /** Most parts of first attempts sending at once (activities/send-slots.ts); unlimited when unset. */
  firstAttemptSends?: number;
}

export function createSendActivities(loaded: LoadedConfig, options: SendActivityOptions): { activities: SendActivities; close(): Promise<void> } {
  const { ledger } = options;
  const slots = new SendSlots(options.firstAttemptSends ?? Infinity);
  const http = new VendorHttp(loaded.config.http);
  const allSecrets = [...Object.values(loaded.secrets.appsflyer), ...Object.values(loaded.secrets.adjust)].filter((s): s is string => !!s);
  const secretFor = (vendor: Destination, app: string) => (vendor === 'adjust' ? loaded.secrets.adjust[app] : loaded.secrets.appsflyer[app]);

  /**
   * The combined first attempt: each vendor's batch sent concurrently, each part's failure returned as data so
   * the other part's receipts are kept (a cancellation ends the whole activity). A batch planned inside its settle
   * window waits it out first, then goes only if still first (activities/settle.ts), in one of the send slots.
   */
  const sendFirstAttempts = async (input: CombinedSendInput): Promise<CombinedSendResult> => {
    const [context, started] = [Context.current(), Date.now()];
    const echo = context.info.isLocal; // a local activity's input is not in history: its result carries it (LaneAttempt.input)
    const settled = settleOwnLanes(context, input, started);
    const parts = await Promise.all(
      DESTINATIONS.filter((vendor) => input[vendor]).map(async (vendor): Promise<[Destination, LaneAttempt]> => {
        const lane = input[vendor] as SendBatchInput;
        let part: LaneAttempt;
        try {
          const deferred = await settled[vendor];
          part = deferred !== undefined ? { ok: false, deferred } : { ok: true, result: await slots.run(() => sendOnce(vendor, lane, started)) };
        } catch (error) {
          if (error instanceof CancelledFailure) throw error;
          part = { ok: false, failure: failureData(error) };
        }
        return [vendor, echo ? { ...part, input: lane } : part];
      }),
    );
    return Object.fromEntries(parts);
  };

  /** `started`: when the attempt's time budget began (the activity's start, before any settle wait). */
  const sendOnce = async (vendor: Destination, input: SendBatchInput, started = Date.now()): Promise<SendBatchResult> => {
    const context = Context.current();
    if (input.items.length === 0) return { receipts: [] };
    const attempt = attemptOf(context, input);
    const base = { vendor, app: input.app, userHash: userHash(input.user.userId), attempt };
    let known: Map<string, LedgerEntry>;
    try {
      known = await ledger.accepted(input.items.map((item) => item.deliveryId));
    } catch (error) {
      // Never send blind: a resend could count revenue twice. Retried like a transient vendor failure.
      const first = input.items[0] as DeliveryItem;
      const outcome: Failed = {
        ok: false,
        class: 'transient',
        message: `${(error as Error).message}; nothing was sent (a duplicate costs real money, a delay does not)`,
        durationMs: 0,
        warnings: [],
      };
      const elapsedMs = Date.now() - (first.firstAttemptAtMs ?? context.info.scheduledTimestampMs);
      const decision = decide(outcome, attempt, context.info, elapsedMs, input.deadlineMs, loaded);
      context.log.error('s2s delivery ledger unavailable: batch not sent, retried', { ...base, deliveryId: first.deliveryId, reason: outcome.message });
      throw failure(vendor, first, outcome, decision);
    }
    const writer = new AcceptanceWriter(ledger);
    try {
      return await sendItems(vendor, input, known, writer, started);
    } finally {
      // Before the activity returns: an acceptance Temporal may never hear of (this worker dies next) is still known.
      const flushed = await writer.flush();
      if (flushed.unrecorded.length > 0) {
        context.log.error('s2s delivery ledger: accepted deliveries not recorded; a workflow reset could send them again', {
          ...base,
          deliveryIds: flushed.unrecorded,
          reason: flushed.error?.message,
        });
      }
    }
  };

  const sendItems = async (
    vendor: Destination,
    input: SendBatchInput,
    known: ReadonlyMap<string, LedgerEntry>,
    writer: AcceptanceWriter,
    started: number,
  ): Promise<SendBatchResult> => {
    const context = Context.current();
    const { info } = context;
    const attempt = attemptOf(context, input);
    const deadline = started + (info.startToCloseTimeoutMs || loaded.config.policy.retry.attemptTimeout) - ATTEMPT_MARGIN_MS;
    const { connectTimeout, headersTimeout, bodyTimeout } = loaded.config.http;
    const perRequestMs = connectTimeout + headersTimeout + bodyTimeout;
    const base = { vendor, app: input.app, userHash: userHash(input.user.userId), attempt };
    const receipts: SendBatchResult['receipts'] = [];
    /**
     * Ends the batch early at `index`. The items from there on that may already have reached the vendor
     * are named: all of them when an earlier attempt (or an earlier activity: resend) may have sent them,
     * else the stopped item itself when its request got no answer (network error, timeout).
     */
    const stopAt = (index: number, stopReason: string, unanswered = false): SendBatchResult => {
      const possiblyAccepted = input.items
        .slice(index)
        .filter((item, i) => attempt > 1 || item.resend === true || (i === 0 && unanswered))
        .map((item) => item.deliveryId);
      return { receipts, stoppedAt: index, stopReason, ...(possiblyAccepted.length > 0 ? { possiblyAccepted } : {}) };
    };

    for (const [index, item] of input.items.entries()) {
      const entry = known.get(item.deliveryId);
      if (entry) {
        receipts.push({ ...entry.receipt, fromLedger: true });
        context.log.info('s2s already accepted (delivery ledger): not sent again', {
          ...base,
          deliveryId: item.deliveryId,
          messageId: messageId(item.message),
          acceptedAt: entry.receipt.sentAt,
          acceptedAttempt: entry.receipt.attempt,
        });
        continue;
      }
      // The ledger stopped taking writes: send no more until it records again (the rest goes in a new activity).
      if (writer.failure) return stopAt(index, `${writer.failure.message}: ${input.items.length - index} item(s) left for the next activity`);
      if (index > 0 && deadline - Date.now() < perRequestMs) {
        const stopReason = `attempt time budget: ${input.items.length - index} item(s) left for the next activity`;
        context.log.info('s2s batch stopped early', { ...base, deliveryId: item.deliveryId, messageId: messageId(item.message), stopReason });
        return stopAt(index, stopReason);
      }
      const pacer = options.pacers?.[vendor];
      if (pacer?.limited) {
        // Every request (retries too) takes the vendor's next free instant; a batch stops early rather than
        // run past its attempt, and a first request that cannot go in time is retried when the rate allows.
        const at = pacer.reserve(index > 0 ? deadline - perRequestMs : deadline - Math.min(perRequestMs, 1_000));
        if (at === undefined) {
          if (index > 0)
            return stopAt(index, `rate limit (${pacer.currentRate()} requests/s): ${input.items.length - index} item(s) left for the next activity`);
          throw pacer.noSlotFailure(vendorName(vendor), item.deliveryId, attempt);
        }
        if (!(await pacer.waitUntil(at, context.cancellationSignal))) {
          if (receipts.length === 0) await context.cancelled;
          return stopAt(receipts.length, 'activity cancelled');
        }
      }
      const signal = AbortSignal.any([context.cancellationSignal, AbortSignal.timeout(Math.max(1, deadline - Date.now()))]);
      const ctx: SendContext = { vendor, config: loaded.config, http, secret: secretFor(vendor, input.app), allSecrets, attempt, signal };
      const outcome = await sendItem(ctx, input, item);
      // Retries of one delivery can span several activities (a batch that stopped early, a continue-as-new
      // drain), so bounded classes measure from its first attempt, not from this activity's schedule.
      const decision =
        outcome.ok || index > 0
          ? undefined
          : decide(outcome, attempt, info, Date.now() - (item.firstAttemptAtMs ?? info.scheduledTimestampMs), input.deadlineMs, loaded);
      log(context, base, item, outcome, decision);
      if (outcome.ok) {
        receipts.push(outcome.receipt);
        writer.add({ receipt: outcome.receipt, vendor, userHash: base.userHash });
      }
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
      sendToAdjust: (input) => sendOnce('adjust', input),
      sendToAppsflyer: (input) => sendOnce('appsflyer', input),
      sendFirstAttempts,
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

/** `attempt`: the delivery's; the next retry delay follows the activity's own (info.attempt: 1 in each activity). */
function decide(outcome: Failed, attempt: number, info: Info, elapsedMs: number, deadlineMs: number | undefined, loaded: LoadedConfig): Decided {
  const input = {
    attempt: info.attempt,
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

/** A failure as data (a part of the combined first attempt): what its ApplicationFailure would carry. */
export function failureData(error: unknown): SendFailureData {
  if (!(error instanceof ApplicationFailure))
    return { type: 'unexpected', message: error instanceof Error ? error.message : String(error), nonRetryable: false };
  const details = error.details?.[0] as SendFailureDetails | undefined;
  const delay = error.nextRetryDelay;
  return {
    type: error.type ?? 'unexpected',
    message: error.message,
    nonRetryable: error.nonRetryable === true,
    ...(details ? { details } : {}),
    ...(delay !== undefined && delay !== null ? { nextRetryDelayMs: msOptionalToNumber(delay) ?? 0 } : {}),
  };
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
    messageId: messageId(item.message),
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

// ---- One item ----

export interface SendContext {
  vendor: Destination;
  config: RelayConfig;
  http: VendorHttp;
  /** The secret for this app and vendor (undefined: none configured). */
  secret: string | undefined;
  /** Every configured secret, scrubbed from anything built from answers or errors. */
  allSecrets: readonly string[];
  attempt: number;
  signal?: AbortSignal;
}

export type ItemOutcome =
  | { ok: true; receipt: DeliveryReceipt; classification: Classification }
  | { ok: false; class: FailureClass; status?: number; message: string; retryAfterMs?: number; durationMs: number; warnings: string[] };

/**
 * Sends one delivery: build the vendor request (pure builders), send it once on the shared pool, classify
 * the answer. Returns a secret-free outcome (accepted with a receipt, or failed with its class); it never
 * retries and never throws for vendor or network problems. Retrying is Temporal's job.
 */
export async function sendItem(ctx: SendContext, input: SendBatchInput, item: DeliveryItem): Promise<ItemOutcome> {
  let request: BuiltRequest;
  try {
    request = build(ctx, input, item);
  } catch (error) {
    const message = redact(error instanceof Error ? error.message : String(error), ctx.allSecrets);
    if (error instanceof InvalidRequestError) return { ok: false, class: 'invalidRequest', message, durationMs: 0, warnings: [] };
    if (error instanceof VendorConfigMissingError) return { ok: false, class: 'misconfigured', message, durationMs: 0, warnings: [] };
    throw error;
  }

  const sentAt = new Date().toISOString();
  const outcome = await ctx.http.send(request, ctx.signal);
  const first = classifyOutcome(ctx.vendor, outcome);
  const resend = ctx.attempt > 1 || item.resend === true;
  const classification = (outcome.kind === 'response' && acceptedByLostAttempt(ctx.vendor, resend, first, outcome.body)) || first;
  const warnings = [...request.warnings];
  if (classification.warning) warnings.push(redact(classification.warning, ctx.allSecrets));
  const answer = outcome.kind === 'response' ? redact(outcome.body.trim(), ctx.allSecrets) : redact(`${outcome.code}: ${outcome.message}`, ctx.allSecrets);

  if (classification.class === 'delivered' || classification.class === 'duplicate') {
    const receipt: DeliveryReceipt = {
      deliveryId: item.deliveryId,
      outcome: classification.class,
      status: classification.status ?? 0,
      answer,
      attempt: ctx.attempt,
      sentAt,
      durationMs: outcome.durationMs,
    };
    if (warnings.length > 0) receipt.warnings = warnings;
    return { ok: true, receipt, classification };
  }
  const failed: ItemOutcome = {
    ok: false,
    class: classification.class,
    message: `${vendorName(ctx.vendor)} ${classification.status ?? 'network error'}: ${classification.reason}; answer: ${answer || '(empty)'}`,
    durationMs: outcome.durationMs,
    warnings,
  };
  if (classification.status !== undefined) failed.status = classification.status;
  if (classification.retryAfterMs !== undefined) failed.retryAfterMs = classification.retryAfterMs;
  return failed;
}

function build(ctx: SendContext, input: SendBatchInput, item: DeliveryItem): BuiltRequest {
  const app = ctx.config.apps[input.app];
  if (!app)
    throw new VendorConfigMissingError(`app "${input.app}" is not in the worker's app configuration (configured: ${Object.keys(ctx.config.apps).join(', ')})`);
  if (ctx.vendor === 'adjust') return buildAdjustRequest(item, input.user, app, ctx.config.vendors, ctx.secret);
  if (ctx.secret === undefined) throw new VendorConfigMissingError(`no AppsFlyer key is configured for app "${input.app}"`);
  return buildAppsflyerEventRequest(item, input.user, app, ctx.config.vendors, ctx.secret);
}

export function vendorName(vendor: Destination): string {
  return vendor === 'adjust' ? 'Adjust' : 'AppsFlyer';
}
