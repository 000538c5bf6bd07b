// Housekeeping (install wait, orphan refunds, bounds) and which search-attribute updates are published.
import { describe, expect, it } from 'vitest';
import { AppConfigFile } from '../../domain/app-config';
import { Refund, TrackEvent } from '../../domain/event';
import { workflowPolicy } from '../../domain/settings';
import { housekeeping } from '../../workflows/housekeeping';
import { acceptMessage, holdOrphanRefund } from '../../workflows/intake';
import { searchAttributeUpdates } from '../../workflows/publish';
import { initialState } from '../../workflows/state';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const policy = { ...workflowPolicy(AppConfigFile.parse({ apps: { a: { platform: 'ios', appsflyer: { appId: 'id1', key: { value: 'k' } } } } })), installWaitTimeoutMs: 60_000, orphanRefundHoldMs: 30_000 };

describe('housekeeping', () => {
  it('says when the install wait ends, then dead-letters the held events with the reason', () => {
    const s = initialState('u');
    acceptMessage(s, { kind: 'event', event: TrackEvent.parse({ userId: 'u', eventId: 'e1', name: 'purchase', occurredAt: new Date(T0).toISOString() }) }, T0);
    expect(housekeeping(s, policy, T0 + 10_000)).toEqual({ changed: false, next: { atMs: T0 + 60_000, why: expect.stringMatching(/install wait timeout/) } });
    const result = housekeeping(s, policy, T0 + 60_000);
    expect(result.changed).toBe(true);
    expect(s.held).toHaveLength(0);
    expect(s.deadLetters[0]?.reason).toMatch(/no install context \(signup\) arrived within 60s/);
  });

  it('dead-letters an orphan refund after its hold, and wakes for the earliest deadline first', () => {
    const s = initialState('u');
    const refund = (id: string) => Refund.parse({ userId: 'u', refundId: id, purchaseEventId: 'p', amount: '1', currency: 'USD', occurredAt: new Date(T0).toISOString() });
    holdOrphanRefund(s, refund('r1'), T0);
    holdOrphanRefund(s, refund('r2'), T0 + 5_000);
    expect(housekeeping(s, policy, T0 + 1_000).next?.atMs).toBe(T0 + 30_000);
    const result = housekeeping(s, policy, T0 + 30_000);
    expect(result.changed).toBe(true);
    expect(s.orphanRefunds.map((o) => o.refund.refundId)).toEqual(['r2']);
    expect(result.next?.atMs).toBe(T0 + 35_000);
    expect(s.deadLetters[0]?.reason).toMatch(/unknown purchase "p"/);
  });
});

describe('searchAttributeUpdates', () => {
  const base = { userId: 'u', app: 'demo-ios', state: 'sending', pending: 3, deadLetters: 0 };
  const keys = (updates: ReturnType<typeof searchAttributeUpdates>) => updates.map((u) => `${u.key.name}=${String(u.value)}`);

  it('publishes everything the first time and nothing when nothing changed', () => {
    expect(keys(searchAttributeUpdates({}, base))).toEqual(['S2SUserId=u', 'S2SApp=demo-ios', 'S2SState=sending', 'S2SPending=3', 'S2SDeadLetters=0']);
    expect(searchAttributeUpdates({ ...base }, base)).toEqual([]);
  });

  it('republishes S2SPending on state changes and zero crossings only, so S2SPending > 0 stays exact', () => {
    expect(keys(searchAttributeUpdates({ ...base }, { ...base, pending: 5 }))).toEqual([]);
    expect(keys(searchAttributeUpdates({ ...base }, { ...base, pending: 0, state: 'idle' }))).toEqual(['S2SState=idle', 'S2SPending=0']);
    expect(keys(searchAttributeUpdates({ ...base, state: 'idle', pending: 0 }, { ...base, state: 'idle', pending: 1 }))).toEqual(['S2SPending=1']);
    expect(keys(searchAttributeUpdates({ ...base }, { ...base, deadLetters: 2 }))).toEqual(['S2SDeadLetters=2']);
  });
});
