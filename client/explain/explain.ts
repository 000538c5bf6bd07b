// `s2s explain`: for an event, refund or delivery id of one user, what each vendor was sent (the request
// rebuilt by the relay's builders, secrets redacted, the restamped time when there was one), every answer,
// the retry timeline and the outcome, from the histories of every run of the user's workflow. The workflow's
// own record of the delivery (timeline query) is added when a worker answers.
import type { RelayConfig } from '../../domain/config';
import { deliveryId as makeDeliveryId } from '../../domain/ids';
import { DESTINATIONS, messageId, messageRevenue, type DeliveryItem, type Destination, type MessageKind } from '../../domain/delivery';
import { NON_RETRYABLE_SEND_FAILURES, SendFailureType } from '../../domain/errors';
import type { TimelineEntry } from '../../domain/status';
import type { RelayClient } from '../relay-client';
import { fetchDecodedHistory, listUserRuns, payloadValue } from '../user-runs';
import { rebuildRequest, type RebuiltRequest } from './request';
import { receivedKey, traceUser, type At, type AttemptFailure, type DeliveryTrace, type SendEnd, type UserTrace } from './trace';

export interface ExplainedSend {
  runId: string;
  /** The history event that scheduled it. */
  eventId: number;
  /** Its vendor's part of the combined first attempt (sendFirstAttempts). */
  combined: boolean;
  /** The other vendors whose first attempts went in the same combined activity. */
  combinedWith: Destination[];
  activityId: string;
  activity: string;
  scheduledAt: string;
  batch: { size: number; position: number };
  /** The created_at / eventTime sent instead of occurredAt (Adjust's late-event restamp). */
  sentAs?: string;
  request: RebuiltRequest;
  /** Failed attempts with the vendor's answer, and the last attempt when it is known. */
  failures: AttemptFailure[];
  lastAttempt?: number;
  end?: SendEnd;
}

export type OutcomeName = 'delivered' | 'duplicate' | 'dead-lettered' | 'skipped' | 'pending' | 'sending' | 'not sent';

export interface DeliveryExplanation {
  userId: string;
  deliveryId: string;
  destination: Destination;
  message: { kind: MessageKind; id: string; name: string; occurredAt: string; revenue?: string; currency?: string };
  received?: At & { as: 'update' | 'signal' };
  sentAs?: string;
  sends: ExplainedSend[];
  redrives: Array<At & { as: 'update' | 'signal'; ids?: string[] }>;
  timeline: Array<{ at: string; what: string }>;
  outcome: { outcome: OutcomeName; at?: string; status?: number; answer?: string; attempts?: number; source: 'history' | 'workflow' };
  /** The workflow's own record (its timeline query), when the run is open and a worker answered. */
  current?: TimelineEntry;
  /** Where the request was rebuilt from. */
  config: string;
}

export interface ExplainResult {
  userId: string;
  id: string;
  runs: UserTrace['runs'];
  deliveries: DeliveryExplanation[];
}

const VENDOR = { adjust: 'Adjust', appsflyer: 'AppsFlyer' } as const;

/** The deliveries an id may name: a delivery id itself, or an event's / refund's per vendor. */
export function candidateDeliveryIds(userId: string, id: string): Set<string> {
  if (/^dlv_/.test(id)) return new Set([id]);
  return new Set(DESTINATIONS.flatMap((d) => [makeDeliveryId(userId, `event:${id}`, d), makeDeliveryId(userId, `refund:${id}`, d)]));
}

export interface ExplainOptions {
  config: RelayConfig;
  configSource: string;
  /** The workflow's timeline query, bounded in time by the caller; undefined when it did not answer. */
  timeline?: () => Promise<TimelineEntry[] | undefined>;
}

export async function explain(relay: RelayClient, userId: string, id: string, options: ExplainOptions): Promise<ExplainResult> {
  const runs = await listUserRuns(relay, userId);
  const histories = [];
  for (const run of runs) histories.push({ run, history: await fetchDecodedHistory(relay, run) });
  const candidates = candidateDeliveryIds(userId, id);
  const trace = traceUser(
    histories,
    (p) => payloadValue(relay, p as never),
    (item) => candidates.has(item.deliveryId) || messageId(item.message) === id,
  );
  const latest = runs[runs.length - 1];
  const current = latest?.status === 'RUNNING' && options.timeline ? await options.timeline().catch(() => undefined) : undefined;
  const runOrder = new Map(trace.runs.map((r, i) => [r.runId, i]));
  const before = (a: At, b: At) => {
    const ra = runOrder.get(a.runId) ?? 0;
    const rb = runOrder.get(b.runId) ?? 0;
    return ra !== rb ? ra < rb : a.eventId < b.eventId;
  };
  const deliveries = [...trace.deliveries.values()].map((d) =>
    explainDelivery(
      userId,
      d,
      trace,
      options,
      before,
      current?.find((e) => e.deliveryId === d.deliveryId),
    ),
  );
  // Deliveries the workflow knows although no send carried them (skipped: too old, a vendor the event is not routed to).
  for (const entry of current ?? []) {
    if (trace.deliveries.has(entry.deliveryId) || !(candidates.has(entry.deliveryId) || entry.messageId === id)) continue;
    deliveries.push(unsent(userId, entry, options.configSource));
  }
  deliveries.sort((a, b) => DESTINATIONS.indexOf(a.destination) - DESTINATIONS.indexOf(b.destination));
  return { userId, id, runs: trace.runs, deliveries };
}

function messageView(item: DeliveryItem): DeliveryExplanation['message'] {
  const m = item.message;
  const money = messageRevenue(m);
  const body = m.kind === 'track' ? m.track : m.kind === 'refund' ? m.refund : m.adRevenue;
  const name = m.kind === 'track' ? m.track.name : m.kind === 'refund' ? `refund of ${m.refund.purchaseEventId}` : 'ad revenue';
  return { kind: m.kind, id: messageId(m), name, occurredAt: body.occurredAt, ...(money ?? {}) };
}

type Before = (a: At, b: At) => boolean;

function explainDelivery(
  userId: string,
  d: DeliveryTrace,
  trace: UserTrace,
  options: ExplainOptions,
  before: Before,
  current: TimelineEntry | undefined,
): DeliveryExplanation {
  const item = d.item as DeliveryItem;
  const sends: ExplainedSend[] = d.sends.map((s) => ({
    runId: s.runId,
    eventId: s.eventId,
    activityId: s.activityId,
    combined: s.combined,
    combinedWith: s.combinedWith,
    activity: s.activityType,
    scheduledAt: s.scheduledAt,
    batch: { size: s.batchSize, position: s.position },
    ...(s.item.sendAtMs !== undefined && s.item.sendAtMs !== s.item.occurredAtMs ? { sentAs: new Date(s.item.sendAtMs).toISOString() } : {}),
    request: rebuildRequest(options.config, s.input, s.item),
    failures: s.failures,
    ...(s.lastAttempt ? { lastAttempt: s.lastAttempt.attempt } : {}),
    ...(s.end ? { end: s.end } : {}),
  }));
  const received = trace.received.get(receivedKey(item));
  const firstDead = sends.find((s) => s.end && deadLetters(s.end))?.end;
  const redrives = trace.redrives.filter((r) => (r.ids ? r.ids.includes(d.deliveryId) : firstDead !== undefined && before(firstDead, r)));
  const sentAs = [...sends].reverse().find((s) => s.sentAs)?.sentAs;
  const outcome = current ? fromWorkflow(current) : fromHistory(sends, redrives, before);
  return {
    userId,
    deliveryId: d.deliveryId,
    destination: item.destination,
    message: messageView(item),
    ...(received ? { received } : {}),
    ...(sentAs ? { sentAs } : {}),
    sends,
    redrives,
    timeline: timeline(item.destination, received, sends, redrives, before),
    outcome,
    ...(current ? { current } : {}),
    config: options.configSource,
  };
}

function unsent(userId: string, entry: TimelineEntry, config: string): DeliveryExplanation {
  return {
    userId,
    deliveryId: entry.deliveryId,
    destination: entry.destination,
    message: {
      kind: entry.kind,
      id: entry.messageId,
      name: entry.name,
      occurredAt: entry.occurredAt,
      ...(entry.revenue ? { revenue: entry.revenue } : {}),
      ...(entry.currency ? { currency: entry.currency } : {}),
    },
    sends: [],
    redrives: [],
    timeline: entry.at ? [{ at: entry.at, what: `${entry.outcome}${entry.detail ? `: ${entry.detail}` : ''} (never handed to a send activity)` }] : [],
    outcome: fromWorkflow(entry),
    current: entry,
    config,
  };
}

function deadLetters(end: SendEnd): boolean {
  return (end.kind === 'failed' && end.head && end.type !== SendFailureType.optedOut) || end.kind === 'timed-out';
}

function fromWorkflow(e: TimelineEntry): DeliveryExplanation['outcome'] {
  return {
    outcome: e.outcome === 'pending' ? 'pending' : e.outcome,
    ...(e.at ? { at: e.at } : {}),
    ...(e.status !== undefined ? { status: e.status } : {}),
    ...(e.detail ? { answer: e.detail } : {}),
    source: 'workflow',
  };
}

function fromHistory(sends: ExplainedSend[], redrives: DeliveryExplanation['redrives'], before: Before): DeliveryExplanation['outcome'] {
  const last = sends[sends.length - 1];
  if (!last) return { outcome: 'not sent', source: 'history' };
  const end = last.end;
  const lastFailure = last.failures[last.failures.length - 1];
  if (!end)
    return {
      outcome: 'sending',
      source: 'history',
      ...(lastFailure ? { attempts: lastFailure.attempt + 1, answer: `retrying after: ${lastFailure.answer}` } : {}),
    };
  switch (end.kind) {
    case 'delivered':
    case 'duplicate':
      return { outcome: end.kind, at: end.at, status: end.receipt.status, answer: end.receipt.answer, attempts: end.receipt.attempt, source: 'history' };
    case 'not-sent':
      return { outcome: 'pending', at: end.at, answer: `queued: ${end.reason}`, source: 'history' };
    case 'cancelled':
      return { outcome: 'pending', at: end.at, answer: end.message, source: 'history' };
    case 'failed':
      if (!end.head) return { outcome: 'pending', at: end.at, answer: end.message, source: 'history' };
      if (end.type === SendFailureType.optedOut)
        return {
          outcome: 'skipped',
          at: end.at,
          ...(end.status !== undefined ? { status: end.status } : {}),
          answer: `opted out: ${end.message}`,
          source: 'history',
        };
      break;
    case 'timed-out':
      break;
    case 'handed-on':
      return {
        outcome: 'sending',
        at: end.at,
        ...(lastFailure ? { attempts: lastFailure.attempt + 1, answer: `retrying after: ${lastFailure.answer}` } : {}),
        source: 'history',
      };
  }
  // Dead-lettered, unless a redrive came after it.
  const redriven = redrives.some((r) => before(end, r));
  const failed = end.kind === 'failed' ? end : undefined;
  return {
    outcome: redriven ? 'pending' : 'dead-lettered',
    at: end.at,
    ...(failed?.status !== undefined ? { status: failed.status } : {}),
    answer: redriven ? `redriven after: ${end.message}` : end.message,
    ...(failed?.attempt !== undefined ? { attempts: failed.attempt } : {}),
    source: 'history',
  };
}

function timeline(
  destination: Destination,
  received: DeliveryExplanation['received'],
  sends: ExplainedSend[],
  redrives: DeliveryExplanation['redrives'],
  before: Before,
): DeliveryExplanation['timeline'] {
  const items: Array<{ when: At; what: string }> = [];
  if (received) items.push({ when: received, what: `received by the workflow (${received.as})` });
  for (const s of sends) {
    const where = `activity ${s.activityId} of run ${s.runId.slice(0, 8)}${s.batch.size > 1 ? `, item ${s.batch.position} of ${s.batch.size}` : ''}`;
    const others = s.combinedWith.map((d) => `${VENDOR[d]}'s`).join(' and ');
    const how = s.combined ? `handed to sendFirstAttempts (the first attempt${others ? `, with ${others}` : ''}; ` : `handed to ${s.activity} (`;
    items.push({ when: { at: s.scheduledAt, runId: s.runId, eventId: s.eventId }, what: `${how}${where})${s.sentAs ? `, restamped to ${s.sentAs}` : ''}` });
    for (const f of s.failures) {
      const retried = !NON_RETRYABLE_SEND_FAILURES.includes(f.type ?? '');
      items.push({ when: f, what: `attempt ${f.attempt} failed${f.type ? ` (${f.type})` : ''}: ${f.answer}${retried ? ' → retried' : ''}` });
    }
    if (s.end) items.push({ when: s.end, what: endText(destination, s.end) });
  }
  for (const r of redrives) items.push({ when: r, what: `redrive (${r.as}${r.ids ? `, ids ${r.ids.join(', ')}` : ', all dead letters'})` });
  items.sort((a, b) => (before(a.when, b.when) ? -1 : before(b.when, a.when) ? 1 : 0));
  return items.map((i) => ({ at: i.when.at, what: i.what }));
}

function endText(destination: Destination, end: SendEnd): string {
  const vendor = VENDOR[destination];
  switch (end.kind) {
    case 'delivered':
    case 'duplicate': {
      const r = end.receipt;
      const warn = r.warnings?.length ? `; warnings: ${r.warnings.join('; ')}` : '';
      return `${end.kind === 'delivered' ? `${vendor} accepted it` : `${vendor} counted it as a duplicate`}: ${r.status} ${r.answer || '(empty)'} (attempt ${r.attempt}, sent ${r.sentAt}, ${r.durationMs} ms)${warn}`;
    }
    case 'not-sent':
      return `not sent by this activity: ${end.reason}${end.possiblyAccepted ? ' (an earlier attempt may have reached the vendor: the next send is a resend)' : ''}; it stays queued`;
    case 'failed':
      if (!end.head) return `${end.message}; it stays queued`;
      if (end.type === SendFailureType.optedOut)
        return `${vendor}: the device opted out (${end.status ?? 451}): the lane stopped, this and later deliveries are skipped`;
      return `failed for good${end.type ? ` (${end.type})` : ''}${end.attempt !== undefined ? ` at attempt ${end.attempt}` : ''}: ${end.message} → dead-lettered`;
    case 'timed-out':
      return `${end.message} → dead-lettered`;
    case 'cancelled':
      return `${end.message}`;
    case 'handed-on':
      return end.message;
  }
}
