// The contract between the user workflow and the send activities: what one delivery is, what a batch
// send returns, and the failure types a send can end with. No secrets: activities look those up.
import type { InstallContext } from './install';

export const DESTINATIONS = ['adjust', 'appsflyer'] as const;
export type Destination = (typeof DESTINATIONS)[number];

export interface DeliveryItem {
  deliveryId: string;
  destination: Destination;
  kind: 'event' | 'refund';
  /** eventId for events, refundId for refunds. */
  sourceId: string;
  /** Product event name (refunds: the refunded purchase's name). */
  name: string;
  occurredAtMs: number;
  /** Timestamp to send instead of occurredAt (Adjust late-event restamp policy). */
  sendAtMs?: number;
  /** Positive decimal string. For refunds the refunded amount; the AppsFlyer builder sends it negative. */
  revenue?: string;
  currency?: string;
  callbackParams?: Record<string, string>;
  partnerParams?: Record<string, string>;
  eventValue?: Record<string, string>;
  /** Refunds: the purchase this reverses. */
  purchaseEventId?: string;
  /**
   * An earlier send of this delivery may have reached the vendor without its answer reaching the workflow
   * (its activity was cancelled while an attempt might have been running). Treated like a retried attempt.
   */
  resend?: boolean;
  /**
   * When this delivery was first handed to a send activity (workflow time). Bounds retries that span
   * several activities (a batch that stopped early, a continue-as-new drain), e.g. "Device not found".
   */
  firstAttemptAtMs?: number;
}

export interface SendBatchInput {
  /** App key in the app configuration. */
  app: string;
  user: InstallContext;
  /** Same destination, in the order they must reach the vendor. */
  items: DeliveryItem[];
  /**
   * The batch's retry deadline (epoch ms; the vendor's age limit of its oldest item). An attempt whose next
   * retry would start after it ends non-retryably with S2SDeadlinePassed, carrying the last vendor answer.
   */
  deadlineMs?: number;
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
}

/**
 * Receipts for the items sent, in order. A batch stops at the first item that was not accepted: if that is
 * the first item the activity fails (typed failure below, retried per class); otherwise it returns the
 * accepted prefix and the workflow sends the rest in a new activity, so nothing accepted is ever resent.
 */
export interface SendBatchResult {
  receipts: DeliveryReceipt[];
  /** Index of the first item not sent, when the batch stopped early. */
  stoppedAt?: number;
  stopReason?: string;
  /**
   * Delivery ids from stoppedAt on that may already have reached the vendor although no acceptance was
   * seen (an earlier attempt may have sent them, or the request got no answer). The workflow marks them
   * as possible resends, and keeps later arrivals behind them.
   */
  possiblyAccepted?: string[];
}

/** ApplicationFailure types a send can fail with. */
export const SendFailureType = {
  /** The vendor will never accept this data (e.g. invalid token, bad revenue). Dead-lettered. */
  rejected: 'S2SRejected',
  /** The builder refused to build a request the vendor would reject. Dead-lettered. */
  invalidRequest: 'S2SInvalidRequest',
  /** 451: the device opted out. The lane stops for this user. */
  optedOut: 'S2SOptedOut',
  /** Device not found for longer than the configured maximum. Dead-lettered. */
  deviceNotFound: 'S2SDeviceNotFound',
  /** Retryable: 401, app inactive, app token not found, tracking disabled, AppsFlyer auth. Retried slowly. */
  misconfigured: 'S2SMisconfigured',
  /** Retryable: Adjust does not know the device yet (install not processed). */
  deviceNotYetKnown: 'S2SDeviceNotYetKnown',
  /** Retryable: network errors, timeouts, 429, 5xx, unknown answers. */
  transient: 'S2STransient',
  /** A retryable failure whose next retry would pass the delivery's deadline. Dead-lettered with that last answer. */
  deadlinePassed: 'S2SDeadlinePassed',
} as const;
export type SendFailureType = (typeof SendFailureType)[keyof typeof SendFailureType];

export const NON_RETRYABLE_SEND_FAILURES: string[] = [
  SendFailureType.rejected,
  SendFailureType.invalidRequest,
  SendFailureType.optedOut,
  SendFailureType.deviceNotFound,
  SendFailureType.deadlinePassed,
];

/** Details attached to every send failure (first element of ApplicationFailure.details). */
export interface SendFailureDetails {
  deliveryId: string;
  status?: number;
  /** The vendor's answer or the local reason, never a secret. */
  message: string;
  attempt: number;
  /** S2SDeadlinePassed: the failure type the last attempt would have been retried as. */
  lastType?: SendFailureType;
}

/** The send activities, one per vendor, each on its vendor's task queue. */
export interface SendActivities {
  sendToAdjust(input: SendBatchInput): Promise<SendBatchResult>;
  sendToAppsflyer(input: SendBatchInput): Promise<SendBatchResult>;
}
