// Intake and dead letters: dedup, refundable purchases and refund rules, window bounds, redrive.
import { describe, expect, it } from 'vitest';
import { AppConfigFile } from '../../domain/app-config';
import { Refund, TrackEvent } from '../../domain/event';
import { workflowPolicy } from '../../domain/settings';
import { boundDeadLetters, deadLetterOrphan, redrive } from '../../workflows/dead-letter';
import { acceptMessage, answerFor, holdOrphanRefund, isDuplicate, pruneWindows, refundProblem } from '../../workflows/intake';
import { initialState, type UserState } from '../../workflows/state';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const event = (id: string, revenue?: string) =>
  TrackEvent.parse({ userId: 'u', eventId: id, name: 'purchase', occurredAt: new Date(T0).toISOString(), ...(revenue ? { revenue, currency: 'USD' } : {}) });
const refund = (id: string, purchase: string, amount: string, currency = 'USD', at = T0 + 1_000) =>
  Refund.parse({ userId: 'u', refundId: id, purchaseEventId: purchase, amount, currency, occurredAt: new Date(at).toISOString() });

function withPurchase(): UserState {
  const s = initialState('u');
  acceptMessage(s, { kind: 'event', event: event('p1', '10.00') }, T0);
  return s;
}

describe('intake', () => {
  it('records an id once and answers later copies as duplicates, flagging changed content', () => {
    const s = withPurchase();
    expect(isDuplicate(s, { kind: 'event', event: event('p1', '10.00') })).toBe(true);
    expect(answerFor(s, { kind: 'event', event: event('p1', '10.00') }, 'duplicate').conflictingDuplicate).toBeUndefined();
    expect(answerFor(s, { kind: 'event', event: event('p1', '99') }, 'duplicate').conflictingDuplicate).toBe(true);
    // Event and refund ids live in separate namespaces.
    expect(isDuplicate(s, { kind: 'refund', refund: refund('p1', 'p1', '1') })).toBe(false);
  });

  it('allows partial and multiple refunds up to the purchase, in its currency, not before it', () => {
    const s = withPurchase();
    expect(refundProblem(s, refund('r1', 'p1', '4'))).toBeUndefined();
    acceptMessage(s, { kind: 'refund', refund: refund('r1', 'p1', '4') }, T0);
    expect(refundProblem(s, refund('r2', 'p1', '6'))).toBeUndefined();
    expect(refundProblem(s, refund('r2', 'p1', '6.01'))?.reason).toMatch(/exceeds what remains refundable of purchase "p1": 6 of 10 USD/);
    expect(refundProblem(s, refund('r2', 'p1', '1', 'EUR'))?.reason).toMatch(/differs/);
    expect(refundProblem(s, refund('r2', 'p1', '1', 'USD', T0 - 1))?.reason).toMatch(/before the purchase/);
    expect(refundProblem(s, refund('r2', 'nope', '1'))).toMatchObject({ unknown: true });
    // An event without revenue is not refundable.
    acceptMessage(s, { kind: 'event', event: event('free') }, T0);
    expect(refundProblem(s, refund('r3', 'free', '1'))).toMatchObject({ unknown: true });
  });

  it('bounds the dedup window and the purchases, oldest first, but keeps held messages', () => {
    const s = initialState('u');
    const policy = { ...workflowPolicy(AppConfigFile.parse({ apps: { a: { platform: 'ios', appsflyer: { appId: 'id1', key: { value: 'k' } } } } })), dedupMaxEntries: 3, purchaseLimit: 2 };
    for (let i = 0; i < 5; i++) acceptMessage(s, { kind: 'event', event: event(`e${i}`, '1') }, T0 + i);
    s.held = s.held.slice(0, 1); // e0 still held (not yet routed): must survive pruning
    pruneWindows(s, policy, T0 + 10);
    expect(Object.keys(s.dedup)).toEqual(['event:e0', 'event:e3', 'event:e4']);
    expect(Object.keys(s.purchases)).toEqual(['e3', 'e4']);
  });

  it('keeps a purchase a duplicate for as long as it is refundable, after the dedup window forgot it', () => {
    const s = withPurchase();
    acceptMessage(s, { kind: 'refund', refund: refund('r1', 'p1', '10.00') }, T0);
    delete s.dedup['event:p1'];
    expect(isDuplicate(s, { kind: 'event', event: event('p1', '10.00') })).toBe(true);
    expect(answerFor(s, { kind: 'event', event: event('p1', '10.00') }, 'duplicate').receivedAt).toBe(new Date(T0).toISOString());
    // Its refunded amount stays: it cannot be refunded a second time.
    expect(refundProblem(s, refund('r2', 'p1', '1'))?.reason).toMatch(/exceeds what remains refundable/);
  });
});

describe('dead letters', () => {
  it('keeps a bounded number, counting evictions, and redrives the chosen ones in event-time order', () => {
    const s = initialState('u');
    const item = (n: number) => ({ deliveryId: `d${n}`, destination: 'adjust' as const, kind: 'event' as const, sourceId: `e${n}`, name: 'purchase', occurredAtMs: T0 + n * 1000, sendAtMs: T0 + 9_999 });
    for (const n of [3, 1, 2]) s.deadLetters.push({ item: item(n), reason: 'rejected', atMs: T0, redrives: 0 });
    boundDeadLetters(s, 2);
    expect(s.deadLetters.map((d) => d.item?.deliveryId)).toEqual(['d1', 'd2']);
    expect(s.deadLettersEvicted).toBe(1);
    const answer = redrive(s, ['d2', 'missing'], T0 + 5);
    expect(answer).toEqual({ redriven: ['d2'], notFound: ['missing'] });
    expect(s.lanes.adjust.queue.map((p) => p.item.deliveryId)).toEqual(['d2']);
    // A redrive clears a restamp so the late-event policy is applied afresh.
    expect(s.lanes.adjust.queue[0]?.item.sendAtMs).toBeUndefined();
    expect(s.lanes.adjust.queue[0]?.redrives).toBe(1);
    redrive(s, [], T0 + 6);
    expect(s.deadLetters).toHaveLength(0);
    expect(s.lanes.adjust.queue.map((p) => p.item.deliveryId)).toEqual(['d1', 'd2']);
  });
});

describe('redriving refunds that were never accepted', () => {
  const orphanLetter = (s: UserState, r: ReturnType<typeof refund>) => {
    holdOrphanRefund(s, r, T0);
    deadLetterOrphan(s, s.orphanRefunds.pop()!, 'unknown purchase', T0 + 10);
  };

  it('accepts it against the purchase that has arrived since, counting the refunded amount', () => {
    const s = initialState('u');
    orphanLetter(s, refund('r1', 'p1', '4'));
    acceptMessage(s, { kind: 'event', event: event('p1', '10.00') }, T0 + 20);
    expect(redrive(s, [], T0 + 30)).toEqual({ redriven: ['held:refund:r1'], notFound: [] });
    expect(s.purchases.p1?.refunded).toBe('4');
    expect(s.counters.refunds).toBe(1);
    expect(s.held.map((h) => h.message.kind)).toEqual(['event', 'refund']);
    expect(isDuplicate(s, { kind: 'refund', refund: refund('r1', 'p1', '4') })).toBe(true);
  });

  it('holds it again while the purchase is still unknown', () => {
    const s = initialState('u');
    orphanLetter(s, refund('r1', 'p1', '4'));
    expect(redrive(s, ['refund:r1'], T0 + 30).redriven).toEqual(['held:refund:r1']);
    expect(s.orphanRefunds.map((o) => [o.refund.refundId, o.arrivedAtMs])).toEqual([['r1', T0 + 30]]);
    expect(s.held).toHaveLength(0);
    expect(s.deadLetters).toHaveLength(0);
  });

  it('keeps it dead-lettered, with the reason, when it breaks the refund rules (e.g. more than the purchase)', () => {
    const s = initialState('u');
    orphanLetter(s, refund('r1', 'p1', '10.00'));
    acceptMessage(s, { kind: 'event', event: event('p1', '5.00') }, T0 + 20);
    expect(redrive(s, [], T0 + 30)).toEqual({ redriven: [], notFound: [], refused: ['held:refund:r1'] });
    expect(s.deadLetters).toHaveLength(1);
    expect(s.deadLetters[0]).toMatchObject({ unaccepted: true, redrives: 1, reason: expect.stringMatching(/^redrive refused: refund of 10 USD exceeds what remains refundable of purchase "p1": 5 of 5 USD/) });
    expect(s.purchases.p1?.refunded).toBe('0');
    expect(s.held.map((h) => h.message.kind)).toEqual(['event']);
  });
});
