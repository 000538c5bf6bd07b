// The harnesses' workload, generated from a seed: users (install contexts for the demo apps) and, per user,
// the messages to send in order (purchases, refunds of earlier purchases, deliberate duplicates, and
// out-of-order pairs whose earlier event arrives second). Pure and repeatable; the driver sends it.
import { mulberry32 } from '../emulator/faults';
import type { Signup } from '../domain/contract/install';
import { deliveryId } from '../domain/ids';
import type { Destination } from '../domain/delivery';

export type Rng = () => number;

export function rngFor(seed: number): Rng {
  return mulberry32(seed);
}

function hex(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rng() * 16).toString(16);
  return s;
}

function uuid(rng: Rng): string {
  return `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-a${hex(rng, 3)}-${hex(rng, 12)}`;
}

function digits(rng: Rng, n: number): string {
  let s = String(1 + Math.floor(rng() * 9));
  while (s.length < n) s += String(Math.floor(rng() * 10));
  return s;
}

/** An install context for one of the demo apps (half iOS, half Android), with fresh device ids. */
export function benchUser(rng: Rng, userId: string, installedAtMs: number): Signup {
  const ios = rng() < 0.5;
  const appsflyerId = `${digits(rng, 13)}-${digits(rng, 10)}`;
  return ios
    ? {
        userId,
        app: 'demo-ios',
        platform: 'ios',
        installedAt: new Date(installedAtMs).toISOString(),
        deviceIds: { idfa: uuid(rng).toUpperCase() },
        appsflyerId,
        osVersion: '17.1',
      }
    : {
        userId,
        app: 'demo-android',
        platform: 'android',
        installedAt: new Date(installedAtMs).toISOString(),
        deviceIds: { gps_adid: uuid(rng) },
        appsflyerId,
        osVersion: '14',
      };
}

/**
 * One message as planned; the driver stamps occurredAt = send time + offsetMs. Events are purchases in USD
 * unless the plan says otherwise (name, currency, no revenue for non-revenue events); `mark` puts the
 * message id in the event's callbackParams and eventValue, so the chaos verdict finds it at the vendor.
 * `bad` messages must be refused by the relay (bench/chaos-workload.ts builds them); they deliver nothing.
 */
export type PlannedMessage =
  | { kind: 'event'; id: string; revenue?: string; currency?: string; name?: string; offsetMs: number; mark?: boolean }
  | { kind: 'refund'; id: string; purchaseId: string; amount: string; currency?: string }
  | { kind: 'duplicate'; of: string }
  | { kind: 'bad'; id: string; bad: string; purchaseId?: string };

/** A message that becomes deliveries (not a repeat, not a bad one). */
export type DeliverableMessage = Extract<PlannedMessage, { kind: 'event' | 'refund' }>;

/** Messages sent back to back, in order (an out-of-order pair is one group). */
export type PlannedGroup = PlannedMessage[];

export interface MixOptions {
  /** Share of messages that refund an earlier, not yet refunded purchase. */
  refundRate: number;
  /** Share of groups followed by a repeat of an earlier message (same id and content). */
  duplicateRate: number;
  /** Share of purchases sent as an out-of-order pair (the second happened `outOfOrderMs` before the first). */
  outOfOrderRate: number;
  outOfOrderMs: number;
}

export const BENCH_MIX: MixOptions = { refundRate: 0.1, duplicateRate: 0, outOfOrderRate: 0, outOfOrderMs: 0 };

function amount(rng: Rng): string {
  return (0.99 + Math.floor(rng() * 4900) / 100).toFixed(2);
}

/** `count` distinct messages for one user (duplicates come on top), as groups to send in order. */
export function planUserMessages(rng: Rng, userId: string, count: number, mix: MixOptions): PlannedGroup[] {
  const groups: PlannedGroup[] = [];
  const refundable: Array<{ id: string; revenue: string }> = [];
  const sent: string[] = [];
  let made = 0;
  let n = 0;
  const nextId = (prefix: string) => `${userId}.${prefix}${(n += 1)}`;
  while (made < count) {
    let group: PlannedGroup;
    if (refundable.length > 0 && rng() < mix.refundRate) {
      const purchase = refundable.splice(Math.floor(rng() * refundable.length), 1)[0] as { id: string; revenue: string };
      const partial = rng() < 0.3 && Number(purchase.revenue) >= 2;
      group = [
        {
          kind: 'refund',
          id: nextId('r'),
          purchaseId: purchase.id,
          amount: partial ? (Math.floor(Number(purchase.revenue) * 50) / 100).toFixed(2) : purchase.revenue,
        },
      ];
    } else if (count - made >= 2 && rng() < mix.outOfOrderRate) {
      const later = { kind: 'event' as const, id: nextId('e'), revenue: amount(rng), offsetMs: 0 };
      const earlier = { kind: 'event' as const, id: nextId('e'), revenue: amount(rng), offsetMs: -mix.outOfOrderMs };
      group = [later, earlier];
    } else {
      group = [{ kind: 'event', id: nextId('e'), revenue: amount(rng), offsetMs: 0 }];
    }
    for (const m of group) {
      if (m.kind === 'event') refundable.push({ id: m.id, revenue: m.revenue as string });
      if (m.kind !== 'duplicate') sent.push(m.id);
    }
    made += group.length;
    if (sent.length > 0 && rng() < mix.duplicateRate) group.push({ kind: 'duplicate', of: sent[Math.floor(rng() * sent.length)] as string });
    groups.push(group);
  }
  return groups;
}

/** Distinct messages of a plan (what must be delivered), without the repeats and the bad ones. */
export function distinctMessages(groups: readonly PlannedGroup[]): DeliverableMessage[] {
  return groups.flat().filter((m): m is DeliverableMessage => m.kind === 'event' || m.kind === 'refund');
}

/** The delivery ids the relay derives for a message (same function as the workflow). */
export function deliveryIdsFor(userId: string, message: DeliverableMessage): Record<Destination, string> {
  const key = message.kind === 'event' ? `event:${message.id}` : `refund:${message.id}`;
  return { adjust: deliveryId(userId, key, 'adjust'), appsflyer: deliveryId(userId, key, 'appsflyer') };
}

/**
 * Interleaves users' groups into one send order: round k sends every user's k-th group, so each user's
 * messages stay in order and consecutive messages of one user are far apart.
 */
export function interleave<T>(perUser: ReadonlyArray<readonly T[]>): Array<{ user: number; item: T }> {
  const out: Array<{ user: number; item: T }> = [];
  const longest = Math.max(0, ...perUser.map((g) => g.length));
  for (let k = 0; k < longest; k++) {
    perUser.forEach((groups, user) => {
      const item = groups[k];
      if (item !== undefined) out.push({ user, item });
    });
  }
  return out;
}
