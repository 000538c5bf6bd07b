// What the user workflow reports: the answers of its updates and its queries. Shared with the client and
// the CLI so both sides read the same shapes.
import type { AmendableField } from './contract/install';
import type { Destination, MessageKind } from './delivery';
import type { UserStateKeyword } from './search-attributes';

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
  kind: MessageKind;
  id: string;
  /** The day the workflow first recorded this id (UTC, YYYY-MM-DD). */
  receivedOn: string;
  /** True while the message waits for the user's install context (signup), or a refund for its purchase. */
  held: boolean;
  /** Per destination, once routed. A duplicate answers the first message's deliveries as far as they are kept. */
  deliveries: DeliveryView[];
  /** A duplicate whose content differs from the first message with that id. */
  conflictingDuplicate?: boolean;
}

export interface SignupAnswer {
  status: 'signed-up' | 'already-signed-up';
  userId: string;
  app: string;
  installedAt: string;
  /** Earliest time anything is sent (installedAt + post-install delay). */
  gateAt: string;
  /** Fields a repeated signup filled in because the first one left them out. */
  amended?: AmendableField[];
  /** Fields of a repeated signup that differ from those in force and were not changed. */
  ignoredDifferences?: string[];
}

export interface RedriveAnswer {
  redriven: string[];
  notFound: string[];
  /** Asked for but kept (a refund that still breaks the refund rules), with the reason kept on them. */
  refused?: string[];
}

export interface ForgetAnswer {
  userId: string;
  /** Deliveries still queued or held that will now never be sent. */
  dropped: number;
  /** Sends that were in flight and were let finish (or cancelled) before the workflow ended. */
  inFlight: number;
  /** The user's delivery ledger entries the worker deleted (0 with the ledger off). */
  ledgerEntriesDeleted: number;
}

export interface DeadLetterView {
  /** The id redrive takes: the delivery id, or `dlm_...` for a message that never reached a lane. */
  id: string;
  deliveryId?: string;
  destination?: Destination;
  kind: MessageKind;
  messageId: string;
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
  next?: { deliveryId: string; messageId: string; name: string; occurredAt: string; readyAt?: string; waitingFor?: string };
  last?: { deliveryId: string; messageId: string; name: string; outcome: DeliveryOutcome; at: string; status?: number; detail?: string };
  /** While a send is being retried: the vendor's last answer, as the send activity reported it. */
  retrying?: { deliveryId: string; since: string; attempt: number; answer: string; status?: number };
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

/** A new user's counters: all zero. */
export function emptyCounters(): Counters {
  return {
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
  };
}

export interface UserStatus {
  userId: string;
  state: UserStateKeyword;
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
  recentRejections: Array<{ at: string; kind: string; id?: string; reason: string }>;
  counters: Counters;
  /** Bytes of undelivered messages (held, queued, dead letters) and the policy's limit. */
  backlog: { bytes: number; limitBytes: number };
  /** Message ids remembered for dedup, and since when (a user over policy.dedupMaxEntries remembers less). */
  dedup: { entries: number; since?: string };
  settingsProblem?: string;
}

export interface TimelineEntry {
  destination: Destination;
  deliveryId: string;
  kind: MessageKind;
  messageId: string;
  name: string;
  occurredAt: string;
  /** Adjust late-event policy: the created_at actually sent, when it differs from occurredAt. */
  sentAs?: string;
  revenue?: string;
  currency?: string;
  outcome: DeliveryOutcome;
  at?: string;
  status?: number;
  detail?: string;
}
