// What an operator reads in the Temporal UI for one user, checked through the same APIs the UI uses:
// static summary and details, an activity summary on every send naming vendor, event, id and amount,
// activity results with the outcome and the vendor's answer, and current details showing the lanes, also
// for a workflow first started by an event and after continue-as-new (which drops the static summary).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultEmulatorConfig } from '../../../emulator/config';
import { purchase, secondsAgo } from '../../helpers/events';
import { startRelay, testUserId, type RelayHarness } from '../../helpers/relay';
import { iosInstall, registerInstall } from '../../helpers/users';
import { operatorView, purchaseRefundAndDeadLetter, signedUpUser, statusWhen } from './ops-helpers';

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms' } });
});
afterAll(async () => {
  await relay?.stop();
});

describe('readable histories', () => {
  it('summarises the user, every send (vendor, event, id, amount), its outcome and the lanes', async () => {
    const install = await signedUpUser(relay);
    const userId = install.userId;
    await purchaseRefundAndDeadLetter(relay, userId);
    relay.emulator.setConfig(defaultEmulatorConfig);
    const view = await operatorView(relay, userId);

    expect(view.staticSummary).toBe(`user ${userId} · demo-ios (ios) · installed ${install.installedAt}`);
    expect(view.staticDetails).toContain(`s2s status ${userId}`);
    expect(view.staticDetails).toContain('/namespaces/{namespace}/workflows?query=S2SDeadLetters%20%3E%200');

    // One summary per send, in the words the vendor sees (AppsFlyer event name, Adjust event token); a message's
    // first attempts to both vendors are one combined activity, whose summary joins its parts with " | ".
    expect(view.activitySummaries).toEqual(
      expect.arrayContaining([
        'adjust purchase(p4rch1) evt_1 4.99 USD | appsflyer af_purchase evt_1 4.99 USD',
        'adjust trial(tr1al1) evt_trial | appsflyer af_start_trial evt_trial',
      ]),
    );
    expect(view.activitySummaries.flatMap((summary) => summary.split(' | '))).toEqual(
      expect.arrayContaining([
        'adjust purchase(p4rch1) evt_1 4.99 USD',
        'appsflyer af_purchase evt_1 4.99 USD',
        'adjust refund(r3fnd1) rf_1 (refund of evt_1)',
        'appsflyer cancel_purchase rf_1 -4.99 USD (refund of evt_1)',
        'adjust trial(tr1al1) evt_trial',
        'appsflyer af_start_trial evt_trial',
      ]),
    );
    // Results: the receipt of each delivery with the outcome and the vendor's answer.
    type Receipts = { receipts: Array<Record<string, unknown>> };
    const receipts = view.activityResults.flatMap((r) => {
      const result = JSON.parse(r) as Receipts | Record<string, { ok: boolean; result?: Receipts }>;
      // A vendor's send activity: its receipts; the combined first attempt: the receipts of each part that succeeded.
      return Array.isArray(result.receipts)
        ? (result as Receipts).receipts
        : Object.values(result as Record<string, { ok: boolean; result?: Receipts }>).flatMap((part) => (part.ok ? (part.result?.receipts ?? []) : []));
    });
    expect(receipts.length).toBe(5);
    for (const receipt of receipts) {
      expect(receipt).toMatchObject({ outcome: 'delivered', status: 200, deliveryId: expect.stringMatching(/^dlv_(adj|af)_/) });
      expect(String(receipt.answer).length).toBeGreaterThan(0);
    }
    // The dead-lettered send fails with the vendor's answer in the history.
    expect(view.historyJson).toMatch(/Invalid event token/);

    // Current details: state, who, one line per lane, the dead letter and how to redrive it.
    const details = view.currentDetails;
    expect(details).toMatch(/^\*\*idle\*\* · 0 pending · 1 dead letter {2}\n/);
    expect(details).toContain(`user ${userId} · app demo-ios (ios) · installed ${install.installedAt}`);
    expect(details).toMatch(/\*\*adjust\*\*: 0 queued · last evt_trial dead-lettered \(400\) at [^·]+ · 2 delivered, 1 dead-lettered/);
    expect(details).toMatch(/\*\*appsflyer\*\*: 0 queued · last evt_trial delivered \(200\) at [^·]+ · 3 delivered/);
    expect(details).toMatch(/dead letter: adjust event evt_trial \(trial\) dlv_adj_\w+: adjust rejected the event: .*Invalid event token/);
    expect(details).toContain(`s2s redrive ${userId}`);
    // One markdown paragraph with hard breaks and a blank last line: the UI's iframe never clips it.
    expect(details).not.toContain('\n\n');
    expect(details.endsWith('  \n\u00a0')).toBe(true);
  });

  it('a workflow first started by an event says so, and its current details show the install once signed up', async () => {
    const install = iosInstall({ userId: testUserId('ops-early') });
    registerInstall(relay.emulator, install);
    await relay.client.trackSignal(purchase(install.userId, 'evt_early', secondsAgo(5)));
    await statusWhen(relay, install.userId, 'held', (s) => s.held === 1);
    const before = await operatorView(relay, install.userId);
    expect(before.staticSummary).toBe(`user ${install.userId} · started by an event before the signup: app and install time in Current Details`);
    expect(before.currentDetails).toContain(`user ${install.userId} · install context (signup) not received yet`);
    expect(before.currentDetails).toContain('held: 1 message(s) waiting for the signup');

    await relay.client.signup(install);
    await statusWhen(relay, install.userId, 'delivered', (s) => s.counters.delivered === 2);
    const after = await operatorView(relay, install.userId);
    expect(after.staticSummary).toBe(before.staticSummary); // fixed at start
    expect(after.currentDetails).toContain(`user ${install.userId} · app demo-ios (ios) · installed ${install.installedAt}`);
  });

  it('after continue-as-new, which drops the static summary, the current details still say whose workflow it is', async () => {
    const small = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms', maxHistoryEvents: 40 } });
    try {
      const install = await signedUpUser(small);
      for (let i = 0; i < 4; i++) await small.client.track(purchase(install.userId, `evt_can_${i}`, secondsAgo(30 - i)));
      await statusWhen(
        small,
        install.userId,
        'continued as new, all delivered',
        (s) => s.counters.continuedAsNew >= 1 && s.pending === 0 && s.counters.delivered === 8,
      );
      const view = await operatorView(small, install.userId);
      expect(view.currentDetails).toContain(`user ${install.userId} · app demo-ios (ios) · installed ${install.installedAt}`);
      expect(view.currentDetails).toMatch(/\*\*appsflyer\*\*: 0 queued · last evt_can_3 delivered/);
      expect(view.searchAttributes).toMatchObject({ S2SUserId: install.userId, S2SApp: 'demo-ios', S2SState: 'ok', S2SPending: '0', S2SDeadLetters: '0' });
    } finally {
      await small.stop();
    }
  });
});
