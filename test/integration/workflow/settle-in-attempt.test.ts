// The settle window waited out in the combined first attempt (workflows/lane.ts, activities/settle.ts): a lone
// event costs one activity and two workflow tasks, no timer, and still reaches the vendors no earlier than its
// window allows; an earlier event that arrives inside the window makes the waiting attempt hand its batch back
// unsent, and both go in event-time order (Adjust gets the earlier one with its own time, not restamped). Runs
// recorded before, with the settle timer, still replay.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { Signup } from '../../../domain/contract/install';
import type { CombinedSendInput, CombinedSendResult } from '../../../domain/delivery';
import { PROJECT_ROOT } from '../../../worker/paths';
import { SETTLE_IN_ATTEMPT_PATCH } from '../../../workflows/sender';
import { purchase, secondsAgo } from '../../helpers/events';
import { decodedHistory, patchIds, replayTaskQueue, userRuns } from '../../helpers/histories';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { signedUpUser } from '../../helpers/users';
import { readHistoryFile } from '../../../bench/history-file';

const E = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const SETTLE_MS = 5_000;
/** A history of the build before (decoded): a lone signalled event and an update's, each sent after a settle timer. */
const BEFORE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'history-before-settle-in-attempt.json');

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { settleWindow: `${SETTLE_MS}ms` } });
});
afterAll(async () => {
  await relay?.stop();
});

const delivered = (userId: string, n: number) =>
  waitFor(`${n} deliveries for ${userId}`, async () => ((await relay.client.status(userId)).counters.delivered >= n ? true : undefined), 30_000);

async function historyOf(userId: string): Promise<HistoryEvent[]> {
  const [run] = await userRuns(relay.temporal, userId);
  return (await decodedHistory(relay.temporal, run!.workflowId, run!.runId)).events ?? [];
}

const json = (payloads: temporal.api.common.v1.IPayloads | null | undefined): unknown =>
  JSON.parse(Buffer.from(payloads?.payloads?.[0]?.data ?? []).toString('utf8'));
const firstAttempts = (events: HistoryEvent[]) => events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendFirstAttempts');
const requestsOf = (install: Signup) =>
  relay.emulator
    .requests({})
    .filter((r) =>
      r.vendor === 'adjust' ? r.params?.idfa === install.deviceIds?.idfa : (r.json as { appsflyer_id?: string })?.appsflyer_id === install.appsflyerId,
    );

describe('the settle window, waited out in the first attempt', () => {
  it('a lone event: one activity that waits out the window, no timer, two workflow tasks', async () => {
    const install = await signedUpUser(relay);
    const before = (await historyOf(install.userId)).length;
    const occurredAt = secondsAgo(0);
    await relay.client.trackSignal(purchase(install.userId, 'evt_lone', occurredAt));
    await delivered(install.userId, 2);

    const events = (await historyOf(install.userId)).slice(before);
    expect(events[0]?.eventType).toBe(E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
    expect(events.filter((e) => e.eventType === E.EVENT_TYPE_TIMER_STARTED)).toEqual([]);
    expect(events.filter((e) => e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toHaveLength(2);
    const [send, ...more] = firstAttempts(events);
    expect(more).toEqual([]);
    const input = json(send?.activityTaskScheduledEventAttributes?.input) as CombinedSendInput;
    const notBeforeMs = Date.parse(occurredAt) + SETTLE_MS;
    expect(input.adjust?.notBeforeMs).toBe(notBeforeMs);
    expect(input.appsflyer?.notBeforeMs).toBe(notBeforeMs);
    // Scheduled in the signal's own task, sent no earlier than the window allows.
    const requests = requestsOf(install);
    expect(requests.map((r) => r.status)).toEqual([200, 200]);
    for (const r of requests) expect(r.receivedAtMs).toBeGreaterThanOrEqual(notBeforeMs);
  });

  it('an earlier event arriving inside the window: the waiting attempt hands its batch back unsent, and both go in event-time order', async () => {
    const install = await signedUpUser(relay);
    const late = secondsAgo(0);
    await relay.client.trackSignal(purchase(install.userId, 'evt_later', late));
    // The first attempt is waiting out the later event's window (5 s) when the earlier event arrives.
    await waitFor('the first attempt planned', async () => ((await relay.client.status(install.userId)).lanes.adjust.inFlight.length === 1 ? true : undefined));
    const early = new Date(Date.parse(late) - 1_000).toISOString();
    await relay.client.trackSignal(purchase(install.userId, 'evt_earlier', early));
    await delivered(install.userId, 4);

    const events = await historyOf(install.userId);
    const [waited, next] = firstAttempts(events);
    const handedBack = events.find((e) => e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === waited?.eventId?.toString());
    expect(json(handedBack?.activityTaskCompletedEventAttributes?.result) as CombinedSendResult).toEqual({
      adjust: { ok: false, deferred: 'something now goes before it in its lane' },
      appsflyer: { ok: false, deferred: 'something now goes before it in its lane' },
    });
    // Planned again with the earlier event first: one batch per vendor, in event-time order.
    const again = json(next?.activityTaskScheduledEventAttributes?.input) as CombinedSendInput;
    expect(again.adjust?.items.map((i) => i.occurredAtMs)).toEqual([Date.parse(early), Date.parse(late)]);
    for (const vendor of ['adjust', 'appsflyer'] as const) {
      const sent = requestsOf(install).filter((r) => r.vendor === vendor);
      expect(sent.map((r) => r.status)).toEqual([200, 200]);
      // Each with its own time: Adjust got nothing restamped.
      const seconds = (ms: number | undefined) => Math.floor((ms ?? 0) / 1000);
      expect(sent.map((r) => seconds(r.eventTimeMs))).toEqual([seconds(Date.parse(early)), seconds(Date.parse(late))]);
    }
  });

  it('records the patch marker as the run starts; histories of the build before (settle timer) and of this one replay', async () => {
    const install = await signedUpUser(relay);
    expect(patchIds(await historyOf(install.userId))).toContain(SETTLE_IN_ATTEMPT_PATCH);

    const history = readHistoryFile(BEFORE);
    const types = (history.events ?? []).map((e) => e.eventType);
    expect(types.filter((t) => t === E.EVENT_TYPE_TIMER_STARTED).length).toBeGreaterThanOrEqual(2);
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, 'before-settle-in-attempt'),
    ).resolves.toBeUndefined();

    const replay = await replayTaskQueue(relay.temporal, relay.taskQueue, inject('workflowBundlePath'), relay.encryption.dataConverter);
    expect(replay.failures).toEqual([]);
    expect(replay.replayed).toBeGreaterThanOrEqual(3);
  });
});
