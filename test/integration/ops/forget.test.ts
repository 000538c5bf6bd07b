// Forgetting a user against the real relay: `s2s forget` stops the workflow (a send in flight ends first),
// deletes every run (continue-as-new made several), and leaves nothing findable by the user id: no run in
// visibility (by workflow id or S2SUserId), no history, no other history on the task queue mentioning it;
// the audit record holds the user id's hash, the counts and the reason, and no personal data. A signup
// afterwards starts afresh. RelayClient.forget calls the ledger hook with the hash.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForgetAuditRecord } from '../../../client/audit-log';
import { EXIT, runCli } from '../../../client/cli';
import type { ForgetResult } from '../../../client/forget';
import { fetchDecodedHistory } from '../../../client/user-runs';
import { userHash, userWorkflowId } from '../../../domain/ids';
import { SA } from '../../../domain/search-attributes';
import { purchase, secondsAgo } from '../../helpers/events';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { iosInstall, registerInstall } from '../../helpers/users';
import { breakTrialToken, sharedClient, signedUpUser, statusWhen } from './ops-helpers';

let relay: RelayHarness;
let dir: string;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms', maxHistoryEvents: 40 } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-forget-'));
});
afterAll(async () => {
  await relay?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function s2s(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), stdin: () => '', connect: async () => sharedClient(relay), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
const count = async (query: string) => (await relay.temporal.workflow.count(query)).count;
const auditRecords = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as ForgetAuditRecord);

describe('s2s forget', () => {
  it('stops the workflow, deletes every run and leaves nothing findable by the user id; a signup then starts afresh', async () => {
    const install = await signedUpUser(relay);
    const userId = install.userId;
    const bystander = await signedUpUser(relay); // another user on the task queue: untouched
    for (let i = 0; i < 5; i++) await relay.client.track(purchase(userId, `evt_f_${i}`, secondsAgo(60 - i), '1.00'));
    breakTrialToken(relay);
    await relay.client.track({ userId, eventId: 'evt_f_trial', name: 'trial', occurredAt: secondsAgo(30) });
    await statusWhen(
      relay,
      userId,
      'a dead letter and at least two runs',
      (s) => s.deadLetters.length === 1 && s.pending === 0 && s.counters.continuedAsNew >= 1,
      60_000,
    );
    relay.emulator.setFaults({ adjust: { slow: 1, slowMs: 8_000 } }); // under the 10 s headersTimeout: a send that stays in flight long enough to forget during it
    await relay.client.track(purchase(userId, 'evt_f_slow', secondsAgo(5), '2.00'));
    await waitFor('a send in flight', async () => (await relay.client.status(userId)).lanes.adjust.inFlight.length === 1, 20_000, 50);
    const runsBefore = await waitFor('visibility listing every run', async () => {
      const n = await count(`WorkflowId = '${userWorkflowId(userId)}'`);
      return n >= 2 ? n : undefined;
    });
    const runIds: string[] = [];
    for await (const wf of relay.temporal.workflow.list({ query: `WorkflowId = '${userWorkflowId(userId)}'` })) runIds.push(wf.runId);

    const auditLog = path.join(dir, 'audit', 'forget.jsonl');
    const run = await s2s(['forget', userId, '--reason', 'GDPR request 42', '--json'], { S2S_AUDIT_LOG: auditLog });
    relay.emulator.setFaults({});
    expect(run.code, run.err).toBe(EXIT.ok);
    expect(run.err).toMatch(
      /^forget: stopping the workflow \(forget update\): sends in flight end first\nforget: deleting \d+ runs and waiting until visibility finds none/,
    );
    const result = JSON.parse(run.out) as ForgetResult;
    // In flight: the slow purchase to both vendors, in one combined first attempt (AppsFlyer's part answered at
    // once, but the activity returns when Adjust's does).
    expect(result).toMatchObject({ userHash: userHash(userId), workflowWasRunning: true, inFlight: 2, runsDeleted: runsBefore, auditLog });
    // The worker deleted the user's delivery ledger entries (five purchases and the trial to both vendors but the
    // trial's Adjust, the slow purchase to Adjust at least): none are left.
    expect(result.ledgerEntriesDeleted).toBeGreaterThanOrEqual(12);
    expect(await relay.ledger.forgetUser(userHash(userId))).toBe(0);
    // The slow send was let finish: Adjust got it, and nothing after it was sent.
    expect(relay.emulator.requests().filter((r) => r.body.includes(install.deviceIds?.idfa ?? '?') && r.outcome === 'accepted').length).toBeGreaterThanOrEqual(
      6,
    );

    // Nothing findable by the user id: visibility, the workflow, each run's history, the other histories.
    expect(await count(`WorkflowId = '${userWorkflowId(userId)}'`)).toBe(0);
    expect(await count(`${SA.userId.name} = '${userId}'`)).toBe(0);
    await expect(relay.temporal.workflow.getHandle(userWorkflowId(userId)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    for (const runId of runIds) {
      await waitFor(`history of run ${runId} gone`, () =>
        relay.temporal.workflow
          .getHandle(userWorkflowId(userId), runId)
          .fetchHistory()
          .then(
            () => false,
            () => true,
          ),
      );
    }
    const remaining: string[] = [];
    for await (const wf of relay.temporal.workflow.list({ query: `TaskQueue = '${relay.taskQueue}'` })) {
      remaining.push(wf.workflowId);
      const history = await fetchDecodedHistory(relay.client, wf);
      expect(
        JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)),
        wf.workflowId,
      ).not.toContain(userId);
    }
    expect(remaining).toContain(userWorkflowId(bystander.userId));
    expect((await s2s(['status', userId])).code).toBe(EXIT.unknownUser);
    expect((await s2s(['explain', userId, 'evt_f_1'])).code).toBe(EXIT.unknownUser);

    // The audit record: the hash, counts, reason; no user id, device id, AppsFlyer id, IP or customer id.
    const text = fs.readFileSync(auditLog, 'utf8');
    expect(fs.statSync(auditLog).mode & 0o777).toBe(0o600);
    for (const personal of [userId, install.appsflyerId, install.ip, install.customerUserId, ...Object.values(install.deviceIds ?? {})])
      expect(text).not.toContain(personal as string);
    expect(auditRecords(auditLog)).toEqual([
      {
        event: 'user-forgotten',
        at: expect.any(String),
        userHash: userHash(userId),
        reason: 'GDPR request 42',
        namespace: 'default',
        taskQueue: relay.taskQueue,
        by: expect.any(String),
        workflowWasRunning: true,
        dropped: expect.any(Number),
        inFlight: 2,
        runsDeleted: runsBefore,
        ledgerEntriesDeleted: result.ledgerEntriesDeleted,
        durationMs: expect.any(Number),
      },
    ]);

    // A signup after it starts a new, empty workflow (REJECT_DUPLICATE no longer sees a closed run).
    registerInstall(relay.emulator, install);
    const again = await relay.client.signup(install);
    expect(again.status).toBe('signed-up');
    const fresh = await relay.client.status(userId);
    expect(fresh.counters).toMatchObject({ received: 0, delivered: 0, deadLettered: 0, continuedAsNew: 0 });
    expect(fresh.deadLetters).toEqual([]);
    expect(await count(`WorkflowId = '${userWorkflowId(userId)}' AND ExecutionStatus = 'Running'`)).toBeLessThanOrEqual(1);
    await relay.client.track(purchase(userId, 'evt_f_1', secondsAgo(2), '1.00')); // the same id as before: not a duplicate any more
    await statusWhen(relay, userId, 'the old event id delivered anew', (s) => s.counters.delivered === 2);
    relay.emulator.updateConfig({ adjustApps: [{ appToken: '4w565xzmb54d', eventTokens: { tr1al1: { revenue: false } } }] });
  }, 120_000);

  it('RelayClient.forget: a closed workflow is deleted without the update; the ledger hook gets the hash; unknown users and bad input are refused', async () => {
    const install = iosInstall();
    registerInstall(relay.emulator, install);
    await relay.client.signup(install);
    await relay.temporal.workflow.getHandle(userWorkflowId(install.userId)).terminate('test: a closed run');
    const hashes: string[] = [];
    const auditLog = path.join(dir, 'client.jsonl');
    const result = await relay.client.forget(install.userId, {
      auditLog,
      forgetLedgerEntries: async (hash) => {
        hashes.push(hash);
        return 3;
      },
    });
    expect(result).toMatchObject({ workflowWasRunning: false, dropped: 0, inFlight: 0, runsDeleted: 1, ledgerEntriesDeleted: 3 });
    expect(hashes).toEqual([userHash(install.userId)]);
    expect(auditRecords(auditLog)).toEqual([
      expect.objectContaining({ event: 'user-forgotten', userHash: userHash(install.userId), ledgerEntriesDeleted: 3, workflowWasRunning: false }),
    ]);
    expect(await count(`${SA.userId.name} = '${install.userId}'`)).toBe(0);

    const unknown = await s2s(['forget', install.userId], { S2S_AUDIT_LOG: auditLog });
    expect(unknown).toMatchObject({ code: EXIT.unknownUser, err: expect.stringMatching(/no s2s-relay workflow for user/) });
    const offline = await runCli(['forget', 'u1', '--reason', 'bad\u0007reason'], {
      out: () => undefined,
      err: () => undefined,
      stdin: () => '',
      connect: () => Promise.reject(new Error('must not connect')),
    });
    expect(offline).toBe(EXIT.invalidInput);
    expect((await s2s(['forget', 'u1', 'u2'])).code).toBe(EXIT.invalidInput);
    expect(auditRecords(auditLog)).toHaveLength(1); // nothing was forgotten: nothing recorded
  });
});
