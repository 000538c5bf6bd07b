// Long life on a real server: a user whose history crosses several continue-as-new boundaries while
// signals keep arriving loses nothing and keeps order; a fresh worker (replaying from history) carries
// on; the recorded histories replay deterministically with the SDK's replayer; held events without a
// signup are dead-lettered after the configured wait and delivered by a redrive after the signup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { userWorkflowId } from '../../../domain/ids';
import { queries, type UserWorkflowInput } from '../../../domain/workflow-api';
import { purchase, secondsAgo } from '../../helpers/events';
import { decodedHistory, replayQuery, userRuns } from '../../helpers/histories';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { iosInstall, registerInstall } from '../../helpers/users';

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms', maxHistoryEvents: 25, installWaitTimeout: '3s' } });
});
afterAll(async () => {
  await relay?.stop();
});

function laneRequests(userAfId: string, idfa: string) {
  const adjust = relay.emulator.requests({ vendor: 'adjust' }).filter((r) => r.params?.idfa === idfa);
  const appsflyer = relay.emulator.requests({ vendor: 'appsflyer' }).filter((r) => (r.json as { appsflyer_id?: string })?.appsflyer_id === userAfId);
  return { adjust, appsflyer };
}

describe('long life', () => {
  const install = iosInstall();
  const total = 40;

  it('crosses several continue-as-new boundaries under a steady signal stream without losing or reordering anything', async () => {
    registerInstall(relay.emulator, install);
    await relay.client.signup(install);
    const base = Date.now() - 600_000;
    for (let i = 0; i < total; i++) {
      await relay.client.trackSignal(purchase(install.userId, `evt_stream_${i}`, new Date(base + i * 1000).toISOString(), `${i + 1}.00`));
      if (i % 5 === 4) await new Promise((r) => setTimeout(r, 150));
      // Halfway, restart on a fresh worker: it has no cached state and replays from history.
      if (i === total / 2) {
        await relay.stopWorkers();
        await relay.restartWorkers();
      }
    }
    const status = await waitFor(
      'all delivered',
      async () => {
        const s = await relay.client.status(install.userId);
        return s.counters.delivered === total * 2 ? s : undefined;
      },
      60_000,
    );
    expect(status.counters.received).toBe(total);
    expect(status.counters.continuedAsNew).toBeGreaterThanOrEqual(3);
    expect((await userRuns(relay.temporal, install.userId)).length).toBeGreaterThanOrEqual(4);

    const { adjust, appsflyer } = laneRequests(install.appsflyerId!, install.deviceIds!.idfa!);
    for (const reqs of [adjust, appsflyer]) {
      expect(reqs).toHaveLength(total);
      expect(new Set(reqs.map((r) => r.deliveryId)).size).toBe(total);
      expect(reqs.every((r) => r.status === 200)).toBe(true);
      const times = reqs.map((r) => r.eventTimeMs as number);
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }

    // A run about to continue as new starts no send (the drain would cancel it before it was scheduled), so what
    // it carries is marked as a possible resend only when a send of it was scheduled in an earlier run (and so
    // may have reached the vendor); a wrong mark would keep an earlier event from being sorted ahead of it, and
    // could count an Adjust out-of-order refusal as delivered.
    let carried = 0;
    let scheduledInputs = '';
    const runs = (await userRuns(relay.temporal, install.userId)).sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    for (const run of runs) {
      const history = await decodedHistory(relay.temporal, userWorkflowId(install.userId), run.runId);
      const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
      const snapshot = input ? (JSON.parse(Buffer.from(input).toString('utf8')) as UserWorkflowInput).snapshot : undefined;
      for (const lane of Object.values(snapshot?.lanes ?? {}))
        for (const pending of lane.queue) {
          carried += 1;
          if (pending.item.resend)
            expect(scheduledInputs, `${pending.item.deliveryId} carried as a possible resend into run ${run.runId}`).toContain(pending.item.deliveryId);
        }
      for (const event of history.events ?? []) {
        const data = event.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data;
        if (data) scheduledInputs += Buffer.from(data).toString('utf8');
      }
    }
    expect(carried, 'continue-as-new carried queued deliveries').toBeGreaterThan(0);
  });

  it('answers the status query on a fresh continued run at once, from the settings it carried', async () => {
    const user = iosInstall({ installedAt: new Date(Date.now() - 3_600_000).toISOString() });
    registerInstall(relay.emulator, user);
    await relay.client.signup(user);
    const workflowId = userWorkflowId(user.userId);
    const firstRun = (await relay.temporal.workflow.getHandle(workflowId).describe()).runId;
    // Events one at a time until the run continues as new (policy.maxHistoryEvents 25); the new run is queried
    // by its id the moment it exists: its first workflow task, before it has loaded settings of its own.
    let continued: string | undefined;
    for (let i = 0; i < 60 && !continued; i++) {
      await relay.client.trackSignal(purchase(user.userId, `evt_can_${i}`, secondsAgo(600 - i)));
      const runId = (await relay.temporal.workflow.getHandle(workflowId).describe()).runId;
      if (runId !== firstRun) continued = runId;
    }
    expect(continued, 'a continue-as-new').toBeDefined();
    const status = await relay.temporal.workflow.getHandle(workflowId, continued).query(queries.status);
    expect(status.userId).toBe(user.userId);
    expect(status.counters.continuedAsNew).toBeGreaterThanOrEqual(1);
    expect(status.installedAt).toBe(user.installedAt);
    // installedAt + policy.postInstallDelay (1 s): the carried policy, a real time.
    expect(status.gateAt).toBe(new Date(Date.parse(user.installedAt) + 1_000).toISOString());
    expect(status.gateOpen).toBe(true);
    expect(JSON.stringify(status)).not.toMatch(/Invalid Date|NaN/);
  });

  it('replays every recorded history deterministically', async () => {
    const replay = await replayQuery(
      relay.temporal,
      `WorkflowId = '${userWorkflowId(install.userId)}'`,
      inject('workflowBundlePath'),
      relay.encryption.dataConverter,
    );
    expect(replay.failures).toEqual([]);
    expect(replay.replayed).toBeGreaterThanOrEqual(4);
  });

  it('dead-letters events held without a signup after the wait, and redrives them once the user signs up', async () => {
    const late = iosInstall();
    registerInstall(relay.emulator, late);
    await relay.client.trackSignal(purchase(late.userId, 'evt_nosignup', secondsAgo(30)));
    const status = await waitFor(
      'held event dead-lettered',
      async () => {
        const s = await relay.client.status(late.userId);
        return s.deadLetters.length === 1 ? s : undefined;
      },
      15_000,
    );
    expect(status.deadLetters[0]).toMatchObject({ kind: 'track', messageId: 'evt_nosignup', id: expect.stringMatching(/^dlm_/) });
    expect(status.deadLetters[0]!.reason).toMatch(/no install context/);
    expect(status.held).toBe(0);
    await relay.client.signup(late);
    const answer = await relay.client.redrive(late.userId, ['event:evt_nosignup']);
    expect(answer.redriven).toHaveLength(1);
    await waitFor('delivered after signup + redrive', async () => (await relay.client.status(late.userId)).counters.delivered === 2, 15_000);
  });
});
