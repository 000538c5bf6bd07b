// Reset safety on a real server, as an operator does it: `temporal workflow reset` of a user's workflow to
// the workflow task that scheduled its first send runs every send again, and the delivery ledger answers
// each with its original receipt, so the vendors (the emulator's record) still hold each delivery once; a
// redrive of a delivery that was already accepted sends nothing either.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { decodePayloadsInPlace } from '../../../codec/history-payloads';
import { sendsIn } from '../../helpers/histories';
import { userWorkflowId } from '../../../domain/ids';
import { defaultEmulatorConfig } from '../../../emulator/config';
import { findTemporalCli } from '../../../worker/temporal-cli';
import { purchase, refund, secondsAgo } from '../../helpers/events';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { signedUpUser } from '../../helpers/users';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms' } });
});
afterEach(() => {
  relay.emulator.setConfig(defaultEmulatorConfig);
});
afterAll(async () => {
  await relay?.stop();
});

async function history(workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  // Payloads are stored encrypted: decode them with the harness's codec, as the UI's codec server does.
  const h = await decodePayloadsInPlace(await relay.temporal.workflow.getHandle(workflowId, runId).fetchHistory(), relay.encryption.codec);
  return h.events ?? [];
}

/** The send results of a run: every receipt of every send (local first attempts and send activities). */
async function receipts(workflowId: string, runId: string): Promise<Array<{ deliveryId: string; fromLedger?: boolean }>> {
  return sendsIn(await history(workflowId, runId)).flatMap((s) => s.result?.receipts ?? []);
}

/** `temporal workflow reset` to the workflow task that completed at `eventId` (the CLI an operator uses). */
async function cliReset(workflowId: string, eventId: number, extra: string[] = []): Promise<void> {
  const cli = await findTemporalCli();
  await promisify(execFile)(cli, [
    'workflow',
    'reset',
    '--address',
    inject('temporalAddress'),
    '--namespace',
    'default',
    '--workflow-id',
    workflowId,
    '--event-id',
    String(eventId),
    '--reason',
    'reset safety test',
    ...extra,
  ]);
}

async function currentRunId(workflowId: string): Promise<string> {
  return (await relay.temporal.workflow.getHandle(workflowId).describe()).runId;
}

describe('reset safety', () => {
  it('a reset to before the sends runs them again, and no vendor gets an accepted delivery twice', async () => {
    const install = await signedUpUser(relay);
    const workflowId = userWorkflowId(install.userId);
    await relay.client.trackSignal(purchase(install.userId, 'evt_reset_1', secondsAgo(30), '9.99'));
    await relay.client.trackSignal(purchase(install.userId, 'evt_reset_2', secondsAgo(20), '4.99', 'EUR'));
    await relay.client.refundSignal(refund(install.userId, 'rf_reset_1', 'evt_reset_1', '9.99', secondsAgo(10)));
    await waitFor('all six deliveries accepted', async () => {
      const s = await relay.client.status(install.userId);
      return s.counters.delivered === 6 && s.pending === 0;
    });
    const timeline = await relay.client.timeline(install.userId);
    const ids = [...new Set(timeline.map((t) => t.deliveryId).filter((id): id is string => !!id))];
    expect(ids).toHaveLength(6);
    const once = () => ids.map((id) => relay.emulator.requests({ deliveryId: id }).filter((r) => r.status === 200).length);
    expect(once()).toEqual([1, 1, 1, 1, 1, 1]);

    const firstRun = await currentRunId(workflowId);
    // The workflow task that ran (a local first attempt) or scheduled (a send activity) the first send.
    const [firstSend] = sendsIn(await history(workflowId, firstRun));
    const resetTo = Number(firstSend?.workflowTaskCompletedEventId);
    expect(resetTo).toBeGreaterThan(0);
    await cliReset(workflowId, resetTo);

    const newRun = await waitFor('a new run after the reset', async () => {
      const id = await currentRunId(workflowId);
      return id !== firstRun ? id : undefined;
    });
    // The new run sends everything again (the signals are reapplied) and settles.
    const again = await waitFor('the new run to settle with six receipts', async () => {
      const s = await relay.client.status(install.userId);
      const r = await receipts(workflowId, newRun);
      return s.counters.delivered === 6 && s.pending === 0 && r.length === 6 ? r : undefined;
    });
    expect(again.every((r) => r.fromLedger === true)).toBe(true);
    expect(again.map((r) => r.deliveryId).sort()).toEqual([...ids].sort());
    expect(once()).toEqual([1, 1, 1, 1, 1, 1]);
    expect(ids.flatMap((id) => relay.emulator.requests({ deliveryId: id }))).toHaveLength(6);
  });

  it('a redrive of a delivery that was already accepted sends nothing', async () => {
    const install = await signedUpUser(relay);
    const workflowId = userWorkflowId(install.userId);
    // Adjust refuses the trial token (400 Invalid event token): dead-lettered; fixed, then redriven: accepted.
    relay.emulator.updateConfig({ adjustApps: [{ appToken: '4w565xzmb54d', eventTokens: { tr1al1: null } }] });
    const answer = await relay.client.track({ userId: install.userId, eventId: 'evt_trial_reset', name: 'trial', occurredAt: secondsAgo(5) });
    const adj = answer.deliveries.find((d) => d.destination === 'adjust')!;
    await waitFor('dead letter', async () => (await relay.client.status(install.userId)).deadLetters.length === 1);
    relay.emulator.setConfig(defaultEmulatorConfig);
    const beforeRedrive = await currentRunId(workflowId);
    const redrive = (await history(workflowId, beforeRedrive)).length;
    expect(await relay.client.redrive(install.userId, [adj.deliveryId])).toEqual({ redriven: [adj.deliveryId], notFound: [] });
    await waitFor('delivered after the redrive', async () => (await relay.client.status(install.userId)).counters.delivered === 2);
    expect(relay.emulator.requests({ deliveryId: adj.deliveryId }).map((r) => r.status)).toEqual([400, 200]);

    // Back to before the redrive: the workflow task that took it is undone and the update not reapplied, so
    // the dead letter is there again ...
    const events = await history(workflowId, beforeRedrive);
    const redriveTask = events.slice(redrive).find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    await cliReset(workflowId, Number(redriveTask?.eventId), ['--reapply-exclude', 'Update']);
    await waitFor('the dead letter back after the reset', async () => {
      const s = await relay.client.status(install.userId);
      return (await currentRunId(workflowId)) !== beforeRedrive && s.deadLetters.length === 1;
    });
    // ... and an operator redrives it again: the ledger answers, nothing reaches Adjust.
    const newRun = await currentRunId(workflowId);
    expect(await relay.client.redrive(install.userId, [adj.deliveryId])).toEqual({ redriven: [adj.deliveryId], notFound: [] });
    const status = await waitFor('delivered again, from the ledger', async () => {
      const s = await relay.client.status(install.userId);
      return s.counters.delivered === 2 && s.deadLetters.length === 0 && s.pending === 0 ? s : undefined;
    });
    expect(status.counters.redriven).toBe(1);
    expect((await receipts(workflowId, newRun)).filter((r) => r.deliveryId === adj.deliveryId)).toEqual([
      expect.objectContaining({ deliveryId: adj.deliveryId, fromLedger: true }),
    ]);
    expect(relay.emulator.requests({ deliveryId: adj.deliveryId }).map((r) => r.status)).toEqual([400, 200]);
  });
});
