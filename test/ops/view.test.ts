// The workflow's ops view as pure functions: activity summaries (refunds, restamps, batches) and the
// current-details markdown (stopped lane, held messages, many dead letters, escaping, PII only on request).
import { describe, expect, it } from 'vitest';
import type { DeliveryItem } from '../../domain/delivery';
import type { WorkflowSettings } from '../../domain/settings';
import type { DeadLetterView, LaneView, UserStatus } from '../../domain/status';
import { mdText, uiLines } from '../../domain/ui-markdown';
import { activitySummary, currentDetails } from '../../workflows/view';

const settings = {
  policy: {} as WorkflowSettings['policy'],
  taskQueues: { adjust: 'q-adjust', appsflyer: 'q-appsflyer' },
  routing: {
    app: 'demo-ios',
    adjust: { events: { purchase: { token: 'p4rch1', revenue: true, unique: false } }, refundToken: 'r3fnd1' },
    appsflyer: { events: { purchase: 'af_purchase' }, unmappedEvents: 'pass-through', refundEventName: 'cancel_purchase' },
  },
} satisfies WorkflowSettings;

const item = (over: Partial<DeliveryItem>): DeliveryItem => ({
  deliveryId: 'dlv_adj_1', destination: 'adjust', kind: 'event', sourceId: 'evt_1', name: 'purchase', occurredAtMs: Date.parse('2026-11-22T10:00:00Z'), revenue: '4.99', currency: 'USD', ...over,
});

const lane = (over: Partial<LaneView> = {}): LaneView => ({ queued: 0, inFlight: [], counts: { delivered: 0, duplicate: 0, skipped: 0, deadLettered: 0 }, ...over });

const status = (over: Partial<UserStatus> = {}): UserStatus => ({
  userId: 'user_1', state: 'idle', app: 'demo-ios', platform: 'ios', installedAt: '2026-11-22T09:00:00.000Z', gateAt: '2026-11-22T09:01:00.000Z', gateOpen: true,
  held: 0, orphanRefunds: 0, pending: 0, lanes: { adjust: lane(), appsflyer: lane() }, deadLetters: [], deadLettersEvicted: 0, recentRejections: [],
  counters: { received: 0, duplicateMessages: 0, rejectedMessages: 0, delivered: 0, vendorDuplicates: 0, skipped: 0, deadLettered: 0, redriven: 0, refunds: 0, continuedAsNew: 0 },
  ...over,
});

const letter = (i: number, reason = `rejected ${i}`): DeadLetterView => ({ deliveryId: `dlv_adj_${i}`, destination: 'adjust', kind: 'event', id: `evt_${i}`, name: 'purchase', occurredAt: '2026-11-22T10:00:00.000Z', reason, at: '2026-11-22T10:00:01.000Z', redrives: 0 });

describe('activity summaries', () => {
  it('name the vendor, what the vendor sees, the id and the amount as sent', () => {
    expect(activitySummary('appsflyer', [item({ destination: 'appsflyer', deliveryId: 'dlv_af_1' })], settings)).toBe('appsflyer af_purchase evt_1 4.99 USD');
    expect(activitySummary('adjust', [item({})], settings)).toBe('adjust purchase(p4rch1) evt_1 4.99 USD');
    const refund = { kind: 'refund' as const, sourceId: 'rf_1', purchaseEventId: 'evt_1' };
    expect(activitySummary('appsflyer', [item({ ...refund, destination: 'appsflyer' })], settings)).toBe('appsflyer cancel_purchase rf_1 -4.99 USD (refund of evt_1)');
    expect(activitySummary('adjust', [item({ ...refund, revenue: undefined, currency: undefined })], settings)).toBe('adjust refund(r3fnd1) rf_1 (refund of evt_1)');
  });

  it('say when Adjust gets a later created_at (restamp) and how many a batch carries', () => {
    const restamped = item({ sendAtMs: Date.parse('2026-11-22T10:00:05Z') });
    expect(activitySummary('adjust', [restamped], settings)).toBe('adjust purchase(p4rch1) evt_1 4.99 USD (restamped 2026-11-22T10:00:05.000Z)');
    const batch = [1, 2, 3, 4, 5, 6].map((i) => item({ sourceId: `evt_${i}` }));
    expect(activitySummary('adjust', batch, settings)).toBe('adjust purchase(p4rch1) evt_1 4.99 USD +5 more: evt_2, evt_3, evt_4, ...');
  });
});

describe('current details', () => {
  it('show a stopped lane, held messages and the gate', () => {
    const text = currentDetails(status({
      state: 'lane stopped', pending: 2, held: 1, gateOpen: false,
      lanes: {
        adjust: lane({ stopped: { reason: 'device opted out (451: Opted out)', at: '2026-11-22T10:00:00.000Z' }, counts: { delivered: 0, duplicate: 0, skipped: 2, deadLettered: 0 } }),
        appsflyer: lane({ queued: 1, inFlight: ['dlv_af_2'], next: { deliveryId: 'dlv_af_2', id: 'evt_2', name: 'purchase', occurredAt: '2026-11-22T10:00:00.000Z', readyAt: '2026-11-22T10:00:02.000Z' } }),
      },
    }));
    expect(text.split('  \n')).toEqual([
      '**lane stopped** until 2026-11-22T09:01:00.000Z · 2 pending · 0 dead letters',
      'user user_1 · app demo-ios (ios) · installed 2026-11-22T09:00:00.000Z · sends from 2026-11-22T09:01:00.000Z',
      'held: 1 message(s) waiting for the signup',
      '**adjust**: STOPPED: device opted out (451: Opted out) (since 2026-11-22T10:00:00.000Z) · 0 queued · 0 delivered, 2 skipped',
      '**appsflyer**: 1 queued · sending 1 (retries: Pending Activities tab) · next evt_2 (purchase) ready 2026-11-22T10:00:02.000Z · 0 delivered',
      '\u00a0',
    ]);
  });

  it('list the latest three dead letters, newest first, and say how to redrive; escape what the vendor wrote', () => {
    const letters = [1, 2, 3, 4].map((i) => letter(i));
    letters[3] = letter(4, 'adjust rejected the event: <img src=x onerror=alert(1)> *bold* [link](http://x)');
    const text = currentDetails(status({ deadLetters: letters }));
    expect(text).toContain('4 dead letters');
    expect(text).toContain('dead letter: adjust event evt_4 (purchase) dlv_adj_4: adjust rejected the event: \\<img src=x onerror=alert(1)\\> \\*bold\\* \\[link\\](http://x)');
    expect(text.indexOf('evt_4')).toBeLessThan(text.indexOf('evt_3'));
    expect(text).not.toContain('evt_1 ');
    expect(text).toContain('… 1 more: `s2s status user_1`');
    expect(text).toContain('after the fix: `s2s redrive user_1` or More Actions → Send an Update → redrive');
  });

  it('show device ids, the AppsFlyer id, the IP and the customer user id only when asked (policy.showDeviceIds)', () => {
    const install = { userId: 'user_1', app: 'demo-ios', installedAt: '2026-11-22T09:00:00.000Z', platform: 'ios' as const, deviceIds: { idfa: 'D2CADB5F-410F-4963-AC0C-2A78534BDF1E' }, appsflyerId: '1234567890123-1234567', ip: '203.0.113.7', customerUserId: 'cust-9' };
    expect(currentDetails(status())).not.toContain('D2CADB5F');
    const shown = currentDetails(status(), install);
    expect(shown).toContain('device ids (policy.showDeviceIds): {"idfa":"D2CADB5F-410F-4963-AC0C-2A78534BDF1E"} · appsflyer_id 1234567890123-1234567 · ip 203.0.113.7 · customer_user_id cust-9');
  });
});

describe('UI markdown', () => {
  it('one paragraph of hard-broken lines ending in a blank line; empty lines dropped', () => {
    expect(uiLines(['a', undefined, '', false, 'b'])).toBe('a  \nb  \n\u00a0');
    expect(mdText('evt_1 <b>&amp; `x` *y*\nnext')).toBe('evt_1 \\<b\\>\\&amp; \\`x\\` \\*y\\* next');
  });
});
