// The delivery ledger: which deliveries a vendor has accepted, keyed by delivery id, kept outside Temporal's
// history so a retried attempt, a worker that died after the vendor answered, or an operator's workflow
// reset never sends an accepted delivery again. Rows hold the user's hash (for "forget user"), never the
// user id or any device data. This module is the contract; ledger-sql.ts implements it on PostgreSQL.
import type { DeliveryReceipt, Destination } from '../../domain/delivery';
import type { Policy } from '../../domain/config';

/** One accepted delivery as the ledger keeps it: enough to answer a resend with the original receipt. */
export interface LedgerAcceptance {
  receipt: DeliveryReceipt;
  vendor: Destination;
  /** domain/ids.ts userHash(userId). */
  userHash: string;
}

export interface LedgerEntry extends LedgerAcceptance {
  recordedAtMs: number;
}

export interface DeliveryLedger {
  /** What backs it, for logs and errors, without credentials (e.g. "PostgreSQL db.internal:5432/s2s"). */
  readonly description: string;
  /** The accepted ones among `deliveryIds`, in one round trip. Throws LedgerUnavailableError. */
  accepted(deliveryIds: readonly string[]): Promise<Map<string, LedgerEntry>>;
  /** Records acceptances in one round trip; an id already recorded keeps its first entry. Throws LedgerUnavailableError. */
  record(acceptances: readonly LedgerAcceptance[]): Promise<void>;
  /** Deletes entries recorded more than `maxAgeMs` ago; returns how many. */
  expire(maxAgeMs: number): Promise<number>;
  /** Deletes every entry of one user (by domain/ids.ts userHash); returns how many. */
  forgetUser(userHash: string): Promise<number>;
  close(): Promise<void>;
}

/** The ledger could not be read or written: the send is not made blind, the attempt is retried. */
export class LedgerUnavailableError extends Error {
  constructor(description: string, cause: unknown) {
    super(`delivery ledger (${description}) unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'LedgerUnavailableError';
  }
}

const DAY_MS = 86_400_000;

/**
 * How long an entry is kept: the longest dedup window of the policy. A workflow recognises a repeated
 * message for policy.dedupMaxAgeDays, and neither vendor takes an event older than its window, so past the
 * longest of these a resend is either refused by the vendor or caught by the workflow's own dedup.
 */
export function ledgerRetentionMs(policy: Pick<Policy, 'dedupMaxAgeDays' | 'adjustEventWindowDays' | 'appsflyerMaxAgeDays'>): number {
  return Math.max(policy.dedupMaxAgeDays, policy.adjustEventWindowDays, policy.appsflyerMaxAgeDays) * DAY_MS;
}

/**
 * No ledger at all (S2S_LEDGER_URL=off): nothing is skipped or recorded. Only for measuring what the ledger
 * costs; the worker warns loudly when it runs without one.
 */
export function disabledLedger(): DeliveryLedger {
  return {
    description: 'off',
    accepted: async () => new Map(),
    record: async () => undefined,
    expire: async () => 0,
    forgetUser: async () => 0,
    close: async () => undefined,
  };
}
