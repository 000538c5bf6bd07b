// What the user workflow reports: the answers of its updates and the status query. Shared with the client
// and CLI so both sides read the same shapes.
import type { Destination } from './delivery';
import type { UserState } from './search-attributes';

export type DeliveryOutcome = 'pending' | 'delivered' | 'duplicate' | 'skipped' | 'dead-lettered';

export interface DeliveryView {
  destination: Destination;
  deliveryId: string;
  outcome: DeliveryOutcome;
  at?: string;
  status?: number;
  detail?: string;
}

export interface MessageAnswer {
  /** `accepted` the first time an id is seen; `duplicate` afterwards (nothing new is recorded). */
  status: 'accepted' | 'duplicate';
  kind: 'event' | 'refund';
  id: string;
  /** When the workflow first recorded this id. */
  receivedAt: string;
  /** True while the message waits for the user's install context (signup). */
  held: boolean;
  /** Per destination, once routed. A duplicate answers the first message's deliveries and their outcomes. */
  deliveries: DeliveryView[];
  /** A duplicate whose content differs from the first message with that id. */
  conflictingDuplicate?: boolean;
}

export interface SignupAnswer {
  status: 'signed-up' | 'already-signed-up';
  userId: string;
  app: string;
  installedAt: string;
  /** Earliest time anything is sent (installedAt + post-install delay), once settings are loaded. */
  gateAt?: string;
  /** Fields of a repeated signup that differ from the first one (the first one stays in force). */
  ignoredDifferences?: string[];
}

export interface RedriveAnswer {
  redriven: string[];
  notFound: string[];
  /** Dead letters that were asked for but stay (a refund that still breaks the refund rules), with the reason kept on them. */
  refused?: string[];
}

export interface DeadLetterView {
  deliveryId?: string;
  destination?: Destination;
  kind: 'event' | 'refund';
  id: string;
  name?: string;
  occurredAt: string;
  revenue?: string;
  currency?: string;
  reason: string;
  status?: number;
  vendorMessage?: string;
  attempts?: number;
  at: string;
  redrives: number;
}

export interface LaneView {
  queued: number;
  inFlight: string[];
  next?: { deliveryId: string; id: string; name: string; occurredAt: string; readyAt?: string; waitingFor?: string };
  last?: { deliveryId: string; id: string; name: string; outcome: DeliveryOutcome; at: string; status?: number; detail?: string };
  stopped?: { reason: string; at: string };
  /** Adjust: newest created_at sent per event token (and for all revenue tokens). */
  highWater?: Record<string, string>;
  counts: { delivered: number; duplicate: number; skipped: number; deadLettered: number };
}

export interface Counters {
  received: number;
  duplicateMessages: number;
  rejectedMessages: number;
  delivered: number;
  vendorDuplicates: number;
  skipped: number;
  deadLettered: number;
  redriven: number;
  refunds: number;
  continuedAsNew: number;
}

export interface UserStatus {
  userId: string;
  state: UserState;
  app?: string;
  platform?: string;
  installedAt?: string;
  gateAt?: string;
  gateOpen: boolean;
  /** Messages waiting for the install context. */
  held: number;
  /** Refund signals waiting for a purchase the workflow does not know yet. */
  orphanRefunds: number;
  pending: number;
  lanes: Record<Destination, LaneView>;
  deadLetters: DeadLetterView[];
  deadLettersEvicted: number;
  recentRejections: Array<{ at: string; kind: string; id?: string; reason: string }>;
  counters: Counters;
  settingsProblem?: string;
}

export interface TimelineEntry {
  destination: Destination;
  deliveryId: string;
  kind: 'event' | 'refund';
  id: string;
  name: string;
  occurredAt: string;
  revenue?: string;
  currency?: string;
  outcome: DeliveryOutcome;
  at?: string;
  status?: number;
  detail?: string;
}
