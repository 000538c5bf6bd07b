// The lane (workflows/lane.ts): order by event time, the resend barrier, the post-install gate and the
// settle window counted from the event time, batches by count and bytes, Adjust's chronological rule
// (restamp or dead-letter), the install floor (ad revenue too), age windows and deadlines, refunds behind
// their purchase, and a stopped lane.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type Policy } from '../../../domain/config';
import { jsonBytes } from '../../../domain/contract/text';
import type { Destination, Message } from '../../../domain/delivery';
import type { Pending } from '../../../domain/snapshot';
import { Lane, readyAt, type LaneContext } from '../../../workflows/lane';
import { adRevenue, appWith, delivery, iosApp, refund, track } from '../../helpers/demo-apps';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const DAY = 86_400_000;
const app = appWith(iosApp, { adjust: { adRevenue: true } });
const iso = (ms: number) => new Date(ms).toISOString();

function ctx(nowMs: number, policy: Partial<Policy> = {}): LaneContext {
  return { nowMs, installedAtMs: T0, gateAtMs: T0 + 60_000, policy: { ...DEFAULT_POLICY, settleWindow: 2_000, ...policy }, app };
}

let seq = 0;
interface Add {
  at: number;
  arrivedAtMs?: number;
  kind?: Message['kind'];
  name?: string;
  revenue?: string;
  id?: string;
  waitFor?: string;
  resend?: boolean;
  deliveryId?: string;
  callbackParams?: Record<string, string>;
}

function add(lane: Lane, o: Add): Pending {
  seq += 1;
  const id = o.id ?? `m${seq}`;
  const occurredAt = iso(o.at);
  const message: Message =
    o.kind === 'refund'
      ? { kind: 'refund', refund: refund({ refundId: id, occurredAt, currency: 'USD' }) }
      : o.kind === 'adRevenue'
        ? { kind: 'adRevenue', adRevenue: adRevenue({ eventId: id, occurredAt }) }
        : {
            kind: 'track',
            track: track({
              eventId: id,
              occurredAt,
              name: o.name ?? 'purchase',
              ...(o.revenue === 'none' ? { revenue: undefined, currency: undefined } : { revenue: o.revenue ?? '1' }),
              ...(o.callbackParams ? { callbackParams: o.callbackParams } : {}),
            }),
          };
  const item = delivery(lane.destination, message, { ...(o.resend ? { resend: true } : {}), ...(o.deliveryId ? { deliveryId: o.deliveryId } : {}) });
  const pending: Pending = { item, arrivedAtMs: o.arrivedAtMs ?? T0 + 100_000, seq, redrives: 0, ...(o.waitFor ? { waitFor: o.waitFor } : {}) };
  lane.enqueue(pending);
  return pending;
}

/** Sends the head as the workflow does when the vendor accepted it: removes it and raises the marks. */
function sendHead(lane: Lane): Pending {
  const head = lane.queue[0] as Pending;
  lane.remove(head);
  lane.markSent(head, app);
  return head;
}

const times = (lane: Lane) => lane.queue.map((p) => p.item.occurredAtMs - T0);
const none = () => undefined;
const batchOf = (result: ReturnType<Lane['plan']>) => (result.plan.kind === 'send' ? result.plan.batch : []);

describe('order', () => {
  it('keeps event-time order whatever the arrival order, and arrival order for equal times', () => {
    const lane = new Lane('adjust');
    add(lane, { at: T0 + 3_000 });
    add(lane, { at: T0 + 1_000, id: 'first' });
    add(lane, { at: T0 + 2_000 });
    add(lane, { at: T0 + 1_000, id: 'second' });
    expect(times(lane)).toEqual([1_000, 1_000, 2_000, 3_000]);
    expect(lane.queue.slice(0, 2).map((p) => p.item.message.kind === 'track' && p.item.message.track.eventId)).toEqual(['first', 'second']);
  });

  it('puts a later arrival behind a delivery that may already be at the vendor (a possible resend)', () => {
    const lane = new Lane('adjust');
    add(lane, { at: T0 + 1_000 });
    add(lane, { at: T0 + 8_000, resend: true });
    add(lane, { at: T0 + 9_000 });
    add(lane, { at: T0 + 6_000 });
    expect(times(lane)).toEqual([1_000, 8_000, 6_000, 9_000]);
    // Once the resend is accepted, the late event meets the late-event policy: restamped to the resend's second.
    sendHead(lane);
    sendHead(lane);
    const { plan } = lane.plan(ctx(T0 + 200_000), none);
    expect(plan.kind).toBe('send');
    expect(lane.queue[0]?.item.sendAtMs).toBe(T0 + 8_000);
  });
});

describe('when the head may go: gate and settle window', () => {
  it('waits for the post-install gate, saying so', () => {
    const lane = new Lane('adjust');
    add(lane, { at: T0 + 1_000, arrivedAtMs: T0 + 1_000 });
    expect(lane.plan(ctx(T0 + 10_000), none)).toEqual({
      verdicts: [],
      plan: { kind: 'wait', untilMs: T0 + 60_000, reason: 'adjust: post-install gate until 2026-11-01T00:01:00.000Z' },
    });
  });

  it('counts the settle window from when the event happened, or arrived if earlier', () => {
    const policy = { gateAtMs: T0, policy: { ...DEFAULT_POLICY, settleWindow: 2_000 } };
    const p = (occurred: number, arrived: number) => ({ item: { occurredAtMs: occurred }, arrivedAtMs: arrived }) as Pending;
    expect(readyAt(p(T0 + 70_000, T0 + 70_500), policy)).toBe(T0 + 72_000); // arrived late: not settle + arrival
    expect(readyAt(p(T0 + 70_000, T0 + 75_000), policy)).toBe(T0 + 72_000); // long settled: ready at once
    expect(readyAt(p(T0 + 74_000, T0 + 70_000), policy)).toBe(T0 + 72_000); // in the future (clock skew): from arrival
    expect(readyAt(p(T0 - 5_000, T0 - 5_000), { ...policy, gateAtMs: T0 + 60_000 })).toBe(T0 + 60_000); // never before the gate
  });

  it('waits out the settle window after the gate, then sends', () => {
    const lane = new Lane('adjust');
    add(lane, { at: T0 + 70_000, arrivedAtMs: T0 + 70_500 });
    expect(lane.plan(ctx(T0 + 71_000), none).plan).toEqual({
      kind: 'wait',
      untilMs: T0 + 72_000,
      reason: 'adjust: settle window until 2026-11-01T00:01:12.000Z',
    });
    expect(lane.plan(ctx(T0 + 72_000), none).plan.kind).toBe('send');
  });

  it('an event that happened long ago and arrives now goes at once: the window is counted from the event', () => {
    const lane = new Lane('appsflyer');
    add(lane, { at: T0 + 10_000, arrivedAtMs: T0 + 3_600_000 });
    expect(lane.plan(ctx(T0 + 3_600_000), none).plan.kind).toBe('send');
  });

  it('is idle with nothing queued', () => {
    expect(new Lane('adjust').plan(ctx(T0), none)).toEqual({ verdicts: [], plan: { kind: 'idle' } });
  });
});

describe('settleLoneEvents false: no settle window for a delivery arriving to a quiet lane', () => {
  const NOW = T0 + 100_000;
  const pendingAt = (at: number, arrivedAtMs: number, id: string): Pending => {
    seq += 1;
    const message: Message = { kind: 'track', track: track({ eventId: id, occurredAt: iso(at), name: 'purchase', revenue: '1' }) };
    return { item: delivery('adjust', message), arrivedAtMs, seq, redrives: 0 };
  };
  const restamp = { settleWindow: 2_000, settleLoneEvents: false, latePolicy: 'restamp' as const };

  it('sends a delivery that arrives to an empty, idle lane at once (the gate still applies)', () => {
    const lane = new Lane('adjust');
    lane.arrive(pendingAt(NOW, NOW, 'lone'), NOW, restamp);
    expect(lane.queue[0]?.quiet).toBe(true);
    expect(lane.plan(ctx(NOW), none).plan.kind).toBe('send');
    const gated = new Lane('adjust');
    gated.arrive(pendingAt(T0 + 1_000, T0 + 1_000, 'early'), T0 + 1_000, restamp);
    expect(gated.plan(ctx(T0 + 1_000), none).plan).toMatchObject({ kind: 'wait', untilMs: T0 + 60_000 });
  });

  it('keeps the settle window when the lane is sending (a batch stays queued until its send ends), has a queue, or had an arrival within the window', () => {
    const sending = new Lane('adjust');
    sending.arrive(pendingAt(NOW - 60_000, NOW - 60_000, 'x'), NOW - 60_000, restamp);
    expect(batchOf(sending.plan(ctx(NOW), none)).map((p) => p.item.deliveryId)).toHaveLength(1); // x is being sent
    sending.arrive(pendingAt(NOW, NOW, 'a'), NOW, restamp);
    expect(sending.queue.map((p) => p.quiet)).toEqual([true, undefined]);

    const queued = new Lane('adjust');
    queued.arrive(pendingAt(NOW, NOW, 'a'), NOW, restamp);
    queued.arrive(pendingAt(NOW - 500, NOW + 10_000, 'b'), NOW + 10_000, restamp);
    expect(queued.queue.map((p) => p.quiet)).toEqual([undefined, true]); // b (earlier) sorts first; only a found the lane empty
  });

  it('sorts an earlier event that arrives within the window ahead of one still waiting, and restamps nothing', () => {
    const lane = new Lane('adjust');
    const inFlight = pendingAt(NOW - 60_000, NOW - 60_000, 'x');
    lane.arrive(inFlight, NOW - 60_000, restamp);
    lane.arrive(pendingAt(NOW, NOW, 'first'), NOW, restamp); // x is still being sent: the window applies
    lane.arrive(pendingAt(NOW - 800, NOW + 500, 'earlier'), NOW + 500, restamp);
    lane.remove(inFlight); // x's send ended
    lane.markSent(inFlight, app);
    expect(lane.queue.map((p) => p.item.message.kind === 'track' && p.item.message.track.eventId)).toEqual(['earlier', 'first']);
    const { plan } = lane.plan(ctx(NOW + 2_000), none);
    expect(plan.kind === 'send' && plan.batch.map((p) => p.item.sendAtMs)).toEqual([undefined, undefined]);
  });

  it('never skips the window by default, with latePolicy dead-letter (a late arrival would be lost), or soon after another arrival', () => {
    const byDefault = new Lane('adjust');
    byDefault.arrive(pendingAt(NOW, NOW, 'd'), NOW, { ...restamp, settleLoneEvents: true });
    expect(byDefault.queue[0]?.quiet).toBeUndefined();
    expect(byDefault.plan(ctx(NOW), none).plan).toMatchObject({ kind: 'wait', untilMs: NOW + 2_000 });

    const lane = new Lane('adjust');
    lane.arrive(pendingAt(NOW, NOW, 'a'), NOW, { ...restamp, latePolicy: 'dead-letter' });
    expect(lane.queue[0]?.quiet).toBeUndefined();
    expect(lane.plan(ctx(NOW, { latePolicy: 'dead-letter' }), none).plan).toMatchObject({ kind: 'wait', untilMs: NOW + 2_000 });
    const again = new Lane('adjust', { ...lane.toJSON(), queue: [] });
    expect(again.lastArrivalMs).toBe(NOW); // carried over continue-as-new
    again.arrive(pendingAt(NOW + 1_000, NOW + 1_000, 'b'), NOW + 1_000, restamp);
    expect(again.queue[0]?.quiet).toBeUndefined(); // 1 s after the previous arrival: not quiet
  });
});

describe('settleInAttemptMs: a batch planned inside its settle window, for the first attempt to wait out', () => {
  const settling = (nowMs: number, policy: Partial<Policy> = {}) => ({ ...ctx(nowMs, policy), settleInAttemptMs: 10_000 });

  it('plans the head at once with the time it may go, and takes what is ready by then', () => {
    const lane = new Lane('appsflyer');
    add(lane, { at: T0 + 100_000, arrivedAtMs: T0 + 100_000, id: 'a' });
    add(lane, { at: T0 + 100_500, arrivedAtMs: T0 + 100_500, id: 'b' });
    add(lane, { at: T0 + 103_000, arrivedAtMs: T0 + 103_000, id: 'c' });
    const { plan } = lane.plan(settling(T0 + 100_600), none);
    expect(plan).toMatchObject({ kind: 'send', notBeforeMs: T0 + 102_000 });
    // b is ready only at T0 + 102_500: it waits for the next batch.
    expect(batchOf({ verdicts: [], plan }).map((p) => p.item.occurredAtMs - T0)).toEqual([100_000]);
    const later = lane.plan(settling(T0 + 100_600, { settleWindow: 1_000 }), none).plan;
    expect(later).toMatchObject({ kind: 'send', notBeforeMs: T0 + 101_000 });
    // Without it (a run recorded before, a lane not on the combined attempt), the lane waits on a timer as before.
    expect(lane.plan(ctx(T0 + 100_600), none).plan).toMatchObject({ kind: 'wait', untilMs: T0 + 102_000 });
  });

  it('takes later deliveries ready by the planned time, but never one a send was already planned or made for', () => {
    const lane = new Lane('appsflyer');
    add(lane, { at: T0 + 100_000, arrivedAtMs: T0 + 100_000 });
    add(lane, { at: T0 + 100_000, arrivedAtMs: T0 + 100_100 });
    add(lane, { at: T0 + 100_000, arrivedAtMs: T0 + 100_200 });
    const all = lane.plan(settling(T0 + 100_300), none).plan;
    expect(all).toMatchObject({ kind: 'send', notBeforeMs: T0 + 102_000 });
    expect(batchOf({ verdicts: [], plan: all })).toEqual(lane.queue);
    (lane.queue[1] as Pending).item.firstAttemptAtMs = T0 + 50_000;
    const cut = lane.plan(settling(T0 + 100_300), none).plan;
    expect(batchOf({ verdicts: [], plan: cut })).toEqual(lane.queue.slice(0, 1));
  });

  it('waits on a timer when the wait is longer than settleInAttemptMs (the post-install gate) or the head was handed to a send before', () => {
    const lane = new Lane('appsflyer');
    const head = add(lane, { at: T0 + 10_000, arrivedAtMs: T0 + 10_000 });
    expect(lane.plan(settling(T0 + 20_000), none).plan).toMatchObject({ kind: 'wait', untilMs: T0 + 60_000 });
    // Within reach of the gate, the gate is waited out in the attempt as well.
    expect(lane.plan(settling(T0 + 55_000), none).plan).toMatchObject({ kind: 'send', notBeforeMs: T0 + 60_000 });
    for (const handed of [{ firstAttemptAtMs: T0 }, { resend: true }, { attemptsMade: 2 }]) {
      Object.assign(head.item, handed);
      expect(lane.plan(settling(T0 + 55_000), none).plan).toMatchObject({ kind: 'wait', untilMs: T0 + 60_000 });
      delete head.item.firstAttemptAtMs;
      delete head.item.resend;
      delete head.item.attemptsMade;
    }
    // Ready already: a plain send, no planned time.
    expect(lane.plan(settling(T0 + 60_000), none).plan).toEqual(expect.not.objectContaining({ notBeforeMs: expect.anything() }));
  });
});

describe('batches', () => {
  it('sends the ready head and what follows it, in order; one still settling ends the batch', () => {
    const lane = new Lane('adjust');
    add(lane, { at: T0 + 61_000, arrivedAtMs: T0 + 61_000 });
    add(lane, { at: T0 + 62_000, arrivedAtMs: T0 + 62_000 });
    add(lane, { at: T0 + 70_000, arrivedAtMs: T0 + 70_000 });
    const result = lane.plan(ctx(T0 + 71_000), none);
    expect(batchOf(result).map((p) => p.item.occurredAtMs - T0)).toEqual([61_000, 62_000]);
    expect(result.plan.kind === 'send' && result.plan.deadlineMs).toBe(T0 + 61_000 + 28 * DAY);
    // The lane only plans: nothing leaves the queue until the send returns.
    expect(lane.queue).toHaveLength(3);
  });

  it('by count: at most policy.maxBatchSize', () => {
    const lane = new Lane('adjust');
    for (let i = 0; i < 5; i++) add(lane, { at: T0 + i * 1_000, arrivedAtMs: T0 });
    expect(batchOf(lane.plan(ctx(T0 + 100_000, { maxBatchSize: 3 }), none))).toHaveLength(3);
    expect(batchOf(lane.plan(ctx(T0 + 100_000, { maxBatchSize: 1 }), none))).toHaveLength(1);
    expect(batchOf(lane.plan(ctx(T0 + 100_000), none))).toHaveLength(5);
  });

  it('by bytes: never more than policy.maxBatchKiB of deliveries in one activity input', () => {
    const lane = new Lane('adjust');
    const big = { a: 'x'.repeat(1000), b: 'x'.repeat(1000), c: 'x'.repeat(1000), d: 'x'.repeat(1000) };
    for (let i = 0; i < 10; i++) add(lane, { at: T0 + i * 1_000, arrivedAtMs: T0, callbackParams: big });
    const size = jsonBytes(lane.queue[0]?.item);
    expect(size).toBeGreaterThan(4_000);
    const batch = batchOf(lane.plan(ctx(T0 + 100_000, { maxBatchKiB: 32 }), none));
    expect(batch).toHaveLength(Math.floor((32 * 1024) / size));
    expect(batch.reduce((n, p) => n + jsonBytes(p.item), 0)).toBeLessThanOrEqual(32 * 1024);
  });

  it('ends a batch before a delivery past its window, and its deadline is the earliest in the batch', () => {
    const lane = new Lane('adjust');
    const now = T0 + 40 * DAY;
    add(lane, { at: now - 35 * DAY, arrivedAtMs: now - 10 * DAY }); // Adjust event window 58 days: fine
    add(lane, { at: now - 30 * DAY, arrivedAtMs: now - 10 * DAY, kind: 'adRevenue' }); // ad revenue window 28 days: too old
    const result = lane.plan(ctx(now, { adjustEventWindowDays: 58 }), none);
    expect(batchOf(result)).toHaveLength(1);
    expect(result.plan.kind === 'send' && result.plan.deadlineMs).toBe(now - 35 * DAY + 58 * DAY);
  });
});

describe("Adjust's chronological rule", () => {
  it('restamps an event older than one Adjust accepted for its revenue class (latePolicy: restamp)', () => {
    const lane = new Lane('adjust');
    add(lane, { at: T0 + 90_500, name: 'renewal' });
    sendHead(lane);
    expect(lane.highWater).toEqual({ r3new1: (T0 + 90_000) / 1000, '#revenue': (T0 + 90_000) / 1000 });
    const late = add(lane, { at: T0 + 70_000, name: 'purchase' });
    expect(lane.plan(ctx(T0 + 200_000), none).plan.kind).toBe('send');
    // The second of the newest revenue event (p4rch1 and r3new1 share one order).
    expect(late.item.sendAtMs).toBe(T0 + 90_000);
  });

  it('relates a token to itself only when the request carries no revenue', () => {
    const lane = new Lane('adjust');
    add(lane, { at: T0 + 90_000, name: 'purchase' });
    sendHead(lane);
    const trial = add(lane, { at: T0 + 70_000, name: 'trial', revenue: 'none' });
    const freePurchase = add(lane, { at: T0 + 71_000, name: 'renewal', revenue: 'none' });
    lane.plan(ctx(T0 + 200_000), none);
    expect(trial.item.sendAtMs).toBeUndefined();
    expect(freePurchase.item.sendAtMs).toBeUndefined();
  });

  it('dead-letters a late event under latePolicy: dead-letter, saying what Adjust holds', () => {
    const lane = new Lane('adjust');
    add(lane, { at: T0 + 90_000 });
    sendHead(lane);
    const late = add(lane, { at: T0 + 70_000 });
    expect(lane.plan(ctx(T0 + 200_000, { latePolicy: 'dead-letter' }), none)).toEqual({
      verdicts: [
        {
          outcome: 'dead-lettered',
          pending: late,
          reason:
            'late event: Adjust already accepted an event at 2026-11-01T00:01:30.000Z for p4rch1 / #revenue, and rejects older ones (latePolicy: dead-letter)',
        },
      ],
      plan: { kind: 'idle' },
    });
    expect(lane.queue).toHaveLength(0);
  });

  it('the same second is not late', () => {
    const lane = new Lane('adjust');
    add(lane, { at: T0 + 90_900 });
    sendHead(lane);
    const same = add(lane, { at: T0 + 90_100 });
    expect(lane.plan(ctx(T0 + 200_000, { latePolicy: 'dead-letter' }), none).verdicts).toEqual([]);
    expect(same.item.sendAtMs).toBeUndefined();
  });

  it('floors every Adjust event at the install (Bad event state), ad revenue included; AppsFlyer has no floor', () => {
    const restamp = new Lane('adjust');
    const before = add(restamp, { at: T0 - 5_000 });
    const ad = add(restamp, { at: T0 - 4_000, kind: 'adRevenue' });
    // Each is restamped when it is the head (a batch ends at an item that is not yet).
    expect(batchOf(restamp.plan(ctx(T0 + 200_000), none))).toEqual([before]);
    expect(before.item.sendAtMs).toBe(T0);
    sendHead(restamp);
    expect(batchOf(restamp.plan(ctx(T0 + 200_000), none))).toEqual([ad]);
    expect(ad.item.sendAtMs).toBe(T0);

    const strict = new Lane('adjust');
    const adStrict = add(strict, { at: T0 - 4_000, kind: 'adRevenue' });
    expect(strict.plan(ctx(T0 + 200_000, { latePolicy: 'dead-letter' }), none).verdicts).toEqual([
      {
        outcome: 'dead-lettered',
        pending: adStrict,
        reason: 'late event: it happened before the install (2026-11-01T00:00:00.000Z), which Adjust rejects (latePolicy: dead-letter)',
      },
    ]);

    const appsflyer = new Lane('appsflyer');
    const af = add(appsflyer, { at: T0 - 5_000 });
    expect(batchOf(appsflyer.plan(ctx(T0 + 200_000), none))).toEqual([af]);
    expect(af.item.sendAtMs).toBeUndefined();
  });

  it('rounds the install floor up to the next whole second', () => {
    const lane = new Lane('adjust');
    const p = add(lane, { at: T0 + 200 });
    lane.plan({ ...ctx(T0 + 200_000), installedAtMs: T0 + 500 }, none);
    expect(p.item.sendAtMs).toBe(T0 + 1_000);
  });

  it('ad revenue has no order rule of its own: it neither raises nor meets the marks (past the install)', () => {
    const lane = new Lane('adjust');
    add(lane, { at: T0 + 90_000, kind: 'adRevenue' });
    sendHead(lane);
    expect(lane.highWater).toEqual({});
    add(lane, { at: T0 + 95_000 });
    sendHead(lane);
    const ad = add(lane, { at: T0 + 80_000, kind: 'adRevenue' });
    lane.plan(ctx(T0 + 200_000, { latePolicy: 'dead-letter' }), none);
    expect(ad.item.sendAtMs).toBeUndefined();
    expect(lane.queue).toEqual([ad]);
  });

  it('ends a batch at a delivery that would be late behind an earlier one in the same batch', () => {
    const lane = new Lane('adjust');
    add(lane, { at: T0 + 100_000, name: 'renewal' });
    sendHead(lane);
    const head = add(lane, { at: T0 + 80_000, name: 'purchase' }); // restamped to 100 s
    const trial = add(lane, { at: T0 + 85_000, name: 'trial', revenue: 'none' }); // own token: not late
    const next = add(lane, { at: T0 + 90_000, name: 'purchase' }); // behind the restamped head
    expect(batchOf(lane.plan(ctx(T0 + 200_000), none))).toEqual([head, trial]);
    expect(next.item.sendAtMs).toBeUndefined();
    sendHead(lane);
    sendHead(lane);
    lane.plan(ctx(T0 + 200_000), none);
    expect(next.item.sendAtMs).toBe(T0 + 100_000);
  });

  it('raises marks on the Adjust lane only, and never lowers them', () => {
    const af = new Lane('appsflyer');
    add(af, { at: T0 + 90_000 });
    sendHead(af);
    expect(af.highWater).toEqual({});
    const lane = new Lane('adjust');
    add(lane, { at: T0 + 90_000 });
    sendHead(lane);
    const restamped = add(lane, { at: T0 + 80_000 });
    lane.plan(ctx(T0 + 200_000), none);
    sendHead(lane);
    expect(restamped.item.sendAtMs).toBe(T0 + 90_000);
    expect(lane.highWater['#revenue']).toBe((T0 + 90_000) / 1000);
  });
});

describe('age windows', () => {
  it('dead-letters deliveries past the vendor window instead of sending them', () => {
    const now = T0 + 29 * DAY;
    for (const [destination, days] of [
      ['adjust', 28],
      ['appsflyer', 7],
    ] as Array<[Destination, number]>) {
      const lane = new Lane(destination);
      const old = add(lane, { at: T0, arrivedAtMs: T0 });
      expect(lane.plan(ctx(now), none)).toEqual({
        verdicts: [
          {
            outcome: 'dead-lettered',
            pending: old,
            reason: `too old: the event happened at 2026-11-01T00:00:00.000Z, outside the ${destination} window (${days} days)`,
          },
        ],
        plan: { kind: 'idle' },
      });
    }
  });

  it('never restamps an event past its window: the window counts from when it happened', () => {
    const lane = new Lane('adjust');
    const now = T0 + 40 * DAY;
    add(lane, { at: now - 60_000 });
    sendHead(lane);
    const old = add(lane, { at: T0 + 1_000, arrivedAtMs: now - 10_000 });
    expect(lane.plan(ctx(now), none).verdicts.map((v) => v.reason)).toEqual([
      'too old: the event happened at 2026-11-01T00:00:01.000Z, outside the adjust window (28 days)',
    ]);
    expect(old.item.sendAtMs).toBeUndefined();
  });

  it('a delivery whose sends failed before a drain, past its deadline, is a retry deadline with the last answer', () => {
    const lane = new Lane('appsflyer');
    const failed = add(lane, { at: T0, arrivedAtMs: T0 });
    failed.lastFailure = { status: 500, answer: 'AppsFlyer 500: Internal Server Error' };
    expect(lane.plan(ctx(T0 + 7 * DAY), none).verdicts).toEqual([
      {
        outcome: 'dead-lettered',
        pending: failed,
        reason: "retry deadline passed (the vendor's age limit for this event); last error: AppsFlyer 500: Internal Server Error",
        lastFailure: { status: 500, answer: 'AppsFlyer 500: Internal Server Error' },
      },
    ]);
  });

  it('the deadline is exclusive: at occurredAt + window the delivery is too old', () => {
    const lane = new Lane('appsflyer');
    add(lane, { at: T0, arrivedAtMs: T0 });
    expect(lane.plan(ctx(T0 + 7 * DAY - 1), none).plan.kind).toBe('send');
    expect(lane.plan(ctx(T0 + 7 * DAY), none).verdicts).toHaveLength(1);
  });
});

describe('refunds behind their purchase (AppsFlyer)', () => {
  it('sends a refund in the same batch right after its purchase, never before it', () => {
    const lane = new Lane('appsflyer');
    const buy = add(lane, { at: T0 + 1_000, arrivedAtMs: T0 });
    const rf = add(lane, { at: T0 + 2_000, arrivedAtMs: T0, kind: 'refund', waitFor: buy.item.deliveryId });
    expect(batchOf(lane.plan(ctx(T0 + 100_000), none))).toEqual([buy, rf]);
  });

  it('waits while the purchase is pending elsewhere, goes once it was delivered, and dies with a dead-lettered purchase', () => {
    const lane = new Lane('appsflyer');
    const rf = add(lane, { at: T0 + 2_000, arrivedAtMs: T0, kind: 'refund', waitFor: 'dlv_af_purchase' });
    expect(lane.plan(ctx(T0 + 100_000), () => 'pending').plan).toEqual({
      kind: 'blocked',
      reason: `refund ${rf.item.deliveryId} waits for its purchase to reach AppsFlyer`,
    });
    expect(batchOf(lane.plan(ctx(T0 + 100_000), (id) => (id === 'dlv_af_purchase' ? 'delivered' : undefined)))).toEqual([rf]);
    expect(lane.plan(ctx(T0 + 100_000), () => 'dead-lettered')).toEqual({
      verdicts: [
        { outcome: 'dead-lettered', pending: rf, reason: 'its purchase was dead-lettered for AppsFlyer; redrive the purchase and the refund together' },
      ],
      plan: { kind: 'idle' },
    });
  });

  it('moves a refund behind its purchase when both have one event time but the purchase came later (a redrive)', () => {
    const lane = new Lane('appsflyer');
    const rf = add(lane, { at: T0 + 1_000, arrivedAtMs: T0, kind: 'refund', waitFor: 'dlv_af_buy' });
    const other = add(lane, { at: T0 + 1_000, arrivedAtMs: T0 });
    const buy = add(lane, { at: T0 + 1_000, arrivedAtMs: T0, deliveryId: 'dlv_af_buy' });
    expect(lane.queue[0]).toBe(rf);
    expect(batchOf(lane.plan(ctx(T0 + 100_000), none))).toEqual([other, buy, rf]);
  });

  it('ends a batch at a refund whose purchase is not in it', () => {
    const lane = new Lane('appsflyer');
    const first = add(lane, { at: T0 + 1_000, arrivedAtMs: T0 });
    add(lane, { at: T0 + 2_000, arrivedAtMs: T0, kind: 'refund', waitFor: 'dlv_af_sent_earlier' });
    expect(batchOf(lane.plan(ctx(T0 + 100_000), () => 'delivered'))).toEqual([first]);
  });
});

describe('a stopped lane and its snapshot', () => {
  it('skips everything once the lane stopped (device opted out), with the reason', () => {
    const lane = new Lane('adjust');
    const a = add(lane, { at: T0 });
    const b = add(lane, { at: T0 + 1 });
    lane.stopped = { reason: 'device opted out (451: Opted out)', atMs: T0 };
    expect(lane.plan(ctx(T0 + 100_000), none)).toEqual({
      verdicts: [
        { outcome: 'skipped', pending: a, reason: 'adjust lane stopped: device opted out (451: Opted out)' },
        { outcome: 'skipped', pending: b, reason: 'adjust lane stopped: device opted out (451: Opted out)' },
      ],
      plan: { kind: 'idle' },
    });
  });

  it('round-trips through its JSON snapshot (continue-as-new)', () => {
    const lane = new Lane('adjust');
    add(lane, { at: T0 + 90_000 });
    sendHead(lane);
    add(lane, { at: T0 + 1_000 });
    add(lane, { at: T0 + 2_000, resend: true });
    lane.counts.delivered = 1;
    lane.last = { deliveryId: 'd', messageId: 'm', name: 'purchase', outcome: 'delivered', atMs: T0 };
    lane.retrying = { destination: 'adjust', deliveryId: 'd', attempt: 2, type: 'S2STransient', answer: '503', sinceMs: T0 };
    const copy = new Lane('adjust', JSON.parse(JSON.stringify(lane.toJSON())));
    expect(copy.toJSON()).toEqual(lane.toJSON());
    expect(copy.queue.map((p) => p.item.resend ?? false)).toEqual([false, true]);
    expect(Object.keys(new Lane('adjust').toJSON())).toEqual(['queue', 'highWater', 'counts']);
  });
});
