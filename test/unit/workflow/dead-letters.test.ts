// Dead letters (workflows/dead-letters.ts): kept with the vendor's answer until a redrive takes them, by
// id, by a held message's dedup key, or all; shown to operators as views.
import { describe, expect, it } from 'vitest';
import { dedupKey, type Message } from '../../../domain/delivery';
import { messageLetterId } from '../../../domain/ids';
import type { DeadLetterRecord } from '../../../domain/snapshot';
import { DeadLetters } from '../../../workflows/dead-letters';
import { item, refund } from '../../helpers/demo-apps';

const T0 = Date.parse('2026-11-22T10:20:00Z');

function sent(eventId: string): DeadLetterRecord {
  const it1 = item('adjust', { eventId, name: 'renewal' });
  return {
    id: it1.deliveryId,
    item: it1,
    reason: 'adjust rejected the event: Invalid event token',
    status: 400,
    vendorMessage: 'Invalid event token',
    attempts: 1,
    atMs: T0,
    redrives: 0,
  };
}

function held(refundId: string): DeadLetterRecord {
  const message: Message = { kind: 'refund', refund: refund({ refundId, purchaseEventId: 'evt_9' }) };
  return {
    id: messageLetterId('user_ios_1', dedupKey(message)),
    held: { message, arrivedAtMs: T0, seq: 1 },
    unaccepted: true,
    reason: 'unknown purchase "evt_9"',
    atMs: T0,
    redrives: 0,
  };
}

describe('DeadLetters', () => {
  it("takes the letters a redrive names, by id or by a held message's dedup key, and says which it did not find", () => {
    const letters = new DeadLetters([sent('e1'), sent('e2'), held('rf_1')]);
    const [a] = letters.toJSON();
    const result = letters.take([a?.id as string, 'refund:rf_1', 'dlv_adj_missing']);
    expect(result.taken.map((l) => l.id)).toEqual([a?.id, held('rf_1').id]);
    expect(result.notFound).toEqual(['dlv_adj_missing']);
    expect(letters.count).toBe(1);
  });

  it('takes every letter when no ids (or none) are given; puts back one a redrive could not re-queue at the end', () => {
    const letters = new DeadLetters([sent('e1'), sent('e2')]);
    expect(letters.take([]).taken).toHaveLength(2);
    expect(letters.count).toBe(0);
    letters.add(sent('e3'));
    letters.putBack(sent('e4'));
    expect(letters.take(undefined)).toEqual({ taken: [sent('e3'), sent('e4')], notFound: [] });
  });

  it("shows each letter with what an operator needs: the message, the amount, the vendor's answer, how to redrive", () => {
    const letters = new DeadLetters([sent('e1'), held('rf_1')]);
    const [first, second] = letters.views();
    expect(first).toEqual({
      id: sent('e1').id,
      deliveryId: sent('e1').id,
      destination: 'adjust',
      kind: 'track',
      messageId: 'e1',
      name: 'renewal',
      occurredAt: '2026-11-22T10:15:00.123Z',
      revenue: '4.99',
      currency: 'USD',
      reason: 'adjust rejected the event: Invalid event token',
      status: 400,
      vendorMessage: 'Invalid event token',
      attempts: 1,
      at: '2026-11-22T10:20:00.000Z',
      redrives: 0,
    });
    expect(second).toEqual({
      id: held('rf_1').id,
      kind: 'refund',
      messageId: 'rf_1',
      occurredAt: '2026-11-22T10:15:00.123Z',
      revenue: '2.5',
      currency: 'EUR',
      reason: 'unknown purchase "evt_9"',
      at: '2026-11-22T10:20:00.000Z',
      redrives: 0,
    });
    expect(JSON.parse(JSON.stringify(letters))).toEqual(letters.toJSON());
    expect(new DeadLetters().count).toBe(0);
  });
});
