// What the histories of a user's runs say about one delivery: the message's arrival, every send that carried it
// (the combined first attempt's part for its vendor, as an activity or a local activity whose result carries
// its input, or a vendor's send activity: its input, each attempt's
// answer from the `laneFailure` reports and the last attempt's failure, the result or the failure that ended
// it), the redrives that named it, in time order across runs. Pure over
// decoded histories: `value` turns a payload list into its value (client/user-runs.ts).
import type { temporal } from '@temporalio/proto';
import {
  DESTINATIONS,
  messageId,
  type CombinedSendInput,
  type CombinedSendResult,
  type DeliveryItem,
  type DeliveryReceipt,
  type Destination,
  type SendBatchInput,
  type SendBatchResult,
  type SendFailureData,
} from '../../domain/delivery';
import { NON_RETRYABLE_SEND_FAILURES, type SendFailureDetails } from '../../domain/errors';
import type { LaneFailureReport } from '../../domain/snapshot';
import type { History, UserRun } from '../user-runs';

type Event = temporal.api.history.v1.IHistoryEvent;
type Failure = temporal.api.failure.v1.IFailure;
export type PayloadsValue = (payloads: { payloads?: unknown[] | null } | null | undefined) => unknown;

const SEND_ACTIVITIES = new Set(['sendToAdjust', 'sendToAppsflyer']);
/** The combined first attempt: its input and result hold one part per vendor. */
const COMBINED_SEND = 'sendFirstAttempts';
/** The marker Temporal's Core SDK records for a local activity (details: `data`, `result`). */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
const VENDOR_ACTIVITY: Record<Destination, string> = { adjust: 'sendToAdjust', appsflyer: 'sendToAppsflyer' };
const MESSAGE_NAMES = new Set(['track', 'refund', 'adRevenue']);
/** temporal.api.enums.v1.RetryState.RETRY_STATE_CANCEL_REQUESTED */
const RETRY_STATE_CANCEL_REQUESTED = 7;

/** Where something was recorded: the run and the history event id (for ordering events of the same instant). */
export interface At {
  at: string;
  runId: string;
  eventId: number;
}

export interface AttemptFailure extends At {
  attempt: number;
  type?: string;
  status?: number;
  answer: string;
  /** Where it was read: a `laneFailure` report, the last attempt's `lastFailure`, or the combined first attempt's result. */
  from: 'report' | 'last-failure' | 'first-attempt';
}

export type SendEnd = At &
  (
    | { kind: 'delivered' | 'duplicate'; receipt: DeliveryReceipt }
    | { kind: 'not-sent'; reason: string; possiblyAccepted: boolean }
    | { kind: 'failed'; type?: string; status?: number; message: string; attempt?: number; nonRetryable: boolean; head: boolean }
    | { kind: 'timed-out'; message: string }
    | { kind: 'cancelled'; message: string }
    /** The combined first attempt failed in a way worth retrying: the vendor's send activity takes the batch on. */
    | { kind: 'handed-on'; message: string }
  );

/** One send that carried the delivery: a vendor's send activity, or its part of the combined first attempt. */
export interface SendTrace {
  runId: string;
  /** The ActivityTaskScheduled event. */
  eventId: number;
  /** Its vendor's part of the combined first attempt (sendFirstAttempts), on the workflows' task queue. */
  combined: boolean;
  /** The other vendors whose first attempts went in the same combined activity. */
  combinedWith: Destination[];
  activityId: string;
  activityType: string;
  scheduledAt: string;
  /** The activity's input as recorded (the batch, the install context, the app). */
  input: SendBatchInput;
  item: DeliveryItem;
  batchSize: number;
  /** 1-based: a delivery after the first is sent only once those before it are accepted. */
  position: number;
  failures: AttemptFailure[];
  lastAttempt?: { attempt: number; startedAt: string };
  end?: SendEnd;
}

export interface DeliveryTrace {
  deliveryId: string;
  /** The message as first seen in a send input (absent when it never reached a send). */
  item?: DeliveryItem;
  sends: SendTrace[];
}

export interface UserTrace {
  runs: Array<Pick<UserRun, 'runId' | 'status' | 'startMs'> & { events: number }>;
  /** Messages (track, refund, adRevenue) by id: when and how the workflow received each. */
  received: Map<string, At & { as: 'update' | 'signal' }>;
  redrives: Array<At & { ids?: string[]; as: 'update' | 'signal' }>;
  deliveries: Map<string, DeliveryTrace>;
}

export function eventTimeIso(event: Event): string {
  const t = event.eventTime;
  if (!t) return '';
  const seconds = t.seconds === null || t.seconds === undefined ? 0 : Number(t.seconds.toString());
  return new Date(seconds * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}

const id = (n: unknown): string => (n === null || n === undefined ? '' : String((n as { toString(): string }).toString()));

function failureText(f: Failure | null | undefined): { type?: string; message: string; details?: SendFailureDetails; nonRetryable: boolean } {
  if (!f) return { message: '(no failure recorded)', nonRetryable: false };
  const app = f.applicationFailureInfo;
  return {
    ...(app?.type ? { type: app.type } : {}),
    message: f.message ?? '',
    nonRetryable: app?.nonRetryable === true,
  };
}

/** Reads every run's events once; `deliveryIds` are the deliveries of interest (the others are skipped). */
export function traceUser(runs: Array<{ run: UserRun; history: History }>, value: PayloadsValue, wanted: (item: DeliveryItem) => boolean): UserTrace {
  const trace: UserTrace = { runs: [], received: new Map(), redrives: [], deliveries: new Map() };
  for (const { run, history } of runs) {
    const events = history.events ?? [];
    trace.runs.push({ runId: run.runId, status: run.status, startMs: run.startMs, events: events.length });
    const scheduled = new Map<string, SendTrace[]>();
    const open: SendTrace[] = [];
    const detailsOf = (f: Failure | null | undefined) =>
      f?.applicationFailureInfo?.details ? (value(f.applicationFailureInfo.details) as SendFailureDetails | undefined) : undefined;
    for (const event of events) {
      const here: At = { at: eventTimeIso(event), runId: run.runId, eventId: Number(id(event.eventId)) };
      const at = here.at;
      const s = event.activityTaskScheduledEventAttributes;
      const type = s?.activityType?.name ?? '';
      if (s && (SEND_ACTIVITIES.has(type) || type === COMBINED_SEND)) {
        const traces = openSends(trace, here, type, value(s.input) as SendBatchInput | CombinedSendInput | undefined, s.activityId ?? '', wanted);
        if (traces.length) {
          scheduled.set(id(event.eventId), traces);
          open.push(...traces);
        }
        continue;
      }
      const marker = event.markerRecordedEventAttributes;
      if (marker?.markerName === LOCAL_ACTIVITY_MARKER) {
        // The combined first attempt as a local activity: sent and answered within one workflow task. History
        // has no input for it; each part of its result carries its lane's (LaneAttempt.input).
        const data = value(marker.details?.data) as { activity_type?: string; activity_id?: string } | undefined;
        if (data?.activity_type !== COMBINED_SEND) continue;
        const answer = marker.details?.result ? (value(marker.details.result) as CombinedSendResult | undefined) : undefined;
        const input: CombinedSendInput = Object.fromEntries(DESTINATIONS.flatMap((d) => (answer?.[d]?.input ? [[d, answer[d].input]] : [])));
        completeSends(openSends(trace, here, COMBINED_SEND, input, data.activity_id ?? '', wanted), answer, here);
        continue;
      }
      const started = event.activityTaskStartedEventAttributes;
      if (started) {
        for (const send of scheduled.get(id(started.scheduledEventId)) ?? []) {
          // After the combined first attempt, a vendor's activity continues the delivery's count.
          const attempt = (started.attempt ?? 1) + (send.input.priorAttempts ?? 0);
          send.lastAttempt = { attempt, startedAt: at };
          // The attempt before the last one, from the server's record, unless a report already told of it.
          if (attempt > 1 && started.lastFailure && send.position === 1 && !send.failures.some((f) => f.attempt === attempt - 1)) {
            const f = failureText(started.lastFailure);
            const details = detailsOf(started.lastFailure);
            send.failures.push({
              attempt: attempt - 1,
              ...here,
              ...(f.type ? { type: f.type } : {}),
              ...(details?.status !== undefined ? { status: details.status } : {}),
              answer: details?.message ?? f.message,
              from: 'last-failure',
            });
          }
        }
        continue;
      }
      const completed = event.activityTaskCompletedEventAttributes;
      if (completed) {
        completeSends(close(scheduled, open, completed.scheduledEventId), value(completed.result) as SendBatchResult | CombinedSendResult | undefined, here);
        continue;
      }
      const failed = event.activityTaskFailedEventAttributes;
      if (failed) {
        for (const send of close(scheduled, open, failed.scheduledEventId)) {
          const f = failureText(failed.failure);
          const details = detailsOf(failed.failure);
          if (send.combined && failed.retryState !== RETRY_STATE_CANCEL_REQUESTED) {
            firstAttemptFailed(send, here, { type: f.type ?? 'unexpected', message: f.message, nonRetryable: false });
          } else if (failed.retryState === RETRY_STATE_CANCEL_REQUESTED && !f.nonRetryable) {
            send.end = {
              kind: 'cancelled',
              ...here,
              message: `the run stopped sending (continue-as-new or forget) during a retry of: ${details?.message ?? f.message}`,
            };
          } else {
            const head = send.position === 1;
            send.end = {
              kind: 'failed',
              ...here,
              ...(f.type ? { type: f.type } : {}),
              ...(head && details?.status !== undefined ? { status: details.status } : {}),
              message: head ? (details?.message ?? f.message) : `not sent: the first delivery of the batch (${send.input.items[0]?.deliveryId ?? '?'}) failed`,
              ...(details?.attempt !== undefined ? { attempt: details.attempt } : {}),
              nonRetryable: f.nonRetryable,
              head,
            };
          }
        }
        continue;
      }
      const timedOut = event.activityTaskTimedOutEventAttributes;
      if (timedOut) {
        for (const send of close(scheduled, open, timedOut.scheduledEventId)) {
          const cause = timedOut.failure?.cause ? failureText(timedOut.failure.cause).message : '';
          const message = `${timedOut.failure?.message ?? 'activity timed out'}${cause ? `; last failure: ${cause}` : ''}`;
          if (send.combined) firstAttemptFailed(send, here, { type: 'timed-out', message, nonRetryable: false });
          else send.end = { kind: 'timed-out', ...here, message };
        }
        continue;
      }
      const cancelled = event.activityTaskCanceledEventAttributes;
      if (cancelled) {
        for (const send of close(scheduled, open, cancelled.scheduledEventId))
          send.end = {
            kind: 'cancelled',
            ...here,
            message: 'cancelled by the run (continue-as-new drain or forget) before an answer; the delivery stays queued',
          };
        continue;
      }
      const signal = event.workflowExecutionSignaledEventAttributes;
      if (signal) {
        const arg = value(signal.input) as Record<string, unknown> | undefined;
        if (signal.signalName === 'laneFailure') {
          const report = arg as LaneFailureReport | undefined;
          const send = open.find((o) => o.item.deliveryId === report?.deliveryId && o.position === 1);
          if (send && report && !send.failures.some((f) => f.attempt === report.attempt)) {
            send.failures.push({
              attempt: report.attempt,
              ...here,
              type: report.type,
              ...(report.status !== undefined ? { status: report.status } : {}),
              answer: report.answer,
              from: 'report',
            });
          }
        } else received(trace, signal.signalName ?? '', arg, here, 'signal');
        continue;
      }
      const accepted = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
      if (accepted) received(trace, accepted.name ?? '', value(accepted.args) as Record<string, unknown> | undefined, here, 'update');
    }
  }
  for (const d of trace.deliveries.values()) for (const s of d.sends) s.failures.sort((a, b) => a.attempt - b.attempt);
  return trace;
}

/** The traces of the wanted deliveries a send carried (a combined first attempt: one per vendor part). */
function openSends(
  trace: UserTrace,
  here: At,
  type: string,
  raw: SendBatchInput | CombinedSendInput | undefined,
  activityId: string,
  wanted: (item: DeliveryItem) => boolean,
): SendTrace[] {
  const combined = type === COMBINED_SEND;
  const parts: Array<[string, SendBatchInput | undefined, Destination | undefined]> = combined
    ? DESTINATIONS.map((d) => [VENDOR_ACTIVITY[d], (raw as CombinedSendInput | undefined)?.[d], d])
    : [[type, raw as SendBatchInput | undefined, undefined]];
  const present = parts.flatMap(([, input, d]) => (input && d ? [d] : []));
  const traces: SendTrace[] = [];
  for (const [activityType, input, destination] of parts) {
    const combinedWith = present.filter((d) => d !== destination);
    const items = Array.isArray(input?.items) ? input.items : [];
    items.forEach((item, i) => {
      if (!wanted(item)) return;
      const send: SendTrace = {
        runId: here.runId,
        eventId: here.eventId,
        combined,
        combinedWith,
        activityId,
        activityType,
        scheduledAt: here.at,
        input: input as SendBatchInput,
        item,
        batchSize: items.length,
        position: i + 1,
        failures: [],
      };
      traces.push(send);
      addSend(trace, send);
    });
  }
  return traces;
}

/** How each send ended, from its activity's result (a combined first attempt: its vendor's part). */
function completeSends(sends: SendTrace[], answer: SendBatchResult | CombinedSendResult | undefined, here: At): void {
  for (const send of sends) {
    let result = answer as SendBatchResult | undefined;
    if (send.combined) {
      const part = (answer as CombinedSendResult | undefined)?.[send.item.destination];
      if (part && 'deferred' in part) {
        send.end = { kind: 'not-sent', ...here, reason: `handed back unsent at the end of its settle window: ${part.deferred}`, possiblyAccepted: false };
        continue;
      }
      if (part && !part.ok) {
        firstAttemptFailed(send, here, part.failure);
        continue;
      }
      result = part?.result;
    }
    const receipt = result?.receipts?.find((r) => r.deliveryId === send.item.deliveryId);
    if (receipt) send.end = { kind: receipt.outcome, ...here, receipt };
    else {
      const possiblyAccepted = (result?.possiblyAccepted ?? []).includes(send.item.deliveryId);
      send.end = { kind: 'not-sent', ...here, reason: result?.stopReason ?? 'the batch stopped before it', possiblyAccepted };
    }
  }
}

function addSend(trace: UserTrace, send: SendTrace): void {
  let delivery = trace.deliveries.get(send.item.deliveryId);
  if (!delivery) trace.deliveries.set(send.item.deliveryId, (delivery = { deliveryId: send.item.deliveryId, item: send.item, sends: [] }));
  delivery.sends.push(send);
}

/** A lane's part of the combined first attempt failed: final (a dead letter or a stopped lane), or retried by its vendor's activity. */
function firstAttemptFailed(send: SendTrace, here: At, failure: SendFailureData): void {
  const head = send.position === 1;
  const firstId = send.input.items[0]?.deliveryId ?? '?';
  if (failure.nonRetryable || NON_RETRYABLE_SEND_FAILURES.includes(failure.type)) {
    send.end = {
      kind: 'failed',
      ...here,
      type: failure.type,
      ...(head && failure.details?.status !== undefined ? { status: failure.details.status } : {}),
      message: head ? (failure.details?.message ?? failure.message) : `not sent: the first delivery of the batch (${firstId}) failed`,
      ...(failure.details?.attempt !== undefined ? { attempt: failure.details.attempt } : {}),
      nonRetryable: true,
      head,
    };
    return;
  }
  if (head)
    send.failures.push({
      attempt: failure.details?.attempt ?? 1,
      ...here,
      type: failure.type,
      ...(failure.details?.status !== undefined ? { status: failure.details.status } : {}),
      answer: failure.details?.message ?? failure.message,
      from: 'first-attempt',
    });
  send.end = {
    kind: 'handed-on',
    ...here,
    message: head
      ? `${send.activityType} retries it after the retry delay`
      : `not sent: the first delivery of the batch (${firstId}) failed; ${send.activityType} takes the batch on`,
  };
}

function close(scheduled: Map<string, SendTrace[]>, open: SendTrace[], scheduledEventId: unknown): SendTrace[] {
  const sends = scheduled.get(id(scheduledEventId)) ?? [];
  for (const s of sends) open.splice(open.indexOf(s), 1);
  return sends;
}

function received(trace: UserTrace, name: string, arg: Record<string, unknown> | undefined, here: At, as: 'update' | 'signal'): void {
  if (name === 'redrive') {
    const ids = Array.isArray(arg?.ids) && arg.ids.length > 0 ? (arg.ids as string[]) : undefined;
    trace.redrives.push({ ...here, as, ...(ids ? { ids } : {}) });
    return;
  }
  if (!MESSAGE_NAMES.has(name) || !arg) return;
  const key = typeof arg.refundId === 'string' && name === 'refund' ? arg.refundId : typeof arg.eventId === 'string' ? arg.eventId : undefined;
  const k = `${name === 'refund' ? 'refund' : 'event'}:${key}`;
  if (key !== undefined && !trace.received.has(k)) trace.received.set(k, { ...here, as });
}

/** The key `received` is indexed by for an item's message. */
export function receivedKey(item: DeliveryItem): string {
  return `${item.message.kind === 'refund' ? 'refund' : 'event'}:${messageId(item.message)}`;
}
