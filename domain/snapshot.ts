// The user workflow's state as plain JSON: what continue-as-new carries to the next run (and the `snapshot`
// query hands to `s2s recover`). Each part is owned by one class in workflows/ that reads and writes it.
import type { Signup } from './contract/install';
import type { DeliveryItem, Destination, MessageKind, Message } from './delivery';
import type { SendFailureType } from './errors';
import type { WorkflowSettings } from './settings';
import type { Counters, DeliveryOutcome } from './status';
import type { PublishedState } from './search-attributes';

/** A message accepted but not yet routed (waiting for the install context), or a refund waiting for its purchase. */
export interface HeldMessage {
  message: Message;
  arrivedAtMs: number;
  seq: number;
}

/** A delivery waiting in a lane. */
export interface Pending {
  item: DeliveryItem;
  arrivedAtMs: number;
  seq: number;
  /** Refunds on AppsFlyer: the purchase delivery that must be delivered first. */
  waitFor?: string;
  redrives: number;
  /** Arrived to a quiet lane (workflows/lane.ts: Lane.arrive): goes without waiting out the settle window. */
  quiet?: true;
  /**
   * The vendor's answer to its last failed attempt, when a drain (continue-as-new) ended its send between
   * attempts: a deadline that passes before the next attempt dead-letters it with that answer, not as "too old".
   */
  lastFailure?: Pick<LaneFailureReport, 'status' | 'answer'>;
}

export interface LaneLast {
  deliveryId: string;
  messageId: string;
  name: string;
  outcome: DeliveryOutcome;
  atMs: number;
  status?: number;
  detail?: string;
}

/** What a send activity reports (signal `laneFailure`) when an attempt failed and will be retried. */
export interface LaneFailureReport {
  destination: Destination;
  deliveryId: string;
  attempt: number;
  type: SendFailureType;
  status?: number;
  /** The vendor's answer or the local reason (secrets redacted). */
  answer: string;
}

export interface LaneSnapshot {
  queue: Pending[];
  /** Adjust: newest created_at (unix seconds) sent per event token, and `#revenue` across revenue tokens. */
  highWater: Record<string, number>;
  /** When the lane's latest delivery arrived (a quiet lane: none within the settle window). */
  lastArrivalMs?: number;
  last?: LaneLast;
  retrying?: LaneFailureReport & { sinceMs: number };
  stopped?: { reason: string; atMs: number };
  counts: { delivered: number; duplicate: number; skipped: number; deadLettered: number };
}

export interface OutcomeRecord {
  deliveryId: string;
  destination: Destination;
  kind: MessageKind;
  messageId: string;
  name: string;
  occurredAtMs: number;
  /** The time actually reported to the vendor, when the late-event policy restamped it. */
  sentAtMs?: number;
  revenue?: string;
  currency?: string;
  outcome: DeliveryOutcome;
  atMs?: number;
  status?: number;
  detail?: string;
}

export interface PurchaseRecord {
  eventId: string;
  name: string;
  amount: string;
  currency: string;
  refunded: string;
  occurredAtMs: number;
  atMs: number;
  /** The AppsFlyer delivery of this purchase, once routed. */
  appsflyerDeliveryId?: string;
}

export interface DeadLetterRecord {
  /** What redrive takes: the delivery id, or a `dlm_` id for a message that never reached a lane. */
  id: string;
  /** Absent for a message dead-lettered before routing (no install context in time, a held refund). */
  item?: DeliveryItem;
  held?: HeldMessage;
  /** A refund never accepted (its purchase never came, or broke the refund rules): redrive re-checks it. */
  unaccepted?: true;
  reason: string;
  status?: number;
  vendorMessage?: string;
  attempts?: number;
  atMs: number;
  redrives: number;
}

/** Dedup window: per day (days since the epoch) a string of fixed-width records (11-char key hash + 5-char content hash). */
export interface DedupSnapshot {
  days: Record<string, string>;
  /** The oldest day still remembered when entries had to be forgotten early (over policy.dedupMaxEntries). */
  shortenedFrom?: number;
}

export interface Rejection {
  atMs: number;
  kind: string;
  id?: string;
  reason: string;
}

export interface UserSnapshot {
  version: 2;
  userId: string;
  settings: WorkflowSettings;
  install?: Signup;
  seq: number;
  held: HeldMessage[];
  /** When the first held message arrived while the install context was unknown. */
  firstHeldAtMs?: number;
  orphanRefunds: HeldMessage[];
  lanes: Record<Destination, LaneSnapshot>;
  dedup: DedupSnapshot;
  purchases: PurchaseRecord[];
  deadLetters: DeadLetterRecord[];
  outcomes: OutcomeRecord[];
  rejections: Rejection[];
  counters: Counters;
  /** What the last run published as search attributes (they carry over to the next run). */
  published?: { state?: PublishedState; pending?: number; deadLetters?: number; app?: string };
}
