// The user workflow's whole state: everything continue-as-new carries to the next run (install context,
// held messages, lanes with queues and high-water marks, dedup window, refundable purchases, dead letters,
// counters). Plain JSON so it serialises as the next run's input.
import type { DeliveryItem, Destination } from '../domain/delivery';
import type { Refund, TrackEvent } from '../domain/event';
import type { InstallContext } from '../domain/install';
import type { Counters, DeliveryOutcome } from '../domain/status';

export type Message = { kind: 'event'; event: TrackEvent } | { kind: 'refund'; refund: Refund };

/** A message accepted but not yet routed to lanes (waiting for the install context or settings). */
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
}

export interface LaneLast {
  deliveryId: string;
  sourceId: string;
  name: string;
  outcome: DeliveryOutcome;
  atMs: number;
  status?: number;
  detail?: string;
}

export interface LaneState {
  queue: Pending[];
  /** Adjust: newest created_at (unix seconds) sent per event token, and `#revenue` across revenue tokens. */
  highWater: Record<string, number>;
  last?: LaneLast;
  stopped?: { reason: string; atMs: number };
  counts: { delivered: number; duplicate: number; skipped: number; deadLettered: number };
}

export interface OutcomeRecord {
  destination: Destination;
  kind: 'event' | 'refund';
  sourceId: string;
  name: string;
  occurredAtMs: number;
  revenue?: string;
  currency?: string;
  outcome: DeliveryOutcome;
  atMs?: number;
  status?: number;
  detail?: string;
}

export interface DedupEntry {
  atMs: number;
  /** Fingerprint of the first message's content, to flag conflicting duplicates. */
  fingerprint: string;
  deliveryIds: string[];
}

export interface Purchase {
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

export interface DeadLetter {
  /** Absent for a message dead-lettered before routing (no install context in time). */
  item?: DeliveryItem;
  held?: HeldMessage;
  /**
   * A refund dead-lettered without ever being accepted (its purchase never arrived, or it failed the refund
   * rules when the purchase did): a redrive checks the refund rules again before it counts against the purchase.
   */
  unaccepted?: true;
  reason: string;
  status?: number;
  vendorMessage?: string;
  attempts?: number;
  atMs: number;
  redrives: number;
}

export interface OrphanRefund {
  refund: Refund;
  arrivedAtMs: number;
  seq: number;
}

export interface UserState {
  version: 1;
  userId: string;
  install?: InstallContext;
  /** When the first message arrived while the install context was unknown. */
  firstHeldAtMs?: number;
  seq: number;
  held: HeldMessage[];
  lanes: Record<Destination, LaneState>;
  dedup: Record<string, DedupEntry>;
  outcomes: Record<string, OutcomeRecord>;
  purchases: Record<string, Purchase>;
  orphanRefunds: OrphanRefund[];
  deadLetters: DeadLetter[];
  deadLettersEvicted: number;
  rejections: Array<{ atMs: number; kind: string; id?: string; reason: string }>;
  counters: Counters;
}

export interface UserWorkflowInput {
  userId: string;
  /** Set by continue-as-new: the previous run's whole state. */
  state?: UserState;
}

function emptyLane(): LaneState {
  return { queue: [], highWater: {}, counts: { delivered: 0, duplicate: 0, skipped: 0, deadLettered: 0 } };
}

export function initialState(userId: string): UserState {
  return {
    version: 1,
    userId,
    seq: 0,
    held: [],
    lanes: { adjust: emptyLane(), appsflyer: emptyLane() },
    dedup: {},
    outcomes: {},
    purchases: {},
    orphanRefunds: [],
    deadLetters: [],
    deadLettersEvicted: 0,
    rejections: [],
    counters: {
      received: 0,
      duplicateMessages: 0,
      rejectedMessages: 0,
      delivered: 0,
      vendorDuplicates: 0,
      skipped: 0,
      deadLettered: 0,
      redriven: 0,
      refunds: 0,
      continuedAsNew: 0,
    },
  };
}

export function pendingCount(state: UserState): number {
  return state.held.length + state.orphanRefunds.length + state.lanes.adjust.queue.length + state.lanes.appsflyer.queue.length;
}

export const MAX_REJECTIONS_KEPT = 50;
