// Replay when a refused signal and an update meet in one activation: a workflow task that recorded no command
// (a refund signal refused for its amount), then an update whose send leaves in the same task. With no
// workflow cache, every task replays the history first, as on a fresh worker after a crash; the core SDK then
// hands the signal and the update to the workflow together, while a replay hands them over one by one. The
// main loop waits for the handlers (workflows/handlers-first.ts), so both record the same order. Before that
// rule, this history did not replay and the user's workflow task failed on every later attempt.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { PROJECT_ROOT } from '../../../worker/paths';
import { HANDLERS_FIRST_PATCH } from '../../../workflows/handlers-first';
import { purchase, refund, secondsAgo } from '../../helpers/events';
import { replayTaskQueue, userRuns } from '../../helpers/histories';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { signedUpUser } from '../../helpers/users';
import { readHistoryFile } from '../../../bench/history-file';

const E = temporal.api.enums.v1.EventType;
/** A history the build before the rule recorded (payloads decoded): a refused refund signal, updates, a signal. */
const BEFORE_THE_RULE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'history-before-handlers-first.json');

describe('handlers answer before the main loop acts', () => {
  let relay: RelayHarness;
  beforeAll(async () => {
    relay = await startRelay({ tuning: { maxCachedWorkflows: 0 } });
  });
  afterAll(async () => {
    await relay?.stop();
  });

  it('a refused signal, then an update that sends at once: the history replays, and records the answer before the send', async () => {
    const install = await signedUpUser(relay);
    await relay.client.track(purchase(install.userId, 'evt_first', secondsAgo(30)));
    await waitFor('the first purchase delivered', async () => ((await relay.client.status(install.userId)).counters.delivered === 2 ? true : undefined));
    // More than the purchase's 4.99: refused in the workflow, recorded in its status, no command.
    await relay.client.refundSignal(refund(install.userId, 'ref_too_much', 'evt_first', '9.99', secondsAgo(25)));
    await waitFor('the refund refused', async () => ((await relay.client.status(install.userId)).counters.rejectedMessages === 1 ? true : undefined));
    // Past the settle window: its sends are scheduled by the task that accepts it.
    const answer = await relay.client.track(purchase(install.userId, 'evt_second', secondsAgo(20)));
    expect(answer.status).toBe('accepted');
    await waitFor('the second purchase delivered', async () => ((await relay.client.status(install.userId)).counters.delivered === 4 ? true : undefined));

    const [run] = await userRuns(relay.temporal, install.userId);
    const events = (await relay.temporal.workflow.getHandle(run!.workflowId, run!.runId).fetchHistory()).events ?? [];
    const types = events.map((e) => e.eventType);
    const marker = events[4]?.markerRecordedEventAttributes;
    expect(marker?.markerName, 'the run asks for the rule in its first task').toBe('core_patch');
    const patch = marker?.details?.['patch-data']?.payloads?.[0]?.data;
    expect(JSON.parse(Buffer.from(patch ?? []).toString('utf8'))).toEqual({ id: HANDLERS_FIRST_PATCH, deprecated: false });
    const accepted = events.map((e, i) => (e.eventType === E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED ? i : -1)).filter((i) => i >= 0);
    const last = accepted[accepted.length - 1]!;
    expect(types.slice(last, last + 3)).toEqual([
      E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
      E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
      E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    ]);
    const replay = await replayTaskQueue(relay.temporal, relay.taskQueue, inject('workflowBundlePath'), relay.encryption.dataConverter);
    expect(replay.failures).toEqual([]);
    expect(replay.replayed).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('a run recorded before the rule still replays as it was decided (no patch marker: the rule stays off)', async () => {
    const history = readHistoryFile(BEFORE_THE_RULE);
    const markers = (history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
    expect(markers).toEqual([]);
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, 'before-handlers-first'),
    ).resolves.toBeUndefined();
  });
});
