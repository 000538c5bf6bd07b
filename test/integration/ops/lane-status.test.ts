// What status and history tell an operator about deliveries in trouble, through the real CLI: a lane being
// retried shows the vendor's last answer (reported by the vendor worker's interceptor once per failed attempt),
// a restamped Adjust event shows the time it was sent as, every dead letter carries an id redrive takes on its
// own (dlm_ ids of messages that never reached a lane too), and --json prints one value per line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../../client/cli';
import { defaultEmulatorConfig } from '../../../emulator/config';
import type { LaneFailureReport } from '../../../domain/snapshot';
import type { DeadLetterView, RedriveAnswer, TimelineEntry, UserStatus } from '../../../domain/status';
import { userWorkflowId } from '../../../domain/ids';
import { fetchDecodedHistory, payloadValue } from '../../../client/user-runs';
import { purchase, secondsAgo } from '../../helpers/events';
import { sendsIn } from '../../helpers/histories';
import { startRelay, type RelayHarness } from '../../helpers/relay';
import { breakTrialToken, sharedClient, signedUpUser, statusWhen } from './ops-helpers';

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms', orphanRefundHold: '1s' } });
});
afterAll(async () => {
  await relay?.stop();
});

async function s2s(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), stdin: () => '', connect: async () => sharedClient(relay) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
const lines = <T>(text: string): T[] => (text === '' ? [] : text.split('\n').map((l) => JSON.parse(l) as T));

describe('status while a lane is retried', () => {
  it("shows the vendor's last answer with the attempt, reported once per failed attempt, and clears it once delivered", async () => {
    const install = await signedUpUser(relay);
    const userId = install.userId;
    relay.emulator.setFaults({ adjust: { error5xx: 1 } });
    try {
      const answer = await relay.client.track(purchase(userId, 'evt_retry_1', secondsAgo(30), '2.99'));
      const adjustId = answer.deliveries.find((d) => d.destination === 'adjust')?.deliveryId as string;
      const status = await statusWhen(relay, userId, 'the Adjust lane retrying after two failed attempts', (s) => (s.lanes.adjust.retrying?.attempt ?? 0) >= 2);
      expect(status.state).toBe('retrying');
      expect(status.lanes.adjust.retrying).toMatchObject({
        deliveryId: adjustId,
        status: 500,
        answer: expect.stringContaining('Internal error, contact support@adjust.com'),
      });
      expect(status.lanes.adjust.retrying?.answer).toMatch(/^Adjust 500: Adjust server error; answer: /);

      const human = await s2s(['status', userId]);
      expect(human.code).toBe(EXIT.ok);
      expect(human.out).toMatch(
        new RegExp(
          `\\n {11}RETRYING ${adjustId} since \\S+Z \\(attempt \\d+\\): Adjust 500: Adjust server error; answer: .*Internal error, contact support@adjust\\.com`,
        ),
      );
      const machine = await s2s(['status', userId, '--json']);
      expect(machine.out.split('\n')).toHaveLength(1);
      expect(JSON.parse(machine.out) as UserStatus).toMatchObject({ lanes: { adjust: { retrying: { deliveryId: adjustId, status: 500 } } } });
    } finally {
      relay.emulator.setFaults({});
    }
    const done = await statusWhen(relay, userId, 'delivered once the vendor recovers', (s) => s.lanes.adjust.counts.delivered === 1);
    expect(done.lanes.adjust.retrying).toBeUndefined();
    expect(done.state).not.toBe('retrying');

    // One report per failed activity attempt, attempts 2..n-1 of the attempt that delivered, each with the vendor's
    // answer; attempt 1 was Adjust's part of the combined first attempt, whose failure came back as its result.
    const timeline = await relay.client.timeline(userId);
    const adjust = timeline.find((e) => e.destination === 'adjust') as TimelineEntry;
    const history = await fetchDecodedHistory(relay.client, { workflowId: userWorkflowId(userId), runId: (await relay.client.describe(userId))!.runId });
    const reports = (history.events ?? [])
      .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'laneFailure')
      .map((e) => payloadValue(relay.client, e.workflowExecutionSignaledEventAttributes?.input) as LaneFailureReport);
    const adjustSends = sendsIn(history.events ?? []).filter((send) => send.activityType === 'sendToAdjust');
    const receipt = adjustSends.flatMap((send) => send.result?.receipts ?? []).find((r) => r.deliveryId === adjust.deliveryId);
    expect(receipt?.attempt).toBeGreaterThanOrEqual(3);
    const attempts = reports.filter((r) => r.deliveryId === adjust.deliveryId).map((r) => r.attempt);
    expect(attempts).toEqual(Array.from({ length: (receipt?.attempt ?? 0) - 2 }, (_, i) => i + 2));
    expect(adjustSends.map((send) => [send.combined, send.failed])).toEqual([
      [true, true],
      [false, false],
    ]);
    for (const r of reports)
      expect(r).toMatchObject({ destination: 'adjust', type: 'S2STransient', status: 500, answer: expect.stringContaining('Internal error') });
  });
});

describe('history and dead letters', () => {
  it('history shows a restamped Adjust event with the time it was sent as (human and NDJSON)', async () => {
    const install = await signedUpUser(relay);
    const userId = install.userId;
    await relay.client.track(purchase(userId, 'evt_late_a', secondsAgo(60), '1.99'));
    await statusWhen(relay, userId, 'first purchase delivered', (s) => s.lanes.adjust.counts.delivered === 1);
    // Older than the purchase Adjust already has for this token: the late-event policy restamps it.
    await relay.client.track(purchase(userId, 'evt_late_b', secondsAgo(120), '0.99'));
    await statusWhen(relay, userId, 'late purchase delivered', (s) => s.lanes.adjust.counts.delivered === 2 && s.lanes.appsflyer.counts.delivered === 2);
    const run = await s2s(['history', userId, 'evt_late_b', '--json']);
    expect(run.code).toBe(EXIT.ok);
    const entries = lines<TimelineEntry>(run.out);
    expect(entries).toHaveLength(2);
    const late = entries.find((e) => e.destination === 'adjust') as TimelineEntry;
    const first = (await relay.client.timeline(userId)).find((e) => e.destination === 'adjust' && e.messageId === 'evt_late_a') as TimelineEntry;
    expect(late.sentAs).toBe(new Date(Math.floor(Date.parse(first.occurredAt) / 1000) * 1000).toISOString());
    expect(entries.find((e) => e.destination === 'appsflyer')?.sentAs).toBeUndefined();
    const human = await s2s(['history', userId]);
    expect(human.out).toContain(`event evt_late_b (purchase) 0.99 USD`);
    expect(human.out).toContain(`    sent as ${late.sentAs} (restamped: Adjust had already accepted a later event for this token)`);
    // What Adjust received: the restamped created_at.
    const recorded = relay.emulator.requests({ deliveryId: late.deliveryId });
    expect(recorded.map((r) => r.params?.created_at_unix)).toEqual([String(Date.parse(late.sentAs as string) / 1000)]);
  });

  it('every dead letter has an id redrive takes on its own: a held refund (dlm_) and an Adjust rejection (dlv_)', async () => {
    const install = await signedUpUser(relay);
    const userId = install.userId;
    await relay.client.track(purchase(userId, 'evt_dl_1', secondsAgo(40), '4.99'));
    await statusWhen(relay, userId, 'purchase delivered', (s) => s.counters.delivered === 2);
    // A refund signal for a purchase that never comes: held for orphanRefundHold, then dead-lettered before any lane.
    await relay.client.refundSignal({
      userId,
      refundId: 'rf_orphan',
      purchaseEventId: 'evt_never',
      amount: '1.00',
      currency: 'USD',
      occurredAt: secondsAgo(5),
    });
    breakTrialToken(relay);
    try {
      await relay.client.track({ userId, eventId: 'evt_dl_trial', name: 'trial', occurredAt: secondsAgo(10) });
      const status = await statusWhen(relay, userId, 'two dead letters', (s) => s.deadLetters.length === 2 && s.pending === 0);
      const held = status.deadLetters.find((d) => d.destination === undefined) as DeadLetterView;
      const rejected = status.deadLetters.find((d) => d.destination === 'adjust') as DeadLetterView;
      expect(held.id).toMatch(/^dlm_[0-9a-f]{16}$/);
      expect(held).toMatchObject({ kind: 'refund', messageId: 'rf_orphan', reason: expect.stringMatching(/unknown purchase "evt_never"/) });
      expect(rejected.id).toBe(rejected.deliveryId);

      const human = await s2s(['status', userId]);
      expect(human.out).toContain(`  (held)     ${held.id}     refund rf_orphan 1.00 USD: unknown purchase "evt_never"`);
      expect(human.out).toContain(`  adjust     ${rejected.id} event evt_dl_trial (trial): adjust rejected the event`);
      const letters = await s2s(['dead-letters', '--json']);
      const mine = lines<{ userId: string; letters: DeadLetterView[] }>(letters.out).find((r) => r.userId === userId);
      expect(mine?.letters.map((d) => d.id).sort()).toEqual([held.id, rejected.id].sort());

      const one = await s2s(['redrive', userId, held.id, '--json']);
      expect(one.code).toBe(EXIT.ok);
      expect(JSON.parse(one.out) as RedriveAnswer).toEqual({ redriven: [held.id], notFound: [] });
      const after = await relay.client.status(userId);
      expect(after.deadLetters.map((d) => d.id)).toEqual([rejected.id]);
      expect(after.orphanRefunds).toBe(1); // held again, waiting for its purchase
    } finally {
      relay.emulator.setConfig(defaultEmulatorConfig);
    }
    const fixed = await s2s(['redrive', userId, (await relay.client.status(userId)).deadLetters.find((d) => d.destination === 'adjust')!.id]);
    expect(fixed.code).toBe(EXIT.ok);
    await statusWhen(relay, userId, 'the trial redelivered', (s) => s.lanes.adjust.counts.delivered === 2);
  });
});
