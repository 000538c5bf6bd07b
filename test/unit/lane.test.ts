// The lane planner: order, gate, settle window, batching, Adjust's chronological rule (restamp or
// dead-letter), the install floor, age limits, refunds waiting for their purchase, stopped lanes.
import { describe, expect, it } from 'vitest';
import { AppConfigFile } from '../../domain/app-config';
import { routingFor, workflowPolicy, type WorkflowPolicy } from '../../domain/settings';
import type { DeliveryItem } from '../../domain/delivery';
import { enqueue, markSent, planLane, type LaneContext } from '../../workflows/lane';
import { initialState, type Pending, type UserState } from '../../workflows/state';

const config = AppConfigFile.parse({
  apps: {
    demo: {
      platform: 'ios',
      adjust: { appToken: '4w565xzmb54d', events: { purchase: { token: 'p4rch1', revenue: true }, renewal: { token: 'r3new1', revenue: true }, trial: { token: 'tr1al1' } }, refundToken: 'r3fnd1' },
      appsflyer: { appId: 'id1', key: { value: 'k' } },
    },
  },
});
const routing = routingFor(config, 'demo')!;
const T0 = Date.parse('2026-11-01T00:00:00Z');

function ctx(nowMs: number, policy: Partial<WorkflowPolicy> = {}): LaneContext {
  return { nowMs, installedAtMs: T0, gateAtMs: T0 + 60_000, policy: { ...workflowPolicy(config), settleWindowMs: 2_000, ...policy }, routing };
}

let seq = 0;
function add(state: UserState, item: Partial<DeliveryItem> & { occurredAtMs: number }, arrivedAtMs = T0 + 100_000, extra: Partial<Pending> = {}): Pending {
  seq += 1;
  const pending: Pending = {
    item: { deliveryId: `d${seq}`, destination: 'adjust', kind: 'event', sourceId: `e${seq}`, name: 'purchase', revenue: '1', currency: 'USD', ...item },
    arrivedAtMs,
    seq,
    redrives: 0,
    ...extra,
  };
  enqueue(state, pending);
  return pending;
}

describe('planLane', () => {
  it('keeps the queue in event-time order whatever the arrival order', () => {
    const s = initialState('u');
    add(s, { occurredAtMs: T0 + 3_000 });
    add(s, { occurredAtMs: T0 + 1_000 });
    add(s, { occurredAtMs: T0 + 2_000 });
    expect(s.lanes.adjust.queue.map((p) => p.item.occurredAtMs - T0)).toEqual([1_000, 2_000, 3_000]);
  });

  it('puts a later arrival behind a delivery that may already be at the vendor (a possible resend)', () => {
    const s = initialState('u');
    add(s, { occurredAtMs: T0 + 1_000 });
    const maybeSent = add(s, { occurredAtMs: T0 + 8_000, resend: true });
    add(s, { occurredAtMs: T0 + 9_000 });
    add(s, { occurredAtMs: T0 + 6_000 });
    expect(s.lanes.adjust.queue.map((p) => p.item.occurredAtMs - T0)).toEqual([1_000, 8_000, 6_000, 9_000]);
    // Once it is sent, the late event meets the late-event policy (restamped to the resend's second).
    s.lanes.adjust.queue.splice(0, 2);
    markSent(s.lanes.adjust, maybeSent, routing);
    planLane(s, 'adjust', ctx(T0 + 200_000));
    expect(s.lanes.adjust.queue[0]?.item.sendAtMs).toBe(T0 + 8_000);
  });

  it('waits for the gate, then for the settle window, then sends a batch from the head', () => {
    const s = initialState('u');
    add(s, { occurredAtMs: T0 + 1_000 }, T0 + 1_000);
    expect(planLane(s, 'adjust', ctx(T0 + 10_000))).toMatchObject({ kind: 'wait', untilMs: T0 + 60_000 });
    add(s, { occurredAtMs: T0 + 2_000 }, T0 + 70_000);
    const plan = planLane(s, 'adjust', ctx(T0 + 70_500));
    // The head is ready; the second item arrived 500 ms ago and is still settling: not in the batch.
    expect(plan).toMatchObject({ kind: 'send' });
    expect(plan.kind === 'send' && plan.batch.map((p) => p.item.occurredAtMs - T0)).toEqual([1_000]);
    expect(plan.kind === 'send' && plan.deadlineMs).toBe(T0 + 1_000 + 28 * 86_400_000);
  });

  it('batches a ready backlog up to maxBatchSize', () => {
    const s = initialState('u');
    for (let i = 0; i < 5; i++) add(s, { occurredAtMs: T0 + i * 1_000 }, T0);
    const plan = planLane(s, 'adjust', ctx(T0 + 100_000, { maxBatchSize: 3 }));
    expect(plan.kind === 'send' && plan.batch).toHaveLength(3);
  });

  it('restamps an Adjust event older than one already sent for its revenue class (latePolicy restamp)', () => {
    const s = initialState('u');
    const sent = add(s, { occurredAtMs: T0 + 90_500, name: 'renewal' });
    markSent(s.lanes.adjust, sent, routing);
    s.lanes.adjust.queue.shift();
    const late = add(s, { occurredAtMs: T0 + 70_000, name: 'purchase' });
    const plan = planLane(s, 'adjust', ctx(T0 + 200_000));
    expect(plan.kind).toBe('send');
    // Same second as the newest revenue event Adjust accepted (p4rch1 and r3new1 share one order).
    expect(late.item.sendAtMs).toBe(T0 + 90_000);
  });

  it('does not relate a non-revenue token to revenue events', () => {
    const s = initialState('u');
    const sent = add(s, { occurredAtMs: T0 + 90_000, name: 'purchase' });
    markSent(s.lanes.adjust, sent, routing);
    s.lanes.adjust.queue.shift();
    const trial = add(s, { occurredAtMs: T0 + 70_000, name: 'trial', revenue: undefined, currency: undefined });
    planLane(s, 'adjust', ctx(T0 + 200_000));
    expect(trial.item.sendAtMs).toBeUndefined();
  });

  it('dead-letters a late event under latePolicy dead-letter, and an event before the install', () => {
    const s = initialState('u');
    const sent = add(s, { occurredAtMs: T0 + 90_000 });
    markSent(s.lanes.adjust, sent, routing);
    s.lanes.adjust.queue.shift();
    add(s, { occurredAtMs: T0 + 70_000 });
    expect(planLane(s, 'adjust', ctx(T0 + 200_000, { latePolicy: 'dead-letter' }))).toEqual({ kind: 'idle' });
    expect(s.deadLetters[0]?.reason).toMatch(/late event: Adjust already accepted an event at 2026-11-01T00:01:30.000Z/);

    const fresh = initialState('u');
    add(fresh, { occurredAtMs: T0 - 5_000 });
    planLane(fresh, 'adjust', ctx(T0 + 200_000, { latePolicy: 'dead-letter' }));
    expect(fresh.deadLetters[0]?.reason).toMatch(/before the install/);
  });

  it('dead-letters events past the vendor age limit instead of sending them', () => {
    const s = initialState('u');
    add(s, { occurredAtMs: T0 }, T0);
    add(s, { occurredAtMs: T0, destination: 'appsflyer' }, T0);
    const now = T0 + 29 * 86_400_000;
    expect(planLane(s, 'adjust', ctx(now))).toEqual({ kind: 'idle' });
    expect(planLane(s, 'appsflyer', ctx(now))).toEqual({ kind: 'idle' });
    expect(s.deadLetters.map((d) => d.reason)).toEqual([
      expect.stringMatching(/too old: .*outside Adjust's 28-day window/),
      expect.stringMatching(/too old: .*AppsFlyer maximum age of 7 days/),
    ]);
    expect(s.counters.deadLettered).toBe(2);
  });

  it('sends a refund in the same batch right after its purchase, never before it', () => {
    const s = initialState('u');
    const buy = add(s, { occurredAtMs: T0 + 1_000, destination: 'appsflyer' }, T0);
    add(s, { occurredAtMs: T0 + 2_000, destination: 'appsflyer', kind: 'refund' }, T0, { waitFor: buy.item.deliveryId });
    const plan = planLane(s, 'appsflyer', ctx(T0 + 100_000));
    expect(plan.kind === 'send' && plan.batch.map((p) => p.item.kind)).toEqual(['event', 'refund']);

    // Purchase still pending elsewhere (not in this queue): the refund waits.
    const t = initialState('u');
    t.outcomes['elsewhere'] = { destination: 'appsflyer', kind: 'event', sourceId: 'p', name: 'purchase', occurredAtMs: T0, outcome: 'pending' };
    add(t, { occurredAtMs: T0 + 2_000, destination: 'appsflyer', kind: 'refund' }, T0, { waitFor: 'elsewhere' });
    expect(planLane(t, 'appsflyer', ctx(T0 + 100_000))).toMatchObject({ kind: 'blocked' });
    // Purchase dead-lettered: the refund is dead-lettered with it, never sent alone.
    t.outcomes['elsewhere']!.outcome = 'dead-lettered';
    expect(planLane(t, 'appsflyer', ctx(T0 + 100_000))).toEqual({ kind: 'idle' });
    expect(t.deadLetters[0]?.reason).toMatch(/its purchase .* was dead-lettered/);
  });

  it('never restamps an event past its age limit: the window counts from when it happened', () => {
    const s = initialState('u');
    const now = T0 + 40 * 86_400_000;
    const sent = add(s, { occurredAtMs: now - 60_000 });
    markSent(s.lanes.adjust, sent, routing);
    s.lanes.adjust.queue.shift();
    const old = add(s, { occurredAtMs: T0 + 1_000 }, now - 10_000);
    expect(planLane(s, 'adjust', ctx(now))).toEqual({ kind: 'idle' });
    expect(old.item.sendAtMs).toBeUndefined();
    expect(s.deadLetters[0]?.reason).toMatch(/too old: the event happened at 2026-11-01T00:00:01.000Z, outside Adjust's 28-day window/);
  });

  it('moves a refund behind its purchase when both have one event time but the purchase came later (a redrive)', () => {
    const s = initialState('u');
    s.seq = 10;
    const refund = add(s, { occurredAtMs: T0 + 1_000, destination: 'appsflyer', kind: 'refund' }, T0, { waitFor: 'dlv_buy' });
    const buy = add(s, { occurredAtMs: T0 + 1_000, destination: 'appsflyer', deliveryId: 'dlv_buy' }, T0);
    expect(s.lanes.appsflyer.queue[0]).toBe(refund);
    const plan = planLane(s, 'appsflyer', ctx(T0 + 100_000));
    expect(plan.kind === 'send' && plan.batch).toEqual([buy, refund]);
  });

  it('skips everything once the lane stopped (device opted out)', () => {
    const s = initialState('u');
    add(s, { occurredAtMs: T0 });
    s.lanes.adjust.stopped = { reason: 'device opted out', atMs: T0 };
    expect(planLane(s, 'adjust', ctx(T0 + 100_000))).toEqual({ kind: 'idle' });
    expect(s.lanes.adjust.counts.skipped).toBe(1);
    expect(Object.values(s.outcomes)[0]).toMatchObject({ outcome: 'skipped', detail: 'adjust lane stopped: device opted out' });
  });
});
