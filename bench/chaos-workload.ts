// The chaos run's workload, from a seed: per user, purchases, renewals and non-revenue trials in several
// currencies (zero-decimal JPY too), partial and full refunds (a second partial may finish a purchase),
// repeats of the same message, out-of-order pairs, and bad messages the relay must refuse. Every event is
// marked with the harness's own message id (callbackParams / eventValue) so the verdict finds it at the
// vendor without the relay's ids. Bad messages are a table: add a kind with a builder and what refuses it.
import type { RelayClient } from '../client/relay-client';
import { signals } from '../domain/workflow-api';
import { addAmounts, compareAmounts, subtractAmounts } from '../domain/money';
import type { SentLog } from './relay-sender';
import type { PlannedGroup, PlannedMessage, Rng } from './workload';

export const CHAOS_CURRENCIES = [
  { code: 'USD', share: 0.5, decimals: 2 },
  { code: 'EUR', share: 0.25, decimals: 2 },
  { code: 'GBP', share: 0.1, decimals: 2 },
  { code: 'JPY', share: 0.15, decimals: 0 },
] as const;

/** Event names of the demo apps (config/demo.yaml): revenue ones carry revenue and currency. */
export const CHAOS_EVENTS = [
  { name: 'purchase', share: 0.7, revenue: true },
  { name: 'renewal', share: 0.15, revenue: true },
  { name: 'trial', share: 0.15, revenue: false },
] as const;

/** What a bad message needs to be built at send time: the user, and the purchase it refers to, if any. */
export interface BadContext {
  userId: string;
  id: string;
  nowMs: number;
  purchase?: { id: string; amount: string; currency: string; occurredAtMs: number; remaining: string };
}

export interface BadMessageKind {
  /** Refers to an earlier purchase of the user (a refund that breaks the refund rules). */
  needsPurchase: boolean;
  /** The raw message, sent as a signal straight to the user's workflow (as a backend that skipped the client's checks). */
  build(ctx: BadContext): { signal: 'track' | 'refund'; payload: Record<string, unknown> };
  /** A fragment of the reason the relay gives (its recent rejections); loose on purpose, the contract is evolving. */
  refusal: RegExp;
}

/** Bad messages the relay refuses today; more kinds go here (the planner picks among all of them). */
export const BAD_MESSAGES: Record<string, BadMessageKind> = {
  overRefund: {
    needsPurchase: true,
    build: ({ userId, id, nowMs, purchase }) => ({
      signal: 'refund',
      payload: {
        userId,
        refundId: id,
        purchaseEventId: purchase?.id,
        amount: addAmounts(purchase?.remaining ?? '0', '1'),
        currency: purchase?.currency,
        occurredAt: new Date(nowMs).toISOString(),
      },
    }),
    refusal: /exceeds what remains refundable/,
  },
  refundInOtherCurrency: {
    needsPurchase: true,
    build: ({ userId, id, nowMs, purchase }) => ({
      signal: 'refund',
      payload: {
        userId,
        refundId: id,
        purchaseEventId: purchase?.id,
        amount: '1',
        currency: purchase?.currency === 'CHF' ? 'SEK' : 'CHF',
        occurredAt: new Date(nowMs).toISOString(),
      },
    }),
    refusal: /currency \w+ differs/,
  },
  refundBeforePurchase: {
    needsPurchase: true,
    build: ({ userId, id, purchase }) => ({
      signal: 'refund',
      payload: {
        userId,
        refundId: id,
        purchaseEventId: purchase?.id,
        amount: '1',
        currency: purchase?.currency,
        occurredAt: new Date((purchase?.occurredAtMs ?? 0) - 60_000).toISOString(),
      },
    }),
    refusal: /before the purchase/,
  },
  revenueWithComma: {
    needsPurchase: false,
    build: ({ userId, id, nowMs }) => ({
      signal: 'track',
      payload: { userId, eventId: id, name: 'purchase', occurredAt: new Date(nowMs).toISOString(), revenue: '4,99', currency: 'EUR' },
    }),
    refusal: /revenue/,
  },
  revenueWithoutCurrency: {
    needsPurchase: false,
    build: ({ userId, id, nowMs }) => ({
      signal: 'track',
      payload: { userId, eventId: id, name: 'purchase', occurredAt: new Date(nowMs).toISOString(), revenue: '4.99' },
    }),
    refusal: /currency/,
  },
};

export interface ChaosMix {
  /** Share of messages that refund (part of) an earlier purchase: valid partial/full, or a bad refund. */
  refundRate: number;
  /** Share of refunds that break the refund rules (bad). */
  badRefundShare: number;
  /** Share of messages that are bad events (refused at intake). */
  badEventRate: number;
  duplicateRate: number;
  outOfOrderRate: number;
  outOfOrderMs: number;
}

export const CHAOS_MIX: ChaosMix = { refundRate: 0.12, badRefundShare: 0.25, badEventRate: 0.02, duplicateRate: 0.1, outOfOrderRate: 0.15, outOfOrderMs: 500 };

function pick<T extends { share: number }>(rng: Rng, options: readonly T[]): T {
  let r = rng() * options.reduce((n, o) => n + o.share, 0);
  for (const o of options) if ((r -= o.share) < 0) return o;
  return options[options.length - 1] as T;
}

function money(rng: Rng, decimals: number): string {
  return decimals === 0 ? String(120 + Math.floor(rng() * 100) * 60) : (0.99 + Math.floor(rng() * 4900) / 100).toFixed(2);
}

/** A part of `remaining` (30-60 %), rounded down to the currency's decimals; at least one unit. */
function part(rng: Rng, remaining: string, decimals: number): string {
  const unit = decimals === 0 ? 1 : 0.01;
  const value = Math.max(unit, Math.floor((Number(remaining) * (0.3 + rng() * 0.3)) / unit) * unit);
  return value.toFixed(decimals);
}

interface Refundable {
  id: string;
  amount: string;
  currency: string;
  decimals: number;
  refunded: string;
}

/** `count` messages for one user (repeats come on top), as groups to send in order. */
export function planChaosMessages(rng: Rng, userId: string, count: number, mix: ChaosMix = CHAOS_MIX): PlannedGroup[] {
  const groups: PlannedGroup[] = [];
  const refundable: Refundable[] = [];
  const sent: string[] = [];
  const badKinds = Object.entries(BAD_MESSAGES);
  let n = 0;
  let made = 0;
  const nextId = (prefix: string) => `${userId}.${prefix}${(n += 1)}`;
  const event = (offsetMs: number): Extract<PlannedMessage, { kind: 'event' }> => {
    const what = pick(rng, CHAOS_EVENTS);
    if (!what.revenue) return { kind: 'event', id: nextId('t'), name: what.name, offsetMs, mark: true };
    const currency = pick(rng, CHAOS_CURRENCIES);
    return { kind: 'event', id: nextId('e'), name: what.name, revenue: money(rng, currency.decimals), currency: currency.code, offsetMs, mark: true };
  };
  while (made < count) {
    let group: PlannedGroup;
    if (refundable.length > 0 && rng() < mix.refundRate) {
      const index = Math.floor(rng() * refundable.length);
      const purchase = refundable[index] as Refundable;
      if (rng() < mix.badRefundShare) {
        const needing = badKinds.filter(([, k]) => k.needsPurchase);
        const [bad] = needing[Math.floor(rng() * needing.length)] as [string, BadMessageKind];
        group = [{ kind: 'bad', id: nextId('x'), bad, purchaseId: purchase.id }];
      } else {
        const remaining = subtractAmounts(purchase.amount, purchase.refunded);
        const full = rng() < 0.5 || compareAmounts(remaining, purchase.decimals === 0 ? '2' : '0.02') < 0;
        const amount = full ? remaining : part(rng, remaining, purchase.decimals);
        purchase.refunded = addAmounts(purchase.refunded, amount);
        if (compareAmounts(purchase.refunded, purchase.amount) >= 0) refundable.splice(index, 1);
        group = [{ kind: 'refund', id: nextId('r'), purchaseId: purchase.id, amount, currency: purchase.currency }];
      }
    } else if (rng() < mix.badEventRate) {
      const plain = badKinds.filter(([, k]) => !k.needsPurchase);
      const [bad] = plain[Math.floor(rng() * plain.length)] as [string, BadMessageKind];
      group = [{ kind: 'bad', id: nextId('x'), bad }];
    } else if (count - made >= 2 && rng() < mix.outOfOrderRate) {
      group = [event(0), event(-mix.outOfOrderMs)];
    } else {
      group = [event(0)];
    }
    for (const m of group) {
      if (m.kind === 'event' && m.revenue !== undefined && m.currency !== undefined) {
        refundable.push({ id: m.id, amount: m.revenue, currency: m.currency, decimals: m.currency === 'JPY' ? 0 : 2, refunded: '0' });
      }
      if (m.kind === 'event' || m.kind === 'refund') sent.push(m.id);
    }
    made += group.length;
    if (sent.length > 0 && rng() < mix.duplicateRate) group.push({ kind: 'duplicate', of: sent[Math.floor(rng() * sent.length)] as string });
    groups.push(group);
  }
  return groups;
}

/** A bad message as sent: what the relay must refuse, and how. */
export interface SentBad {
  userId: string;
  id: string;
  bad: string;
  refusal: RegExp;
}

/**
 * Sends a bad message as a raw signal to the user's workflow, bypassing the client library's own checks
 * (the workflow must refuse it by itself). The refunded purchase's amounts come from the sent log.
 */
export async function sendBad(
  client: RelayClient,
  log: SentLog,
  userId: string,
  planned: Extract<PlannedMessage, { kind: 'bad' }>,
  sentBad: Map<string, SentBad>,
  refunded: (purchaseId: string) => string,
): Promise<void> {
  const kind = BAD_MESSAGES[planned.bad];
  if (!kind) throw new Error(`unknown bad message kind ${planned.bad}`);
  const sent = planned.purchaseId ? log.messages.get(planned.purchaseId) : undefined;
  const event = sent?.payload.kind === 'event' ? sent.payload.event : undefined;
  const purchase =
    event && event.revenue !== undefined && event.currency !== undefined
      ? {
          id: event.eventId,
          amount: String(event.revenue),
          currency: event.currency,
          occurredAtMs: sent?.occurredAtMs ?? 0,
          remaining: subtractAmounts(String(event.revenue), refunded(event.eventId)),
        }
      : undefined;
  if (kind.needsPurchase && !purchase) throw new Error(`bad message ${planned.id} (${planned.bad}) refers to ${planned.purchaseId}, which was not sent first`);
  const { signal, payload } = kind.build({ userId, id: planned.id, nowMs: Date.now(), ...(purchase ? { purchase } : {}) });
  const handle = client.handle(userId);
  if (signal === 'refund') await handle.signal(signals.refund, payload as never);
  else await handle.signal(signals.track, payload as never);
  sentBad.set(planned.id, { userId, id: planned.id, bad: planned.bad, refusal: kind.refusal });
}
