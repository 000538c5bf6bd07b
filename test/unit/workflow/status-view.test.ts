// What operators see (workflows/status-view.ts, pure): the user's state keyword, the status query's answer,
// the one-line activity summaries, and the Temporal UI's current details, where device ids and other personal
// data appear only with policy.showDeviceIds.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../domain/config';
import type { Pending } from '../../../domain/snapshot';
import type { WorkflowSettings } from '../../../domain/settings';
import { emptyCounters, type DeadLetterView } from '../../../domain/status';
import { mdText, uiLines } from '../../../domain/ui-markdown';
import { Lane } from '../../../workflows/lane';
import {
  activitySummary,
  buildStatus,
  currentDetails,
  gateAtMs,
  publishedState,
  stateKeyword,
  vendorEventName,
  type UserFacts,
} from '../../../workflows/status-view';
import { adRevenue, appWith, delivery, IOS_IDFA, iosApp, iosUser, item, refund } from '../../helpers/demo-apps';

const INSTALLED = Date.parse('2026-11-22T09:00:00Z');
const GATE = INSTALLED + 60_000;
const settings: WorkflowSettings = {
  policy: { ...DEFAULT_POLICY, postInstallDelay: 60_000, settleWindow: 2_000 },
  taskQueues: { adjust: 'q-adjust', appsflyer: 'q-appsflyer' },
  combinedFirstAttempt: ['adjust', 'appsflyer'],
  appKey: 'demo-ios',
  app: iosApp,
};
const counters = emptyCounters;

function facts(over: Partial<UserFacts> = {}): UserFacts {
  return {
    userId: 'user_1',
    settings,
    install: iosUser({ userId: 'user_1', installedAt: '2026-11-22T09:00:00Z', customerUserId: 'cust-9' }),
    lanes: { adjust: new Lane('adjust'), appsflyer: new Lane('appsflyer') },
    inFlight: { adjust: [], appsflyer: [] },
    heldCount: 0,
    orphanRefundCount: 0,
    pendingCount: 0,
    deadLetters: [],
    rejections: [],
    counters: counters(),
    backlogBytes: 0,
    dedupFacts: { entries: 0 },
    ...over,
  };
}

function queued(lane: Lane, eventId: string, extra: Partial<Pending> = {}): Pending {
  const pending: Pending = {
    item: item(lane.destination, { eventId, occurredAt: '2026-11-22T10:00:00Z' }, 'user_1'),
    arrivedAtMs: Date.parse('2026-11-22T10:00:00Z'),
    seq: 1,
    redrives: 0,
    ...extra,
  };
  lane.enqueue(pending);
  return pending;
}

const letter = (i: number, reason = `rejected ${i}`): DeadLetterView => ({
  id: `dlv_adj_${i}`,
  deliveryId: `dlv_adj_${i}`,
  destination: 'adjust',
  kind: 'track',
  messageId: `evt_${i}`,
  name: 'purchase',
  occurredAt: '2026-11-22T10:00:00.000Z',
  reason,
  at: '2026-11-22T10:00:01.000Z',
  redrives: 0,
});

describe('the state keyword', () => {
  it('says what a user waits for, in order of what needs attention', () => {
    const now = GATE + 1;
    expect(stateKeyword(facts({ install: undefined, heldCount: 1, pendingCount: 1 }), now)).toBe('waiting for install');
    const stopped = facts();
    stopped.lanes.appsflyer.stopped = { reason: 'opted out', atMs: now };
    expect(stateKeyword(stopped, now)).toBe('lane stopped');
    const retrying = facts();
    retrying.lanes.adjust.retrying = { destination: 'adjust', deliveryId: 'd', attempt: 2, type: 'S2STransient', answer: '503', sinceMs: now };
    expect(stateKeyword(retrying, now)).toBe('retrying');
    expect(stateKeyword(facts({ pendingCount: 1 }), GATE - 1)).toBe('gated');
    expect(stateKeyword(facts({ pendingCount: 1 }), GATE)).toBe('sending');
    expect(stateKeyword(facts({ inFlight: { adjust: ['d'], appsflyer: [] } }), now)).toBe('sending');
    expect(stateKeyword(facts(), now)).toBe('idle');
  });

  it('publishes only the states operators filter on; everything else is ok', () => {
    expect(['waiting for install', 'lane stopped', 'retrying', 'gated', 'sending', 'idle'].map((s) => publishedState(s as never))).toEqual([
      'waiting for install',
      'lane stopped',
      'retrying',
      'ok',
      'ok',
      'ok',
    ]);
  });
});

describe('buildStatus', () => {
  it('answers the status query: install, gate, lanes with their next delivery and high-water marks, backlog, dedup', () => {
    const u = facts({
      pendingCount: 1,
      backlogBytes: 2048,
      dedupFacts: { entries: 12, sinceDay: Math.floor(Date.parse('2026-10-01T00:00:00Z') / 86_400_000) },
    });
    const next = queued(u.lanes.adjust, 'evt_2');
    u.lanes.adjust.highWater['#revenue'] = Date.parse('2026-11-22T09:30:00Z') / 1000;
    u.lanes.adjust.last = {
      deliveryId: 'dlv_adj_1',
      messageId: 'evt_1',
      name: 'purchase',
      outcome: 'delivered',
      atMs: Date.parse('2026-11-22T09:31:00Z'),
      status: 200,
    };
    const status = buildStatus(u, Date.parse('2026-11-22T10:00:01Z'));
    expect(status).toMatchObject({
      userId: 'user_1',
      state: 'sending',
      app: 'demo-ios',
      platform: 'ios',
      installedAt: '2026-11-22T09:00:00Z',
      gateAt: '2026-11-22T09:01:00.000Z',
      gateOpen: true,
      pending: 1,
      backlog: { bytes: 2048, limitBytes: DEFAULT_POLICY.maxUndeliveredKiB * 1024 },
      dedup: { entries: 12, since: '2026-10-01' },
    });
    expect(status.lanes.adjust).toEqual({
      queued: 1,
      inFlight: [],
      counts: { delivered: 0, duplicate: 0, skipped: 0, deadLettered: 0 },
      next: {
        deliveryId: next.item.deliveryId,
        messageId: 'evt_2',
        name: 'purchase',
        occurredAt: '2026-11-22T10:00:00.000Z',
        readyAt: '2026-11-22T10:00:02.000Z',
      },
      last: { deliveryId: 'dlv_adj_1', messageId: 'evt_1', name: 'purchase', outcome: 'delivered', at: '2026-11-22T09:31:00.000Z', status: 200 },
      highWater: { '#revenue': '2026-11-22T09:30:00.000Z' },
    });
    expect(status.lanes.appsflyer).toEqual({ queued: 0, inFlight: [], counts: { delivered: 0, duplicate: 0, skipped: 0, deadLettered: 0 } });
    expect(status).not.toHaveProperty('settingsProblem');
  });

  it('before the signup: no app, no gate; a configuration problem is shown', () => {
    const status = buildStatus(
      facts({
        install: undefined,
        heldCount: 2,
        pendingCount: 2,
        settings: { ...settings, app: undefined, appProblem: 'app "x" is not in the relay configuration' },
      }),
      GATE,
    );
    expect(status).toMatchObject({ state: 'waiting for install', gateOpen: false, held: 2, settingsProblem: 'app "x" is not in the relay configuration' });
    expect(status).not.toHaveProperty('app');
    expect(status).not.toHaveProperty('gateAt');
    expect(gateAtMs(undefined, settings)).toBeUndefined();
    expect(gateAtMs(iosUser({ installedAt: '2026-11-22T09:00:00Z' }), settings)).toBe(GATE);
  });

  it('never shows device ids, the AppsFlyer id, the IP or the customer user id', () => {
    const text = JSON.stringify(buildStatus(facts(), GATE));
    for (const secret of [IOS_IDFA, '1234567890123-1234567', '203.0.113.7', 'cust-9']) expect(text).not.toContain(secret);
  });
});

describe('activity summaries', () => {
  it('name the vendor, what the vendor sees, the id and the amount as sent', () => {
    expect(activitySummary('appsflyer', [item('appsflyer', { eventId: 'evt_1' })], iosApp)).toBe('appsflyer af_purchase evt_1 4.99 USD');
    expect(activitySummary('adjust', [item('adjust', { eventId: 'evt_1' })], iosApp)).toBe('adjust purchase(p4rch1) evt_1 4.99 USD');
    const rf = { kind: 'refund' as const, refund: refund({ refundId: 'rf_1', purchaseEventId: 'evt_1', amount: '4.99', currency: 'USD' }) };
    expect(activitySummary('appsflyer', [delivery('appsflyer', rf)], iosApp)).toBe('appsflyer cancel_purchase rf_1 -4.99 USD (refund of evt_1)');
    expect(activitySummary('adjust', [delivery('adjust', rf)], iosApp)).toBe('adjust refund(r3fnd1) rf_1 (refund of evt_1)'); // Adjust gets the refund token, no revenue
    const ad = delivery('adjust', { kind: 'adRevenue', adRevenue: adRevenue({ eventId: 'ad_1' }) });
    expect(activitySummary('adjust', [ad], appWith(iosApp, { adjust: { adRevenue: true } }))).toBe('adjust ad_revenue ad_1 0.01 USD');
  });

  it('say when Adjust gets a later created_at (restamp) and how many a batch carries', () => {
    const restamped = item('adjust', { eventId: 'evt_1', occurredAt: '2026-11-22T10:00:00Z' }, 'user_1', { sendAtMs: Date.parse('2026-11-22T10:00:05Z') });
    expect(activitySummary('adjust', [restamped], iosApp)).toBe('adjust purchase(p4rch1) evt_1 4.99 USD (restamped 2026-11-22T10:00:05.000Z)');
    const batch = [1, 2, 3, 4, 5, 6].map((i) => item('adjust', { eventId: `evt_${i}` }));
    expect(activitySummary('adjust', batch, iosApp)).toBe('adjust purchase(p4rch1) evt_1 4.99 USD +5 more: evt_2, evt_3, evt_4, ...');
    expect(activitySummary('adjust', [], iosApp)).toBe('adjust');
  });

  it('fall back to the product name when the app is unknown or the vendor would not take it', () => {
    expect(vendorEventName(item('adjust', { name: 'trial' }), undefined)).toBe('trial');
    expect(vendorEventName(item('adjust', { name: 'level_up' }), iosApp)).toBe('level_up');
    expect(vendorEventName(item('appsflyer', { name: 'trial' }), iosApp)).toBe('af_start_trial');
  });
});

describe('current details (Temporal UI)', () => {
  it('show a stopped lane, held messages and the gate', () => {
    const u = facts({ pendingCount: 2, heldCount: 1 });
    u.lanes.adjust.stopped = { reason: 'device opted out (451: Opted out)', atMs: Date.parse('2026-11-22T10:00:00Z') };
    u.lanes.adjust.counts.skipped = 2;
    queued(u.lanes.appsflyer, 'evt_2');
    u.inFlight.appsflyer.push('dlv_af_2');
    const text = currentDetails(buildStatus(u, GATE - 1_000));
    expect(text.split('  \n')).toEqual([
      '**lane stopped** until 2026-11-22T09:01:00.000Z · 2 pending · 0 dead letters',
      'user user_1 · app demo-ios (ios) · installed 2026-11-22T09:00:00Z · sends from 2026-11-22T09:01:00.000Z',
      'held: 1 message(s) waiting for the signup',
      '**adjust**: STOPPED: device opted out (451: Opted out) (since 2026-11-22T10:00:00.000Z) · 0 queued · 0 delivered, 2 skipped',
      '**appsflyer**: 1 queued · sending 1 · next evt_2 (purchase) ready 2026-11-22T10:00:02.000Z · 0 delivered',
      '\u00a0',
    ]);
  });

  it('list the latest three dead letters, newest first, say how to redrive, and escape what the vendor wrote', () => {
    const letters = [1, 2, 3, 4].map((i) => letter(i));
    letters[3] = letter(4, 'adjust rejected the event: <img src=x onerror=alert(1)> *bold* [link](http://x)');
    const text = currentDetails(buildStatus(facts({ deadLetters: letters }), GATE));
    expect(text).toContain('4 dead letters');
    expect(text).toContain(
      'dead letter: adjust event evt_4 (purchase) dlv_adj_4: adjust rejected the event: \\<img src=x onerror=alert(1)\\> \\*bold\\* \\[link\\](http://x)',
    );
    expect(text.indexOf('dlv_adj_4')).toBeLessThan(text.indexOf('dlv_adj_3'));
    expect(text).not.toContain('dlv_adj_1:');
    expect(text).toContain('… 1 more: `s2s status user_1`');
    expect(text).toContain('after the fix: `s2s redrive user_1` or More Actions → Send an Update → redrive');
  });

  it('say whose workflow it is before the signup, and the latest rejected message', () => {
    const u = facts({
      install: undefined,
      heldCount: 1,
      pendingCount: 1,
      rejections: [{ atMs: GATE, kind: 'track', reason: 'invalid track: revenue: must be ...' }],
    });
    u.counters.rejectedMessages = 1;
    const text = currentDetails(buildStatus(u, GATE));
    expect(text).toContain('user user_1 · install context (signup) not received yet');
    expect(text).toContain('rejected messages: 1 (latest 2026-11-22T09:01:00.000Z: invalid track: revenue: must be ...)');
  });

  it('show device ids, the AppsFlyer id, the IP and the customer user id only when asked (policy.showDeviceIds)', () => {
    const u = facts();
    const hidden = currentDetails(buildStatus(u, GATE));
    for (const pii of [IOS_IDFA, '1234567890123-1234567', '203.0.113.7', 'cust-9']) expect(hidden).not.toContain(pii);
    const shown = currentDetails(buildStatus(u, GATE), u.install);
    expect(shown).toContain(
      `device ids (policy.showDeviceIds): {"idfa":"${IOS_IDFA}","idfv":"95C9BD22-4A4C-41C8-9548-ED07C5C8C145"} · appsflyer_id 1234567890123-1234567 · ip 203.0.113.7 · customer_user_id cust-9`,
    );
  });
});

describe('UI markdown', () => {
  it('one paragraph of hard-broken lines ending in a blank line; empty lines dropped', () => {
    expect(uiLines(['a', undefined, '', false, 'b'])).toBe('a  \nb  \n\u00a0');
    expect(mdText('evt_1 <b>&amp; `x` *y*\nnext')).toBe('evt_1 \\<b\\>\\&amp; \\`x\\` \\*y\\* next');
  });
});
