// The message contract at every edge, on a real server: what no caller may do to a user's workflow. Each bad
// message is refused with the field and the rule, by the client before it sends and by the workflow when a
// caller bypasses the client (raw updates and signals, as a backend in another language might send them);
// nothing is recorded, and the workflow keeps running with its state intact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayInputError } from '../../../client/errors';
import type { UserStatus } from '../../../domain/status';
import { userWorkflowId } from '../../../domain/ids';
import { purchase, secondsAgo } from '../../helpers/events';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { iosInstall, registerInstall } from '../../helpers/users';

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms', maxHistoryEvents: 60 } });
});
afterAll(async () => {
  await relay?.stop();
});

/** The refusal a promise ends with: RelayInputError from the client, or the workflow's typed failure from a raw call. */
async function refusal(call: Promise<unknown>): Promise<{ path: string; message: string }[]> {
  try {
    await call;
  } catch (error) {
    if (error instanceof RelayInputError) return error.issues;
    const cause = (error as { cause?: { type?: string; details?: Array<{ issues: { path: string; message: string }[] }> } }).cause;
    if (cause?.type === 'RelayInputError') return cause.details?.[0]?.issues ?? [];
    throw error;
  }
  throw new Error('expected the message to be refused');
}

/** A signed-up user with one delivered, refundable purchase: the state every case below must leave intact. */
async function userWithHistory(): Promise<{ userId: string; before: UserStatus }> {
  const install = iosInstall();
  registerInstall(relay.emulator, install);
  await relay.client.signup(install);
  await relay.client.track(purchase(install.userId, 'evt_kept', secondsAgo(30), '9.99'));
  const before = await waitFor('the first purchase delivered', async () => {
    const s = await relay.client.status(install.userId);
    return s.counters.delivered === 2 ? s : undefined;
  });
  return { userId: install.userId, before };
}

/** The workflow runs, nothing new was recorded, the dedup window and the refundable purchase are intact. */
async function expectIntact(userId: string, before: UserStatus): Promise<void> {
  const handle = relay.temporal.workflow.getHandle(userWorkflowId(userId));
  expect((await handle.describe()).status.name).toBe('RUNNING');
  const after = await relay.client.status(userId);
  expect(after.counters.received).toBe(before.counters.received);
  expect(after.counters.delivered).toBe(before.counters.delivered);
  expect((await relay.client.track(purchase(userId, 'evt_kept', secondsAgo(30), '9.99'))).status).toBe('duplicate');
  const refund = await relay.client.refund({
    userId,
    refundId: `rf_${Date.now()}`,
    purchaseEventId: 'evt_kept',
    amount: '0.01',
    currency: 'USD',
    occurredAt: secondsAgo(1),
  });
  expect(refund.status).toBe('accepted');
}

describe('the three payload cases that used to break a workflow', () => {
  it('a 2.5 MB track (2,500 callback params of 1 KB) is refused by the client and by the workflow', async () => {
    const { userId, before } = await userWithHistory();
    const callbackParams = Object.fromEntries(Array.from({ length: 2_500 }, (_, i) => [`p${i}`, 'x'.repeat(1_000)]));
    const huge = { ...purchase(userId, 'evt_huge', secondsAgo(5)), callbackParams };
    const started = Date.now();
    const issues = await refusal(relay.client.track(huge));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(issues).toEqual([
      { path: '(message)', message: expect.stringMatching(/^is \d{7} bytes as JSON; a message may be at most 16384 bytes \(16 KiB\)$/) },
    ]);
    // The same message as a raw update (as another SDK might send it): the server or the workflow refuses it.
    const raw = relay.temporal.workflow.getHandle(userWorkflowId(userId)).executeUpdate('track', { args: [huge] });
    await expect(raw).rejects.toThrow();
    await expectIntact(userId, before);
  });

  it('three concurrent 700 KB track signals are refused by the client; sent raw, each is rejected and recorded, none batched', async () => {
    const { userId, before } = await userWithHistory();
    const big = (i: number) => ({
      ...purchase(userId, `evt_big_${i}`, secondsAgo(5)),
      partnerParams: Object.fromEntries(Array.from({ length: 700 }, (_, k) => [`k${k}`, 'y'.repeat(1_000)])),
    });
    for (const i of [0, 1, 2]) expect((await refusal(relay.client.trackSignal(big(i))))[0]?.path).toBe('(message)');
    const handle = relay.temporal.workflow.getHandle(userWorkflowId(userId));
    await Promise.all([0, 1, 2].map((i) => handle.signal('track', big(i))));
    const after = await waitFor('three rejections recorded', async () => {
      const s = await relay.client.status(userId);
      return s.counters.rejectedMessages === 3 ? s : undefined;
    });
    expect(after.recentRejections.map((r) => r.reason)).toEqual(
      Array(3).fill(expect.stringMatching(/^invalid track: \(message\): is \d+ bytes as JSON; a message may be at most 16384 bytes/)),
    );
    await expectIntact(userId, before);
  });

  it('two 1.9 MB signals leave no carried state behind: the workflow continues as new and keeps running', async () => {
    const { userId, before } = await userWithHistory();
    const handle = relay.temporal.workflow.getHandle(userWorkflowId(userId));
    const heavy = (i: number) => ({ ...purchase(userId, `evt_heavy_${i}`, secondsAgo(5)), callbackParams: { blob: 'z'.repeat(1_900_000) } });
    for (const i of [0, 1]) await handle.signal('track', heavy(i));
    // maxHistoryEvents is small: enough messages make the workflow continue as new, carrying its (small) state.
    for (let i = 0; i < 12; i++) await relay.client.track(purchase(userId, `evt_fill_${i}`, secondsAgo(20 - i)));
    const after = await waitFor(
      'continued as new with everything delivered',
      async () => {
        const s = await relay.client.status(userId);
        return s.counters.continuedAsNew >= 1 && s.pending === 0 && s.counters.delivered === before.counters.delivered + 24 ? s : undefined;
      },
      60_000,
    );
    expect(after.counters.rejectedMessages).toBe(2);
    expect(after.deadLetters).toHaveLength(0);
    expect(after.backlog.bytes).toBeLessThan(4_096);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await relay.client.track(purchase(userId, 'evt_kept', secondsAgo(30), '9.99'))).status).toBe('duplicate');
  });
});

describe('bad messages of every kind: refused with the field and the rule, nothing recorded', () => {
  it('events, refunds and ad revenue', async () => {
    const { userId, before } = await userWithHistory();
    const handle = relay.temporal.workflow.getHandle(userWorkflowId(userId));
    const track = (patch: Record<string, unknown>) => ({ ...purchase(userId, `evt_bad_${Math.random().toString(36).slice(2, 8)}`, secondsAgo(5)), ...patch });
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['occurredAt', { occurredAt: '2099-01-01T00:00:00Z' }, /is in the future: at most 300 s ahead of now/],
      ['occurredAt', { occurredAt: '2026-02-30T10:00:00Z' }, /is not a real date: 2026-02 has 28 days, not 30/],
      ['revenue', { revenue: '0.0001' }, /must be at least 0.001 for Adjust revenue event p4rch1/],
      ['revenue', { revenue: 4.99 }, /must be a decimal string such as "4.99"/],
      ['currency', { currency: 'XXX' }, /currency XXX is not an ISO 4217 currency a purchase can be paid in/],
      ['eventValue.af_revenue', { eventValue: { af_revenue: '1' } }, /is reserved: the relay sets it from the event's revenue and currency/],
      [
        'eventValue',
        { eventValue: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`key_${i}`, 'v'.repeat(40)])) },
        /each event may use \d+ of AppsFlyer's 1 KB body/,
      ],
      ['callbackParams.s2s_delivery_id', { callbackParams: { s2s_delivery_id: 'mine' } }, /is reserved: the relay sends the delivery id under it/],
      ['callbackParams.bad\u0007key', { callbackParams: { 'bad\u0007key': 'v' } }, /contains an unprintable character \(U\+0007/],
    ];
    for (const [path, patch, rule] of cases) {
      const message = track(patch);
      // Through the client where it can tell (shape and clock), else through the workflow; raw always through the workflow.
      const viaClient = await refusal(relay.client.track(message as never));
      expect(
        viaClient.find((i) => i.path === path),
        `${path} via the client: ${JSON.stringify(viaClient)}`,
      ).toMatchObject({ message: expect.stringMatching(rule) });
      const raw = await refusal(handle.executeUpdate('track', { args: [message] }));
      expect(
        raw.find((i) => i.path === path),
        `${path} raw: ${JSON.stringify(raw)}`,
      ).toMatchObject({ message: expect.stringMatching(rule) });
    }
    const refundCases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['amount', { amount: '-1' }, /amount must be a plain decimal such as "4.99"/],
      ['currency', { currency: 'usd' }, /3-letter uppercase ISO 4217 code/],
      ['occurredAt', { occurredAt: '2026-13-01T00:00:00Z' }, /has the month 13, which does not exist/],
    ];
    for (const [path, patch, rule] of refundCases) {
      const refund = { userId, refundId: 'rf_bad', purchaseEventId: 'evt_kept', amount: '1.00', currency: 'USD', occurredAt: secondsAgo(1), ...patch };
      const issues = await refusal(relay.client.refund(refund as never));
      expect(
        issues.find((i) => i.path === path),
        `refund ${path}: ${JSON.stringify(issues)}`,
      ).toMatchObject({ message: expect.stringMatching(rule) });
    }
    const ad = { userId, eventId: 'ad_bad', occurredAt: secondsAgo(5), revenue: '0.02', currency: 'USD', adImpressionsCount: 1 };
    expect((await refusal(relay.client.adRevenue({ ...ad, adImpressionsCount: 0 })))[0]).toMatchObject({
      path: 'adImpressionsCount',
      message: 'adImpressionsCount must be at least 1',
    });
    expect(
      (await refusal(handle.executeUpdate('adRevenue', { args: [{ ...ad, occurredAt: new Date(Date.now() - 29 * 86_400_000).toISOString() }] })))[0],
    ).toMatchObject({ path: 'occurredAt', message: expect.stringMatching(/older than the longest window of the vendors it goes to \(adjust 28 days\)/) });

    // A purchase without revenue on a revenue token is not refused: it is sent without revenue (decided per request).
    const noRevenue = await relay.client.track({ userId, eventId: 'evt_purchase_no_revenue', name: 'purchase', occurredAt: secondsAgo(5) });
    expect(noRevenue.status).toBe('accepted');
    await waitFor('sent without revenue', () =>
      relay.emulator
        .requests({ deliveryId: noRevenue.deliveries.find((d) => d.destination === 'adjust')!.deliveryId })
        .find((r) => r.status === 200 && r.params?.revenue === undefined),
    );
    const after = await relay.client.status(userId);
    expect(after.counters.received).toBe(before.counters.received + 1);
    expect(after.counters.rejectedMessages).toBe(0);
    await expectIntact(userId, after);
  });

  it('signups: unknown app, wrong platform, missing iOS osVersion, control characters, an install in the future', async () => {
    const install = iosInstall();
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['app', { app: 'no-such-app' }, /app "no-such-app" is not in the relay configuration \(configured: demo-ios, demo-android\)/],
      [
        'platform',
        { platform: 'android', deviceIds: { gps_adid: '660e1d86-6796-463a-be86-897993136018' }, attStatus: undefined },
        /app "demo-ios" is configured as an ios app; an android install cannot belong to it/,
      ],
      ['osVersion', { osVersion: undefined }, /is required for iOS apps that send to AppsFlyer/],
      ['customerUserId', { customerUserId: 'cust\u0000001' }, /contains an unprintable character \(U\+0000/],
      ['installedAt', { installedAt: '9999-01-01T00:00:00Z' }, /is in the future/],
      [
        'deviceIds.gps_adid',
        { deviceIds: { gps_adid: '660e1d86-6796-463a-be86-897993136018' } },
        /gps_adid is an Android identifier; an ios install must not carry it/,
      ],
    ];
    for (const [path, patch, rule] of cases) {
      const issues = await refusal(relay.client.signup({ ...install, ...patch } as never));
      expect(
        issues.find((i) => i.path === path),
        `${path}: ${JSON.stringify(issues)}`,
      ).toMatchObject({ message: expect.stringMatching(rule) });
    }
    // Nothing was recorded: the workflow (started by the first attempt) has no install context yet, and a valid signup works.
    expect((await relay.client.status(install.userId)).installedAt).toBeUndefined();
    expect((await relay.client.signup(install)).status).toBe('signed-up');
  });

  it("a refusal made in the workflow sandbox carries one stack frame (workflows/stack-trace-limit.ts: a replay's CPU)", async () => {
    const { userId } = await userWithHistory();
    const error = await relay.temporal.workflow
      .getHandle(userWorkflowId(userId))
      .executeUpdate('track', { args: [{ ...purchase(userId, 'evt_bad', secondsAgo(1)), revenue: 'lots' }] })
      .then(
        () => undefined,
        (e: unknown) => e as { cause?: { type?: string; stack?: string } },
      );
    expect(error?.cause?.type).toBe('RelayInputError');
    const frames = (error?.cause?.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
    expect(frames, error?.cause?.stack).toHaveLength(1);
  });
});
