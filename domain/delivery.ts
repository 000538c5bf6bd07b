// The contract between the user workflow and the send activities: the accepted message, one delivery of
// it to one vendor, what a batch send returns, and the one deadline rule (the vendor's age window). No
// secrets: the activities look those up in the worker's configuration.
import type { Policy } from './config';
import type { Signup } from './contract/install';
import type { AdRevenue, Refund, Track } from './contract/messages';
import { timestampMs } from './contract/time';
import type { SendFailureDetails } from './errors';

export const DESTINATIONS = ['adjust', 'appsflyer'] as const;
export type Destination = (typeof DESTINATIONS)[number];

/** A message the workflow accepted, tagged with its kind (the name of the message). */
export type Message = { kind: 'track'; track: Track } | { kind: 'refund'; refund: Refund } | { kind: 'adRevenue'; adRevenue: AdRevenue };
export type MessageKind = Message['kind'];

/** How people call each kind of message: an event, a refund, ad revenue. */
export function kindWord(kind: MessageKind): string {
  return kind === 'track' ? 'event' : kind === 'refund' ? 'refund' : 'ad revenue';
}

/** The id the backend gave the message (eventId, refundId). */
export function messageId(message: Message): string {
  return message.kind === 'track' ? message.track.eventId : message.kind === 'refund' ? message.refund.refundId : message.adRevenue.eventId;
}

/** The dedup key: events (tracked or ad revenue) share one id space, refunds have their own. */
export function dedupKey(message: Message): string {
  return message.kind === 'refund' ? `refund:${message.refund.refundId}` : `event:${messageId(message)}`;
}

/** The message as the backend sent it. */
export function messageBody(message: Message): Track | Refund | AdRevenue {
  return message.kind === 'track' ? message.track : message.kind === 'refund' ? message.refund : message.adRevenue;
}

export function occurredAtMs(message: Message): number {
  return timestampMs(messageBody(message).occurredAt);
}

/** Revenue and currency as the message carries them (refunds: the refunded amount, positive). */
export function messageRevenue(message: Message): { revenue: string; currency: string } | undefined {
  if (message.kind === 'refund') return { revenue: message.refund.amount, currency: message.refund.currency };
  const body = message.kind === 'track' ? message.track : message.adRevenue;
  return body.revenue !== undefined && body.currency !== undefined ? { revenue: body.revenue, currency: body.currency } : undefined;
}

export interface DeliveryItem {
  deliveryId: string;
  destination: Destination;
  message: Message;
  /** When the event happened (epoch ms), read once from the message. */
  occurredAtMs: number;
  /** Timestamp to send instead (Adjust late-event restamp policy). */
  sendAtMs?: number;
  /**
   * An earlier send of this delivery may have reached the vendor without its answer reaching the workflow
   * (its activity was cancelled while an attempt might have been running). Treated like a retried attempt.
   */
  resend?: boolean;
  /** When this delivery was first handed to a send activity (workflow time): bounds retries across activities. */
  firstAttemptAtMs?: number;
  /**
   * Attempts made by send activities a drain interrupted (a continue-as-new): the next activity's attempts continue
   * the count (SendBatchInput.priorAttempts), so a dead letter says how many attempts were made in all. Known
   * from the lane's failure reports (best effort) and the interrupted attempt's own failure: at most the true count.
   */
  attemptsMade?: number;
}

const DAY_MS = 86_400_000;

/** How long after an event happened the vendor still takes it: Adjust's event or ad-revenue window, AppsFlyer's maximum age. */
export function vendorWindowMs(destination: Destination, kind: MessageKind, policy: Policy): number {
  if (destination === 'appsflyer') return policy.appsflyerMaxAgeDays * DAY_MS;
  return (kind === 'adRevenue' ? policy.adjustAdRevenueWindowDays : policy.adjustEventWindowDays) * DAY_MS;
}

/**
 * The latest time a delivery may still be sent or retried: the vendor's window counted from when the event
 * happened. A restamped Adjust event keeps its own limit (a restamp never extends the window).
 */
export function deliveryDeadlineMs(item: Pick<DeliveryItem, 'destination' | 'occurredAtMs' | 'message'>, policy: Policy): number {
  return item.occurredAtMs + vendorWindowMs(item.destination, item.message.kind, policy);
}

export interface SendBatchInput {
  /** App key in the relay configuration. */
  app: string;
  user: Signup;
  /** Same destination, in the order they must reach the vendor. */
  items: DeliveryItem[];
  /** The earliest deadline in the batch: a failure whose next retry would start later ends as S2SDeadlinePassed. */
  deadlineMs?: number;
  /**
   * Attempts made before this activity (the combined first attempt, workflows/sender.ts): this activity's
   * attempt n is the delivery's attempt priorAttempts + n.
   */
  priorAttempts?: number;
  /**
   * Read by the combined first attempt only: the batch was planned inside its settle window (workflows/lane.ts),
   * so the attempt waits until this time (epoch ms), then asks the workflow whether the batch is still first in
   * its lane (the stillFirst query) and hands it back unsent if not (activities/settle.ts).
   */
  notBeforeMs?: number;
}

export interface DeliveryReceipt {
  deliveryId: string;
  outcome: 'delivered' | 'duplicate';
  /** HTTP status and body the vendor answered. */
  status: number;
  answer: string;
  attempt: number;
  sentAt: string;
  durationMs: number;
  warnings?: string[];
  /** Nothing was sent now: the delivery ledger holds this acceptance (the original receipt) from an earlier send. */
  fromLedger?: true;
}

/**
 * Receipts for the items sent, in order. A batch stops at the first item that was not accepted: if that is
 * the first item the activity fails (typed failure, retried per class); otherwise it returns the accepted
 * prefix and the workflow sends the rest in a new activity, so nothing accepted is ever resent.
 */
export interface SendBatchResult {
  receipts: DeliveryReceipt[];
  /** Index of the first item not sent, when the batch stopped early. */
  stoppedAt?: number;
  stopReason?: string;
  /**
   * Delivery ids from stoppedAt on that may already have reached the vendor although no acceptance was
   * seen. The workflow marks them as possible resends and keeps later arrivals behind them.
   */
  possiblyAccepted?: string[];
}

/** How a send failed, as data: what an ApplicationFailure of the send activity would carry. */
export interface SendFailureData {
  /** A SendFailureType, or `unexpected`. */
  type: string;
  message: string;
  nonRetryable: boolean;
  details?: SendFailureDetails;
  /** The activity's own next retry delay (Retry-After, a slow class). */
  nextRetryDelayMs?: number;
}

/**
 * One lane's part of the combined first attempt: its result, how it failed, or `deferred` (why it was handed back
 * unsent: something now goes before it in its lane, see SendBatchInput.notBeforeMs). Run as a local activity, it
 * also returns the lane's input: history records a local activity's result but not its input, and `s2s explain`
 * reads the batch from there.
 */
export type LaneAttempt = ({ ok: true; result: SendBatchResult } | { ok: false; failure: SendFailureData } | { ok: false; deferred: string }) & {
  input?: SendBatchInput;
};

/** The stillFirst query's question (each settling lane's batch, as delivery ids) and answer (per lane). */
export type LaneBatchIds = Partial<Record<Destination, string[]>>;
export type StillFirstAnswer = Partial<Record<Destination, boolean>>;

/** The batches of the lanes that start together, one per vendor (SendActivities.sendFirstAttempts). */
export type CombinedSendInput = Partial<Record<Destination, SendBatchInput>>;
export type CombinedSendResult = Partial<Record<Destination, LaneAttempt>>;

/**
 * The send activities: one per vendor, each on its vendor's task queue (retries, rate-limited vendors), and the
 * combined first attempt of the lanes that start together, on the workflows' own task queue: each vendor's
 * batch sent concurrently, each part's failure returned as data (never thrown), so one activity serves a lone
 * event's deliveries to both vendors.
 */
export interface SendActivities {
  sendToAdjust(input: SendBatchInput): Promise<SendBatchResult>;
  sendToAppsflyer(input: SendBatchInput): Promise<SendBatchResult>;
  sendFirstAttempts(input: CombinedSendInput): Promise<CombinedSendResult>;
}
