// The chaos run's verdict, from the vendor emulator's record (the source of truth) and the harness's own
// workload, never from ids the relay computes: each request is matched to an intended delivery by the
// harness's marker (events) or by device and content (refunds), and its content is checked. Then: lost
// deliveries (AppsFlyer's 200 `not_recorded` is not a delivery), duplicates, and for each duplicate the
// evidence that the earlier acceptance's answer was lost (the emulator's acceptThenReset, an answer the relay
// closed the connection before, the attempt's worker killed before the attempt completed, or its completion
// sent while the server was down), per-lane order, sends before the gate, refunds before their purchase,
// vendor rejections. Pure.
import type { Destination } from '../domain/delivery';
import { contentDiffers, contentOf, deviceOf, type Content, type IntendedDelivery, type RawRequest } from './chaos-content';

/** The fields of an emulator record (emulator/record.ts) the checker reads. */
export interface VendorRecord extends RawRequest {
  id: number;
  receivedAtMs: number;
  vendor: Destination;
  status: number;
  outcome: string;
  fault?: string;
  reason?: string;
  /** The emulator meant to answer, but the relay had closed the connection (emulator/record.ts). */
  answerUndelivered?: boolean;
  /** The relay's delivery id as the emulator read it: used only to find the attempt that sent a request. */
  deliveryId?: string;
}

/** One send attempt as the harness's activity interceptor logged it (bench/attempt-log.ts). */
export interface AttemptRecord {
  pid: number;
  activityId: string;
  attempt: number;
  deliveryIds: string[];
  startedAtMs: number;
  /** Absent: the attempt never finished on that worker. */
  endedAtMs?: number;
  /** How it ended (absent while endedAtMs is). */
  result?: 'ok' | 'failed';
}

export interface Evidence {
  attempts: readonly AttemptRecord[];
  /** Worker processes the harness SIGKILLed. */
  kills: ReadonlyArray<{ pid: number; killedAtMs: number }>;
  /** When the Temporal server was down (killed until ready again). */
  serverDowntimes: ReadonlyArray<{ fromMs: number; toMs: number }>;
  /** How long the emulator held a `slow` answer (so when the answer left it). */
  slowAnswerMs: number;
  /**
   * When each message (by the harness's message id, unique across users) first entered its user's workflow
   * history (bench/message-entries.ts). An event that entered only after the relay began sending a later one
   * (its first attempt started; without attempt evidence, the vendor received it), and after that later event's
   * settle window (`settleWindowMs`, counted from when it happened), could not be ordered before it: a late
   * arrival, not an order violation.
   */
  enteredAtMs?: ReadonlyMap<string, number>;
  /** policy.settleWindow of the run: the relay orders what reaches it within this long of the later event. */
  settleWindowMs?: number;
}

/** A kill this long after the vendor's answer left means the worker had the answer (a network round trip on loopback is far less). */
const ANSWER_IN_HAND_MS = 100;

export interface CheckInput {
  intended: readonly IntendedDelivery[];
  records: readonly VendorRecord[];
  evidence: Evidence;
}

export interface Violation {
  key: string;
  detail: string;
}

export const DUPLICATE_CAUSES = {
  acceptThenReset: 'answer lost: the emulator recorded acceptThenReset (accepted, then the connection was reset)',
  workerKilledInFlight: "answer lost: the attempt's worker was killed while the request was in flight",
  workerKilledAfterAnswer: "the attempt's worker was killed after the vendor's answer reached it, before the attempt completed",
  serverDown: "the attempt's completion was sent while the Temporal server was down",
  answerUndelivered: "answer lost: the relay closed the connection before the emulator's answer (its timeout, or a cancelled attempt)",
} as const;
export type DuplicateCause = keyof typeof DUPLICATE_CAUSES;

export interface CheckResult {
  expectedDeliveries: number;
  delivered: number;
  lost: number;
  /** AppsFlyer answered 200 but recorded nothing (not a delivery). */
  notRecorded: number;
  duplicates: number;
  duplicatesByCause: Record<DuplicateCause, number>;
  unexplainedDuplicates: number;
  /** Accepted requests whose content differs from the intended delivery's. */
  contentMismatches: number;
  orderViolations: number;
  /** Out of event-time order because the earlier event entered the workflow after the relay began sending the later one, past its settle window. */
  lateArrivals: number;
  earlySends: number;
  refundsBeforePurchase: number;
  vendorRejections: { order: number; age: number; other: number; ofAlreadyAccepted: number };
  unexpectedRequests: number;
  organic: number;
  acceptThenResetAccepted: number;
  /** Up to 10 examples per broken invariant. */
  samples: Record<string, Violation[]>;
  failures: string[];
}

/** Counted by the vendor: accepted (AppsFlyer: attributed or organic). Not `not_recorded`, not a vendor `duplicate`. */
export function isDelivered(record: Pick<VendorRecord, 'outcome'>): boolean {
  return record.outcome === 'accepted' || record.outcome === 'attributed' || record.outcome === 'organic';
}

function rejectionKind(reason: string | undefined): 'order' | 'age' | 'other' {
  const text = (reason ?? '').toLowerCase();
  if (text.includes('out of order') || text.includes('before installed_at')) return 'order';
  if (text.includes('too old')) return 'age';
  return 'other';
}

/** Matches requests to intended deliveries: events by marker, refunds by device and time. */
class Matcher {
  private readonly byMarker = new Map<string, IntendedDelivery>();
  private readonly refundsByDevice = new Map<string, IntendedDelivery[]>();

  constructor(intended: readonly IntendedDelivery[]) {
    for (const d of intended) {
      if (d.kind === 'event') this.byMarker.set(`${d.vendor}/${d.messageId}`, d);
      else {
        const device = deviceOf(d.expected);
        this.refundsByDevice.set(device, [...(this.refundsByDevice.get(device) ?? []), d]);
      }
    }
  }

  /**
   * Refunds carry no marker. Adjust refunds carry no amount either, so two refunds of one device in the
   * same second look alike: a request goes to one not matched yet if there is one (`matched` says which).
   */
  match(vendor: Destination, content: Content, marker: string | undefined, matched: (d: IntendedDelivery) => boolean): IntendedDelivery | undefined {
    if (marker !== undefined) return this.byMarker.get(`${vendor}/${marker}`);
    const candidates = (this.refundsByDevice.get(deviceOf(content)) ?? []).filter((d) =>
      d.expected.vendor === 'adjust'
        ? d.expected.token === (content as { token?: string }).token
        : d.expected.eventName === (content as { eventName?: string }).eventName,
    );
    const prefer = (list: IntendedDelivery[]) => list.find((d) => !matched(d)) ?? list[0];
    if (content.vendor === 'appsflyer')
      return prefer(candidates.filter((d) => d.expected.vendor === 'appsflyer' && d.expected.eventTimeMs === content.eventTimeMs));
    const exact = prefer(candidates.filter((d) => d.expected.vendor === 'adjust' && d.expected.createdAtSec === content.createdAtSec));
    // A restamped refund: the latest one that happened before the second it was sent with.
    return (
      exact ??
      prefer(
        candidates
          .filter((d) => d.expected.vendor === 'adjust' && d.expected.createdAtSec < content.createdAtSec)
          .sort((a, b) => b.occurredAtMs - a.occurredAtMs),
      )
    );
  }
}

const iso = (ms: number) => new Date(ms).toISOString().slice(11, 23);

/** The send attempts that carried the delivery a request was for, started by the time the vendor received it. */
function attemptsBefore(r: VendorRecord, evidence: Evidence): AttemptRecord[] {
  const id = r.deliveryId;
  return id ? evidence.attempts.filter((a) => a.deliveryIds.includes(id) && a.startedAtMs <= r.receivedAtMs) : [];
}

/** What the run knows of an acceptance: the emulator's record and the send attempts of its delivery (a duplicate's evidence, for the report). */
function describeAcceptance(r: VendorRecord, evidence: Evidence): string {
  const attempts = r.deliveryId ? evidence.attempts.filter((a) => a.deliveryIds.includes(r.deliveryId as string)) : [];
  const shown = attempts
    .map(
      (a) =>
        `pid ${a.pid} attempt ${a.attempt} ${iso(a.startedAtMs)}-${a.endedAtMs !== undefined ? `${iso(a.endedAtMs)} ${a.result ?? ''}`.trim() : 'unfinished'}`,
    )
    .join(', ');
  return `#${r.id} at ${iso(r.receivedAtMs)}${r.fault ? ` (fault ${r.fault})` : ''}, delivery ${r.deliveryId ?? '(no id)'}: attempts [${shown}]`;
}

/** A duplicate's evidence for the report: its acceptances so far, the kills and the server's outages. */
function duplicateEvidence(acceptances: readonly VendorRecord[], evidence: Evidence): string {
  const kills = evidence.kills.map((k) => `pid ${k.pid} ${iso(k.killedAtMs)}`).join(', ');
  const outages = evidence.serverDowntimes.map((w) => `${iso(w.fromMs)}-${iso(w.toMs)}`).join(', ');
  return `${acceptances.map((a) => describeAcceptance(a, evidence)).join('; ')}; kills [${kills}]; server down [${outages}]`;
}

/**
 * Since when the relay was sending the delivery `accepted` was the acceptance of: the start of the first send
 * attempt that carried it (the attempt log), else the vendor's receipt. An earlier event that entered the
 * workflow after that, and past the later one's settle window, found it planned already: an in-flight batch
 * is not re-planned, and one that may have reached the vendor stays ahead of later arrivals (workflows/lane.ts).
 */
function sendingSince(accepted: VendorRecord, evidence: Evidence): { atMs: number; what: string } {
  const starts = attemptsBefore(accepted, evidence).map((a) => a.startedAtMs);
  return starts.length > 0 ? { atMs: Math.min(...starts), what: 'the first attempt to send' } : { atMs: accepted.receivedAtMs, what: 'the vendor had' };
}

/** An order violation's evidence for the report: when the earlier event entered, the window, the later one's acceptance and attempts, kills and outages. */
function orderEvidence(earlier: IntendedDelivery, later: VendorRecord, entered: number | undefined, promisedUntil: number, evidence: Evidence): string {
  return `${earlier.messageId} entered the workflow ${entered === undefined ? 'at an unknown time' : `at ${iso(entered)}`}, the window of the later one ended ${iso(promisedUntil)}; the later one: ${duplicateEvidence([later], evidence)}`;
}

/** Why the answer of `earlier` (an acceptance) may never have reached Temporal, with evidence, or undefined. */
function lostAnswerCause(earlier: VendorRecord, evidence: Evidence): DuplicateCause | undefined {
  if (earlier.fault === 'reset') return 'acceptThenReset';
  // A killed worker's connection closes too: the attempt's evidence, when there is some, says more.
  return attemptCause(earlier, evidence) ?? (earlier.answerUndelivered ? 'answerUndelivered' : undefined);
}

/** What happened to the attempt that sent `earlier`: its worker killed, or its completion sent while the server was down. */
function attemptCause(earlier: VendorRecord, evidence: Evidence): DuplicateCause | undefined {
  const attempt = attemptsBefore(earlier, evidence)
    .filter((a) => a.endedAtMs === undefined || a.endedAtMs >= earlier.receivedAtMs)
    .sort((a, b) => b.startedAtMs - a.startedAtMs)[0];
  if (!attempt) return undefined;
  if (attempt.endedAtMs === undefined) {
    // The request may reach the vendor a moment after the kill (bytes already on the socket): what counts is
    // that the attempt never completed because its worker was killed after it started.
    const kill = evidence.kills.find((k) => k.pid === attempt.pid && k.killedAtMs >= attempt.startedAtMs);
    if (!kill) return undefined;
    const answerLeftMs = earlier.receivedAtMs + (earlier.fault === 'slow' ? evidence.slowAnswerMs : 0);
    return kill.killedAtMs - answerLeftMs > ANSWER_IN_HAND_MS ? 'workerKilledAfterAnswer' : 'workerKilledInFlight';
  }
  const ended = attempt.endedAtMs;
  return evidence.serverDowntimes.some((d) => ended >= d.fromMs && ended <= d.toMs) ? 'serverDown' : undefined;
}

export function checkInvariants(input: CheckInput): CheckResult {
  const samples: Record<string, Violation[]> = {};
  const sample = (kind: string, key: string, detail: string) => {
    const list = (samples[kind] ??= []);
    if (list.length < 10) list.push({ key, detail });
  };
  const matcher = new Matcher(input.intended);
  const byKey = new Map<string, Array<{ r: VendorRecord; content: Content }>>();
  let unexpectedRequests = 0;
  let contentMismatches = 0;
  /** Per device: created_at seconds Adjust accepted so far (restamp targets), in arrival order. */
  const acceptedSeconds = new Map<string, Set<number>>();
  const intendedByKey = new Map(input.intended.map((d) => [d.key, d]));

  /**
   * A refund's delivery (by the relay's delivery id) once matched: its resends go to the same refund, never to
   * another one that looks alike (same device, token and second); a wrong pairing shows as lost or in the content.
   */
  const refundOfDelivery = new Map<string, IntendedDelivery>();

  for (const r of [...input.records].sort((a, b) => a.id - b.id)) {
    const read = contentOf(r);
    const delivery = read && read.marker === undefined && r.deliveryId ? `${r.vendor}/${r.deliveryId}` : undefined;
    const d =
      (delivery ? refundOfDelivery.get(delivery) : undefined) ??
      (read ? matcher.match(r.vendor, read.content, read.marker, (x) => (byKey.get(x.key) ?? []).some((m) => isDelivered(m.r))) : undefined);
    if (d && delivery) refundOfDelivery.set(delivery, d);
    if (!read || !d) {
      unexpectedRequests += 1;
      sample('unexpected', read?.marker ?? '(no marker)', `${r.vendor} request #${r.id} (${r.outcome}) matches no message the harness was told was accepted`);
      continue;
    }
    byKey.set(d.key, [...(byKey.get(d.key) ?? []), { r, content: read.content }]);
    if (!isDelivered(r)) continue;
    const device = deviceOf(read.content);
    const targets = acceptedSeconds.get(device) ?? new Set<number>([d.installedAtSec]);
    const diffs = contentDiffers(d.expected, read.content, targets);
    if (diffs.length > 0) {
      contentMismatches += 1;
      sample('content', d.key, `${r.vendor} request #${r.id}: ${diffs.join('; ')}`);
    }
    if (read.content.vendor === 'adjust') targets.add(read.content.createdAtSec);
    acceptedSeconds.set(device, targets);
  }

  let delivered = 0;
  let lost = 0;
  let notRecorded = 0;
  let duplicates = 0;
  let earlySends = 0;
  let organic = 0;
  let acceptThenResetAccepted = 0;
  const duplicatesByCause: Record<DuplicateCause, number> = {
    acceptThenReset: 0,
    workerKilledInFlight: 0,
    workerKilledAfterAnswer: 0,
    serverDown: 0,
    answerUndelivered: 0,
  };
  let unexplainedDuplicates = 0;
  const rejections = { order: 0, age: 0, other: 0, ofAlreadyAccepted: 0 };
  const firstAccepted = new Map<string, VendorRecord>();

  for (const d of input.intended) {
    const records = (byKey.get(d.key) ?? []).map((x) => x.r);
    const accepted = records.filter(isDelivered);
    notRecorded += records.filter((r) => r.outcome === 'not_recorded').length;
    for (const r of records) {
      if (r.receivedAtMs < d.gateAtMs) {
        earlySends += 1;
        sample('earlySends', d.key, `${d.vendor} request #${r.id} at ${new Date(r.receivedAtMs).toISOString()}, gate ${new Date(d.gateAtMs).toISOString()}`);
      }
      if (r.outcome === 'rejected') {
        if (accepted.some((a) => a.id < r.id)) rejections.ofAlreadyAccepted += 1;
        else {
          const kind = rejectionKind(r.reason);
          rejections[kind] += 1;
          sample(`rejected:${kind}`, d.key, `${d.vendor} ${r.status}: ${r.reason ?? ''}`);
        }
      }
    }
    if (accepted.length === 0) {
      lost += 1;
      sample(
        'lost',
        d.key,
        `${d.vendor} ${d.kind} ${d.messageId} of ${d.userId}: ${records.length} request(s) (${records.map((r) => r.outcome).join(', ') || 'none'}), none delivered`,
      );
      continue;
    }
    delivered += 1;
    firstAccepted.set(d.key, accepted[0] as VendorRecord);
    if (accepted[0]?.outcome === 'organic') organic += 1;
    acceptThenResetAccepted += accepted.filter((a) => a.fault === 'reset').length;
    for (let i = 1; i < accepted.length; i++) {
      duplicates += 1;
      const cause = accepted
        .slice(0, i)
        .map((a) => lostAnswerCause(a, input.evidence))
        .find((c) => c !== undefined);
      if (cause) duplicatesByCause[cause] += 1;
      else {
        unexplainedDuplicates += 1;
        sample(
          'duplicates',
          d.key,
          `${d.vendor} delivered ${accepted.length} times with no evidence that an earlier answer was lost: ${duplicateEvidence(accepted.slice(0, i + 1), input.evidence)}`,
        );
      }
    }
  }

  // Order: per user and vendor, first acceptances in arrival order must have non-decreasing event times.
  const lanes = new Map<string, Array<{ d: IntendedDelivery; r: VendorRecord }>>();
  for (const [key, r] of firstAccepted) {
    const d = intendedByKey.get(key) as IntendedDelivery;
    const lane = `${d.userId}\u0000${d.vendor}`;
    lanes.set(lane, [...(lanes.get(lane) ?? []), { d, r }]);
  }
  let orderViolations = 0;
  let lateArrivals = 0;
  for (const lane of lanes.values()) {
    lane.sort((a, b) => a.r.id - b.r.id);
    let newest: { d: IntendedDelivery; r: VendorRecord } | undefined;
    for (const entry of lane) {
      const d = entry.d;
      if (!newest || d.occurredAtMs >= newest.d.occurredAtMs) {
        newest = entry;
        continue;
      }
      const detail = `${d.vendor} got ${d.messageId} (${new Date(d.occurredAtMs).toISOString()}) after ${newest.d.messageId} (${new Date(newest.d.occurredAtMs).toISOString()}) for ${d.userId}`;
      const entered = input.evidence.enteredAtMs?.get(d.messageId);
      const promisedUntil = newest.d.occurredAtMs + (input.evidence.settleWindowMs ?? 0);
      const sending = sendingSince(newest.r, input.evidence);
      if (entered !== undefined && entered > sending.atMs && entered > promisedUntil) {
        lateArrivals += 1;
        sample('lateArrival', d.key, `${detail}: ${d.messageId} entered the workflow ${entered - sending.atMs} ms after ${sending.what} ${newest.d.messageId}`);
      } else {
        orderViolations += 1;
        sample('order', d.key, `${detail}; ${orderEvidence(d, newest.r, entered, promisedUntil, input.evidence)}`);
      }
    }
  }

  // Refunds: no request for a refund before its purchase was accepted (AppsFlyer) or sent (Adjust).
  let refundsBeforePurchase = 0;
  for (const d of input.intended) {
    if (d.kind !== 'refund' || !d.purchaseKey) continue;
    const first = (byKey.get(d.key) ?? [])[0]?.r;
    if (!first) continue;
    const purchase = d.purchaseMustBeAccepted ? firstAccepted.get(d.purchaseKey) : (byKey.get(d.purchaseKey) ?? [])[0]?.r;
    if (!purchase || first.id < purchase.id) {
      refundsBeforePurchase += 1;
      sample(
        'refundsBeforePurchase',
        d.key,
        `${d.vendor} refund ${d.messageId} sent (#${first.id}) before its purchase was ${d.purchaseMustBeAccepted ? 'accepted' : 'sent'} (${purchase ? `#${purchase.id}` : 'never'})`,
      );
    }
  }

  const failures: string[] = [];
  if (lost > 0) failures.push(`${lost} deliveries lost`);
  if (contentMismatches > 0) failures.push(`${contentMismatches} accepted requests whose content differs from the message sent (content_mismatches)`);
  if (unexplainedDuplicates > 0) failures.push(`${unexplainedDuplicates} duplicate deliveries without evidence of a lost answer for that request`);
  if (orderViolations > 0) failures.push(`${orderViolations} deliveries out of event-time order in their lane`);
  if (earlySends > 0) failures.push(`${earlySends} requests sent before the post-install gate`);
  if (refundsBeforePurchase > 0) failures.push(`${refundsBeforePurchase} refunds sent before their purchase was accepted`);
  if (rejections.order + rejections.age > 0) failures.push(`${rejections.order + rejections.age} vendor rejections for order or age`);
  if (unexpectedRequests > 0) failures.push(`${unexpectedRequests} vendor requests that match no message the harness was told was accepted`);
  return {
    expectedDeliveries: input.intended.length,
    delivered,
    lost,
    notRecorded,
    duplicates,
    duplicatesByCause,
    unexplainedDuplicates,
    contentMismatches,
    orderViolations,
    lateArrivals,
    earlySends,
    refundsBeforePurchase,
    vendorRejections: rejections,
    unexpectedRequests,
    organic,
    acceptThenResetAccepted,
    samples,
    failures,
  };
}
