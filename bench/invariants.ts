// The chaos run's verdict, from the vendor emulator's record (the source of truth) and the harness's own
// workload, never from ids the relay computes: each request is matched to an intended delivery by the
// harness's marker (events) or by device and content (refunds), and its content is checked. Then: lost
// deliveries (AppsFlyer's 200 `not_recorded` is not a delivery), duplicates, and for each duplicate the
// evidence that the earlier acceptance's answer was lost (the emulator's acceptThenReset, the attempt's
// worker killed before the attempt completed, or its completion sent while the server was down), per-lane
// order, sends before the gate, refunds before their purchase, vendor rejections. Pure.
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
   * history (bench/message-entries.ts). An event that entered only after the vendor received a later one, and
   * after that later event's settle window (`settleWindowMs`, counted from when it happened), could not be
   * ordered before it: a late arrival, not an order violation.
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
  /** Out of event-time order because the earlier event entered the workflow after the vendor had the later one, past its settle window. */
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

/** Why the answer of `earlier` (an acceptance) may never have reached Temporal, with evidence, or undefined. */
function lostAnswerCause(earlier: VendorRecord, evidence: Evidence): DuplicateCause | undefined {
  if (earlier.fault === 'reset') return 'acceptThenReset';
  const id = earlier.deliveryId;
  if (!id) return undefined;
  const attempt = evidence.attempts
    .filter((a) => a.deliveryIds.includes(id) && a.startedAtMs <= earlier.receivedAtMs && (a.endedAtMs === undefined || a.endedAtMs >= earlier.receivedAtMs))
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

  for (const r of [...input.records].sort((a, b) => a.id - b.id)) {
    const read = contentOf(r);
    const d = read ? matcher.match(r.vendor, read.content, read.marker, (x) => (byKey.get(x.key) ?? []).some((m) => isDelivered(m.r))) : undefined;
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
  const duplicatesByCause: Record<DuplicateCause, number> = { acceptThenReset: 0, workerKilledInFlight: 0, workerKilledAfterAnswer: 0, serverDown: 0 };
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
          `${d.vendor} delivered ${accepted.length} times (#${accepted.map((a) => a.id).join(', #')}) with no evidence that an earlier answer was lost`,
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
      if (entered !== undefined && entered > newest.r.receivedAtMs && entered > promisedUntil) {
        lateArrivals += 1;
        sample(
          'lateArrival',
          d.key,
          `${detail}: ${d.messageId} entered the workflow ${entered - newest.r.receivedAtMs} ms after the vendor had ${newest.d.messageId}`,
        );
      } else {
        orderViolations += 1;
        sample('order', d.key, detail);
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
