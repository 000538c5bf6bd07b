// policy.idleContinueAsNewEvents on a real server: a run past the cap continues as new once the user is idle, so
// the next cache miss replays a short run; it never does while a delivery waits (here: Adjust failing, its retry
// pending), and nothing is lost or sent twice across the boundary.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Signup } from '../../../domain/contract/install';
import { userWorkflowId } from '../../../domain/ids';
import { purchase, secondsAgo } from '../../helpers/events';
import { decodedHistory, userRuns } from '../../helpers/histories';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { signedUpUser } from '../../helpers/users';

const IDLE_CAP = 30;
let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms', idleContinueAsNewEvents: IDLE_CAP } });
});
afterEach(() => relay.emulator.setFaults({}));
afterAll(async () => {
  await relay?.stop();
});

/** How a run ended, from the server's own record of it (visibility, which lists the runs, may still say running). */
async function statusOf(userId: string, runId: string) {
  return (await relay.temporal.workflow.getHandle(userWorkflowId(userId), runId).describe()).status.name;
}

async function delivered(userId: string, count: number) {
  return waitFor(`${count} deliveries for ${userId}`, async () => {
    const s = await relay.client.status(userId);
    return s.counters.delivered === count && s.pending === 0 ? s : undefined;
  });
}

/** The user's accepted requests at each vendor: each event exactly once per vendor. */
function expectEachOnce(user: Signup, events: number) {
  const adjust = relay.emulator.requests({ vendor: 'adjust' }).filter((r) => r.params?.idfa === user.deviceIds?.idfa && r.status === 200);
  const appsflyer = relay.emulator
    .requests({ vendor: 'appsflyer' })
    .filter((r) => (r.json as { appsflyer_id?: string } | undefined)?.appsflyer_id === user.appsflyerId && r.status === 200);
  for (const requests of [adjust, appsflyer]) {
    expect(requests).toHaveLength(events);
    expect(new Set(requests.map((r) => r.deliveryId)).size).toBe(events);
  }
}

async function runsOldestFirst(userId: string) {
  return (await userRuns(relay.temporal, userId)).sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

describe('continue-as-new once idle (policy.idleContinueAsNewEvents)', () => {
  it('ends a run past the cap once its sends are done, and the user carries on in the next', async () => {
    const user = await signedUpUser(relay);
    const workflowId = userWorkflowId(user.userId);
    let sent = 0;
    while ((await runsOldestFirst(user.userId)).length < 2 && sent < 6) {
      sent += 1;
      await relay.client.trackSignal(purchase(user.userId, `evt_idle_${sent}`, secondsAgo(0)));
      await delivered(user.userId, 2 * sent);
      await waitFor('the run to settle', async () => ((await relay.client.status(user.userId)).pending === 0 ? true : undefined));
    }
    const runs = await waitFor('a second run', async () => {
      const r = await runsOldestFirst(user.userId);
      return r.length >= 2 ? r : undefined;
    });
    expect(sent, 'events before the run passed the cap').toBeGreaterThan(1);
    expect(await statusOf(user.userId, runs[0]!.runId)).toBe('CONTINUED_AS_NEW');

    // The first run ended past the cap, with every send it scheduled completed: nothing was cut short.
    const first = (await decodedHistory(relay.temporal, workflowId, runs[0]!.runId)).events ?? [];
    expect(first.length).toBeGreaterThanOrEqual(IDLE_CAP);
    const scheduled = first.filter((e) => e.activityTaskScheduledEventAttributes).length;
    expect(scheduled).toBeGreaterThan(0);
    expect(first.filter((e) => e.activityTaskCompletedEventAttributes)).toHaveLength(scheduled);
    expect(first.some((e) => e.activityTaskCancelRequestedEventAttributes || e.activityTaskCanceledEventAttributes)).toBe(false);

    // The next event goes out from the new run, and the counters came along.
    await relay.client.trackSignal(purchase(user.userId, 'evt_idle_after', secondsAgo(0)));
    const status = await delivered(user.userId, 2 * (sent + 1));
    expect(status.counters.continuedAsNew).toBeGreaterThanOrEqual(1);
    const current = (await decodedHistory(relay.temporal, workflowId)).events ?? [];
    expect(current.length, 'the new run is short').toBeLessThan(IDLE_CAP);
    expect(current.some((e) => e.activityTaskCompletedEventAttributes)).toBe(true);
    expectEachOnce(user, sent + 1);
  });

  it('does not end a run while a delivery waits to be retried', async () => {
    const user = await signedUpUser(relay);
    relay.emulator.setFaults({ adjust: { error5xx: 1 } });
    // Enough events to pass the cap while Adjust keeps failing: AppsFlyer delivers, Adjust's lane retries.
    for (let i = 1; i <= 4; i++) await relay.client.trackSignal(purchase(user.userId, `evt_busy_${i}`, secondsAgo(0)));
    await waitFor('AppsFlyer delivered, Adjust failing', async () => {
      const s = await relay.client.status(user.userId);
      return s.counters.delivered === 4 && relay.emulator.requests({ vendor: 'adjust' }).filter((r) => r.status === 500).length >= 3 ? s : undefined;
    });
    const events = (await decodedHistory(relay.temporal, userWorkflowId(user.userId))).events ?? [];
    expect(events.length, 'past the cap').toBeGreaterThanOrEqual(IDLE_CAP);
    expect(await runsOldestFirst(user.userId)).toHaveLength(1);

    relay.emulator.setFaults({});
    await delivered(user.userId, 8);
    const runs = await waitFor('a second run once idle', async () => {
      const r = await runsOldestFirst(user.userId);
      return r.length >= 2 ? r : undefined;
    });
    expect(await statusOf(user.userId, runs[0]!.runId)).toBe('CONTINUED_AS_NEW');
    expectEachOnce(user, 4);
  });
});
