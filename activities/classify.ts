// Pure classification of a vendor's answer (or a network failure) into what the relay does next, from the
// error tables Adjust and AppsFlyer document. One table per vendor, matched top to bottom on status and a
// message fragment; anything not in a table is "unknown" and retried like a transient failure, never dropped.
// Then how a failed send ends its activity attempt (decideRetry): which SendFailureType, whether Temporal may
// retry it, and when (nextRetryDelay overrides the workflow's backoff for slow classes and Retry-After).
// The Temporal RetryPolicy (backoff, schedule-to-close deadline) does the waiting, so retries are durable.
import type { RelayConfig } from '../domain/config';
import type { Destination } from '../domain/delivery';
import { SendFailureType } from '../domain/errors';

export type SendClass = 'delivered' | 'duplicate' | 'optedOut' | 'rejected' | 'misconfigured' | 'deviceNotFound' | 'transient' | 'unknown';

/** What one HTTP attempt produced, as seen by the sender (http.ts). */
export type HttpOutcome =
  | { kind: 'response'; status: number; body: string; retryAfter?: string; durationMs: number }
  | { kind: 'network'; code: string; message: string; durationMs: number };

export interface Classification {
  class: SendClass;
  /** HTTP status, absent for network failures. */
  status?: number;
  /** Short explanation: the documented meaning, or the error code for network failures. */
  reason: string;
  /** 429 Retry-After, in milliseconds from now. */
  retryAfterMs?: number;
  /** A success whose body is not the documented one (still counted as delivered: see docs/app-config.md). */
  warning?: string;
}

interface Row {
  status: number | ((status: number) => boolean);
  /** Lower-case fragment of the answer body; omitted: any body. */
  says?: string;
  class: SendClass;
  reason: string;
}

const is5xx = (s: number) => s >= 500 && s <= 599;

/** Adjust's event/ad-revenue error table (`{"error":"Event request failed (<message>)"}`). */
export const ADJUST_TABLE: readonly Row[] = [
  { status: 400, says: 'ignoring event, earlier unique event tracked', class: 'duplicate', reason: 'unique event already tracked for this device' },
  { status: 400, says: 'invalid app token', class: 'misconfigured', reason: 'Adjust app token not set correctly' },
  {
    status: 400,
    says: 'bad event state',
    class: 'rejected',
    reason: 'event does not fit the device state (e.g. created_at before installed_at, or out of order)',
  },
  { status: 400, says: 'invalid callback parameters', class: 'rejected', reason: 'callback parameters could not be extracted' },
  { status: 400, says: 'invalid event token', class: 'rejected', reason: 'event token unknown or not of this app' },
  { status: 400, says: 'invalid revenue', class: 'rejected', reason: 'revenue amount invalid or above 100,000,000,000' },
  { status: 401, class: 'misconfigured', reason: 'S2S authorization token missing, wrong or without the needed scope' },
  { status: 403, says: 'app is inactive', class: 'misconfigured', reason: 'app deactivated in the Adjust dashboard' },
  { status: 403, says: 'tracking disabled', class: 'misconfigured', reason: 'measurement not enabled for this platform' },
  { status: 403, says: 'event token blocklisted', class: 'rejected', reason: 'event token blocklisted' },
  { status: 403, says: 'event token blacklisted', class: 'rejected', reason: 'event token blocklisted' },
  { status: 404, says: 'app token not found', class: 'misconfigured', reason: 'Adjust app token not found' },
  { status: 404, says: 'device not found', class: 'deviceNotFound', reason: 'Adjust has no device data yet (install not processed?)' },
  { status: 413, class: 'rejected', reason: 'request larger than 1 MB' },
  { status: 429, class: 'transient', reason: 'rate limited' },
  { status: 451, class: 'optedOut', reason: 'device opted out' },
  { status: is5xx, class: 'transient', reason: 'Adjust server error' },
];

/** AppsFlyer's in-app event error table (plain-text answers). */
export const APPSFLYER_TABLE: readonly Row[] = [
  { status: 400, says: 'failed to authenticate', class: 'misconfigured', reason: 'authentication key not accepted' },
  { status: 400, says: 'appsflyer_id is a mandatory field', class: 'rejected', reason: 'appsflyer_id missing or JSON malformed' },
  { status: 400, says: 'payload is missing or failed to parse', class: 'rejected', reason: 'payload missing, not stringified, or more than one event' },
  { status: 400, says: 'bad request', class: 'rejected', reason: 'request failed AppsFlyer validation' },
  { status: 400, says: 'app_id', class: 'misconfigured', reason: 'app_id wrong or not matching the key' },
  { status: 401, class: 'misconfigured', reason: 'key is not the S2S key (api3) / dev key (api2) of this app' },
  { status: 403, says: 'forbidden', class: 'rejected', reason: '"Zero Package" plan does not accept S2S events' },
  { status: 429, class: 'transient', reason: 'rate limited' },
  { status: 451, class: 'optedOut', reason: 'device opted out' },
  { status: is5xx, class: 'transient', reason: 'AppsFlyer server error' },
];

export function classifyOutcome(vendor: Destination, outcome: HttpOutcome, nowMs: number = Date.now()): Classification {
  if (outcome.kind === 'network') return { class: 'transient', reason: `network: ${outcome.code}` };
  const { status, body } = outcome;
  if (status >= 200 && status <= 299) return classifySuccess(vendor, status, body);
  const text = body.toLowerCase();
  const table = vendor === 'adjust' ? ADJUST_TABLE : APPSFLYER_TABLE;
  const row = table.find((r) => (typeof r.status === 'number' ? r.status === status : r.status(status)) && (r.says === undefined || text.includes(r.says)));
  if (!row) return { class: 'unknown', status, reason: `undocumented answer ${status}` };
  const result: Classification = { class: row.class, status, reason: row.reason };
  if (status === 429 && outcome.retryAfter !== undefined) {
    const ms = parseRetryAfter(outcome.retryAfter, nowMs);
    if (ms !== undefined) result.retryAfterMs = ms;
  }
  return result;
}

/**
 * Any 2xx counts as delivered: the vendor took the request, and neither vendor deduplicates S2S events, so
 * retrying an accepted request would count the revenue twice. A body other than the documented one
 * (`{"status":"OK"}` / `OK`) is kept as a warning on the receipt and logged.
 */
function classifySuccess(vendor: Destination, status: number, body: string): Classification {
  const text = body.trim();
  if (vendor === 'adjust') {
    if (/authentication token/i.test(text)) {
      return {
        class: 'delivered',
        status,
        reason: 'accepted',
        warning: `Adjust accepted the event but says: ${text.slice(0, 200)} (S2S security is off for the app, or the token is wrong)`,
      };
    }
    if (isAdjustOk(text)) return { class: 'delivered', status, reason: 'accepted' };
    return { class: 'delivered', status, reason: 'accepted', warning: `unexpected ${status} body from Adjust: ${text.slice(0, 200) || '(empty)'}` };
  }
  if (/^"?ok"?$/i.test(text)) return { class: 'delivered', status, reason: 'accepted' };
  return { class: 'delivered', status, reason: 'accepted', warning: `unexpected ${status} body from AppsFlyer: ${text.slice(0, 200) || '(empty)'}` };
}

function isAdjustOk(text: string): boolean {
  if (/^"?ok"?$/i.test(text)) return true;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && String((parsed as { status?: unknown }).status).toUpperCase() === 'OK';
  } catch {
    return false;
  }
}

/**
 * A resend Adjust refuses as out of order (a retried attempt, or a delivery whose earlier activity was cancelled): the relay sends a lane strictly in event-time
 * order with one batch in flight, so Adjust can only hold a newer event for this device and token if an
 * earlier attempt of this very batch got that far, and a batch stops at its first failure, so that attempt
 * also delivered this event; its answer was lost (the worker died, the connection dropped). Counted as a
 * duplicate with a warning, not dead-lettered. Other "Bad event state" reasons (before the install, too old)
 * stay rejections. Caveat (documented): another system sending S2S events for the same device and token
 * could also cause this answer.
 */
export function acceptedByLostAttempt(vendor: Destination, resend: boolean, c: Classification, body: string): Classification | undefined {
  if (vendor !== 'adjust' || !resend || c.class !== 'rejected' || c.status !== 400) return undefined;
  const text = body.toLowerCase();
  const at = text.indexOf('bad event state');
  if (at < 0) return undefined;
  // Adjust documents no detail for this answer; the emulator adds one. Only "out of order" (or none) qualifies.
  const detail = text
    .slice(at + 'bad event state'.length)
    .replace(/^[:\s]+/, '')
    .replace(/[)"}\s]+$/, '');
  if (detail !== '' && !/out of order|earlier than/.test(detail)) return undefined;
  return {
    class: 'duplicate',
    status: 400,
    reason: 'accepted by an earlier attempt whose answer was lost',
    warning: `Adjust refused a resend as out of order (${body.trim().slice(0, 160)}): an earlier attempt of this batch was accepted but its answer was lost, so this delivery is counted once`,
  };
}

/** Retry-After as delay-seconds or an HTTP date, in ms from `nowMs`; undefined when unparseable. */
export function parseRetryAfter(value: string, nowMs: number): number | undefined {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

// ---- What a failed send does next ----

export type RetrySettings = RelayConfig['policy']['retry'];

/** Every way a send can fail: the classifier's failure classes plus the builder refusing to build. */
export type FailureClass = Exclude<SendClass, 'delivered' | 'duplicate'> | 'invalidRequest';

export interface RetryInput {
  /** Activity attempt, starting at 1. */
  attempt: number;
  /** Since the activity was first scheduled (Context info scheduledTimestampMs). */
  elapsedMs: number;
  /** From a 429's Retry-After. */
  retryAfterMs?: number;
  /** Time left until the delivery's retry deadline (SendBatchInput.deadlineMs), if it has one. */
  msToDeadline?: number;
}

export interface RetryDecision {
  type: SendFailureType;
  nonRetryable: boolean;
  nextRetryDelayMs?: number;
  /** S2SDeadlinePassed: the type the failure would have been retried as. */
  lastType?: SendFailureType;
}

/** The delay Temporal's own backoff would use before attempt `attempt + 1`. */
export function policyBackoffMs(attempt: number, retry: RetrySettings): number {
  const delay = retry.initialInterval * retry.backoffCoefficient ** Math.max(0, attempt - 1);
  return Math.min(delay, retry.maximumInterval);
}

/**
 * A retryable failure whose next attempt would start at or after the delivery's deadline ends now, as
 * S2SDeadlinePassed with the last answer (rather than Temporal timing the activity out without it).
 */
export function decideRetry(cls: FailureClass, input: RetryInput, retry: RetrySettings): RetryDecision {
  const decision = decideByClass(cls, input, retry);
  if (decision.nonRetryable || input.msToDeadline === undefined) return decision;
  const nextAttemptInMs = decision.nextRetryDelayMs ?? policyBackoffMs(input.attempt, retry);
  if (nextAttemptInMs < input.msToDeadline) return decision;
  return { type: SendFailureType.deadlinePassed, nonRetryable: true, lastType: decision.type };
}

function decideByClass(cls: FailureClass, input: RetryInput, retry: RetrySettings): RetryDecision {
  switch (cls) {
    case 'rejected':
      return { type: SendFailureType.rejected, nonRetryable: true };
    case 'invalidRequest':
      return { type: SendFailureType.invalidRequest, nonRetryable: true };
    case 'optedOut':
      return { type: SendFailureType.optedOut, nonRetryable: true };
    case 'misconfigured':
      return { type: SendFailureType.misconfigured, nonRetryable: false, nextRetryDelayMs: retry.misconfiguredInterval };
    case 'deviceNotFound':
      if (input.elapsedMs > retry.deviceNotFoundMaxAge) return { type: SendFailureType.deviceNotFound, nonRetryable: true };
      return { type: SendFailureType.deviceNotYetKnown, nonRetryable: false, nextRetryDelayMs: retry.deviceNotFoundInterval };
    case 'transient':
    case 'unknown': {
      if (input.retryAfterMs === undefined || input.retryAfterMs <= 0) return { type: SendFailureType.transient, nonRetryable: false };
      // Honour Retry-After, but never sooner than our own backoff, and never longer than the slowest interval we configure.
      const cap = Math.max(retry.maximumInterval, retry.misconfiguredInterval);
      const delay = Math.min(Math.max(input.retryAfterMs, policyBackoffMs(input.attempt, retry)), cap);
      return { type: SendFailureType.transient, nonRetryable: false, nextRetryDelayMs: delay };
    }
  }
}
