// The outcome log (workflows/outcomes.ts): each delivery pending or finished, for the timeline and the
// answer to a duplicate; bounded to the latest 200 finished ones, pending ones always kept.
import { describe, expect, it } from 'vitest';
import { displayName, OUTCOMES_KEPT, OutcomeLog } from '../../../workflows/outcomes';
import { adRevenue, delivery, item, refund } from '../../helpers/demo-apps';

const T0 = Date.parse('2026-11-22T10:20:00Z');

describe('OutcomeLog', () => {
  it("records a delivery as pending, then finished with the vendor's status and answer", () => {
    const log = new OutcomeLog();
    const it1 = item('adjust', { eventId: 'evt_1' });
    expect(log.pending(it1)).toEqual({
      deliveryId: it1.deliveryId,
      destination: 'adjust',
      kind: 'track',
      messageId: 'evt_1',
      name: 'purchase',
      occurredAtMs: it1.occurredAtMs,
      revenue: '4.99',
      currency: 'USD',
      outcome: 'pending',
    });
    expect(log.view(it1.deliveryId)).toEqual({ destination: 'adjust', deliveryId: it1.deliveryId, outcome: 'pending' });
    log.finish(it1, 'delivered', T0, { status: 200, detail: '{"status":"OK"}' });
    expect(log.view(it1.deliveryId)).toEqual({
      destination: 'adjust',
      deliveryId: it1.deliveryId,
      outcome: 'delivered',
      at: '2026-11-22T10:20:00.000Z',
      status: 200,
      detail: '{"status":"OK"}',
    });
    expect(log.view('unknown')).toBeUndefined();
  });

  it('finishes a delivery it never saw pending, and keeps the restamped time it was sent as', () => {
    const log = new OutcomeLog();
    const it1 = item('adjust', { eventId: 'evt_2' }, 'user_ios_1', { sendAtMs: Date.parse('2026-11-22T10:16:00Z') });
    log.finish(it1, 'delivered', T0, {});
    expect(log.timeline()).toEqual([
      {
        destination: 'adjust',
        deliveryId: it1.deliveryId,
        kind: 'track',
        messageId: 'evt_2',
        name: 'purchase',
        occurredAt: '2026-11-22T10:15:00.123Z',
        sentAs: '2026-11-22T10:16:00.000Z',
        revenue: '4.99',
        currency: 'USD',
        outcome: 'delivered',
        at: '2026-11-22T10:20:00.000Z',
      },
    ]);
  });

  it('keeps the latest 200 finished outcomes and every pending one', () => {
    const log = new OutcomeLog();
    const stuck = item('appsflyer', { eventId: 'stuck' });
    log.pending(stuck);
    for (let i = 0; i < OUTCOMES_KEPT + 50; i++) log.finish(item('adjust', { eventId: `e${i}` }), 'delivered', T0 + i, {});
    const records = log.toJSON();
    expect(records.filter((r) => r.outcome !== 'pending')).toHaveLength(OUTCOMES_KEPT);
    expect(records.filter((r) => r.outcome !== 'pending')[0]?.messageId).toBe('e50');
    expect(log.get(stuck.deliveryId)?.outcome).toBe('pending');
  });

  it('names what was sent: the event name, "refund of <purchase>", "ad revenue"', () => {
    expect(displayName(item('adjust', { name: 'renewal' }))).toBe('renewal');
    expect(displayName(delivery('adjust', { kind: 'refund', refund: refund({ purchaseEventId: 'evt_9' }) }))).toBe('refund of evt_9');
    expect(displayName(delivery('adjust', { kind: 'adRevenue', adRevenue: adRevenue() }))).toBe('ad revenue');
  });

  it('orders the timeline by vendor, then by when the event happened', () => {
    const log = new OutcomeLog();
    log.pending(item('appsflyer', { eventId: 'b', occurredAt: '2026-11-22T10:00:02Z' }));
    log.pending(item('adjust', { eventId: 'late', occurredAt: '2026-11-22T10:00:03Z' }));
    log.pending(item('adjust', { eventId: 'early', occurredAt: '2026-11-22T10:00:01Z' }));
    log.pending(delivery('appsflyer', { kind: 'refund', refund: refund({ refundId: 'a', occurredAt: '2026-11-22T10:00:01Z' }) }));
    expect(log.timeline().map((e) => `${e.destination}:${e.messageId}`)).toEqual(['adjust:early', 'adjust:late', 'appsflyer:a', 'appsflyer:b']);
    expect(log.timeline().find((e) => e.messageId === 'a')).toMatchObject({ kind: 'refund', revenue: '2.5', currency: 'EUR' });
  });

  it('moves a redriven delivery back to pending, and round-trips through its snapshot', () => {
    const log = new OutcomeLog();
    const it1 = item('adjust');
    log.finish(it1, 'dead-lettered', T0, { status: 400, detail: 'Invalid event token' });
    log.pending(it1);
    expect(log.get(it1.deliveryId)).not.toHaveProperty('status');
    expect(log.get(it1.deliveryId)?.outcome).toBe('pending');
    const copy = OutcomeLog.from(JSON.parse(JSON.stringify(log.toJSON())));
    expect(copy.toJSON()).toEqual(log.toJSON());
    expect(OutcomeLog.from(undefined).toJSON()).toEqual([]);
  });
});
