// The user's inbox: messages accepted before the install context is known (held until the signup, for at
// most policy.installWaitTimeout), and refund signals whose purchase is not known yet (held for at most
// policy.orphanRefundHold). It says what has waited too long; the user dead-letters those.
import type { Policy } from '../domain/config';
import { dedupKey, type Message } from '../domain/delivery';
import type { HeldMessage, UserSnapshot } from '../domain/snapshot';
import { Tally } from './tally';

export type RefundMessage = Extract<Message, { kind: 'refund' }>;

export interface Expired {
  held: HeldMessage[];
  orphans: HeldMessage[];
  /** The next time something here expires, and why (the timer's summary). */
  next?: { atMs: number; why: string };
}

export class Inbox {
  private held: HeldMessage[];
  private orphans: HeldMessage[];
  /** When the first held message arrived while the install context was unknown. */
  private firstHeldAtMs: number | undefined;
  private readonly tally: Tally;

  constructor(snapshot?: Pick<UserSnapshot, 'held' | 'orphanRefunds' | 'firstHeldAtMs'>) {
    this.held = snapshot?.held ?? [];
    this.orphans = snapshot?.orphanRefunds ?? [];
    this.firstHeldAtMs = snapshot?.firstHeldAtMs;
    this.tally = new Tally([...this.held, ...this.orphans]);
  }

  get heldCount(): number {
    return this.held.length;
  }
  get orphanCount(): number {
    return this.orphans.length;
  }
  get bytes(): number {
    return this.tally.total;
  }

  /** Holds an accepted message until it can be routed. `waitingForInstall`: it starts the install wait. */
  hold(held: HeldMessage, waitingForInstall: boolean): void {
    if (waitingForInstall && this.held.length === 0) this.firstHeldAtMs = held.arrivedAtMs;
    this.held.push(held);
    this.tally.add(held);
  }

  /** Every held message, in arrival order, leaving none. */
  takeHeld(): HeldMessage[] {
    const all = this.held;
    this.held = [];
    this.firstHeldAtMs = undefined;
    for (const h of all) this.tally.remove(h);
    return all;
  }

  holdRefund(held: HeldMessage): void {
    this.orphans.push(held);
    this.tally.add(held);
  }

  /** The refunds waiting for this purchase, leaving them. */
  takeRefundsFor(purchaseEventId: string): HeldMessage[] {
    const mine = this.orphans.filter((o) => o.message.kind === 'refund' && o.message.refund.purchaseEventId === purchaseEventId);
    if (mine.length === 0) return mine;
    this.orphans = this.orphans.filter((o) => !mine.includes(o));
    for (const o of mine) this.tally.remove(o);
    return mine;
  }

  has(key: string): boolean {
    return this.held.some((h) => dedupKey(h.message) === key) || this.orphans.some((o) => dedupKey(o.message) === key);
  }

  /** Dedup keys of everything waiting here (never forgotten while waiting). */
  keys(): Set<string> {
    return new Set([...this.held, ...this.orphans].map((h) => dedupKey(h.message)));
  }

  /** Takes out what waited too long: held messages with no install context, refunds with no purchase. */
  expire(nowMs: number, policy: Policy, installKnown: boolean): Expired {
    const out: Expired = { held: [], orphans: [] };
    const later = (atMs: number, why: string) => {
      if (!out.next || atMs < out.next.atMs) out.next = { atMs, why };
    };
    if (!installKnown && this.held.length > 0 && this.firstHeldAtMs !== undefined) {
      const due = this.firstHeldAtMs + policy.installWaitTimeout;
      if (nowMs >= due) out.held = this.takeHeld();
      else later(due, 'install wait timeout: held events are dead-lettered if no signup arrives');
    }
    const kept: HeldMessage[] = [];
    for (const orphan of this.orphans) {
      const due = orphan.arrivedAtMs + policy.orphanRefundHold;
      const refund = (orphan.message as RefundMessage).refund;
      if (nowMs < due) {
        kept.push(orphan);
        later(due, `refund ${refund.refundId} waits for purchase ${refund.purchaseEventId}`);
      } else {
        out.orphans.push(orphan);
        this.tally.remove(orphan);
      }
    }
    this.orphans = kept;
    return out;
  }

  toJSON(): Pick<UserSnapshot, 'held' | 'orphanRefunds' | 'firstHeldAtMs'> {
    return { held: this.held, orphanRefunds: this.orphans, ...(this.firstHeldAtMs !== undefined ? { firstHeldAtMs: this.firstHeldAtMs } : {}) };
  }
}
