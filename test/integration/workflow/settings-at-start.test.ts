// A run that continues a user (continue-as-new, recover) reloads its settings with an ordinary activity before
// its main loop acts, not a local activity (workflows/settings-load.ts: a local activity that ends as Core
// heartbeats the task can be resolved in a different task live than on replay), behind a patch; a run
// recorded before, which loaded them with a local activity, still replays.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { userWorkflowId, type UserWorkflowInput } from '../../../domain/workflow-api';
import { SETTINGS_BY_ACTIVITY_PATCH } from '../../../workflows/settings-load';
import { PROJECT_ROOT } from '../../../worker/paths';
import { purchase } from '../../helpers/events';
import { decodedHistory, historyOutline, patchIds, userRuns } from '../../helpers/histories';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { signedUpUser } from '../../helpers/users';
import { readHistoryFile } from '../../../bench/history-file';

const E = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
/** A continued run of the build before (decoded): its settings loaded by a local activity as it started. */
const BEFORE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'history-before-settings-activity.json');

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms', maxHistoryEvents: 25 } });
});
afterAll(async () => {
  await relay?.stop();
});

const inputOf = (events: HistoryEvent[]) =>
  JSON.parse(Buffer.from(events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data ?? []).toString('utf8')) as UserWorkflowInput;
const scheduled = (events: HistoryEvent[]) => events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
const localActivityMarkers = (events: HistoryEvent[]) => events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');

describe("a continued run's settings", () => {
  it('are reloaded by an ordinary activity, the first thing the run schedules, and the user goes on delivering', async () => {
    const install = await signedUpUser(relay);
    const base = Date.now() - 600_000;
    const total = 12;
    for (let i = 0; i < total; i++) {
      await relay.client.trackSignal(purchase(install.userId, `evt_cont_${i}`, new Date(base + i * 1000).toISOString()));
      await waitFor(`event ${i} delivered`, async () => ((await relay.client.status(install.userId)).counters.delivered >= 2 * (i + 1) ? true : undefined));
    }
    const runs = (await userRuns(relay.temporal, install.userId)).sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    expect(runs.length).toBeGreaterThanOrEqual(2);

    const [first, ...continued] = await Promise.all(
      runs.map(async (r) => (await decodedHistory(relay.temporal, userWorkflowId(install.userId), r.runId)).events ?? []),
    );
    // The first run (started by the signup) loads them with a local activity: the signup's answer waits on it.
    expect(patchIds(first!)).not.toContain(SETTINGS_BY_ACTIVITY_PATCH);
    expect(localActivityMarkers(first!).length).toBeGreaterThanOrEqual(1);
    for (const events of continued) {
      const outline = historyOutline(events);
      expect(inputOf(events).snapshot, outline).toBeDefined();
      expect(patchIds(events), outline).toContain(SETTINGS_BY_ACTIVITY_PATCH);
      expect(localActivityMarkers(events), outline).toEqual([]);
      expect(scheduled(events)[0], outline).toBe('loadSettings');
      // What the Temporal UI shows for it.
      const load = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'loadSettings');
      expect(Buffer.from(load?.userMetadata?.summary?.data ?? []).toString('utf8')).toMatch(/settings: .* reloaded as the continued run starts/);
      // The load's result arrives in a task of its own, before which the run scheduled nothing else.
      const loadDone = events.findIndex((e) => e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
      expect(scheduled(events.slice(0, loadDone)), outline).toEqual(['loadSettings']);
    }
    const status = await relay.client.status(install.userId);
    expect(status.counters).toMatchObject({ received: total, delivered: 2 * total });
    expect(status.counters.continuedAsNew).toBeGreaterThanOrEqual(1);
  });

  it('are reloaded the same way in a run recovered from a closed one', async () => {
    const install = await signedUpUser(relay);
    await relay.temporal.workflow.getHandle(userWorkflowId(install.userId)).terminate('test: recover');
    const recovered = await relay.client.recover(install.userId);
    await waitFor('the recovered run loads its settings', async () => {
      const now = (await decodedHistory(relay.temporal, userWorkflowId(install.userId), recovered.runId)).events ?? [];
      return now.some((e) => e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) ? now : undefined;
    });
    const now = (await decodedHistory(relay.temporal, userWorkflowId(install.userId), recovered.runId)).events ?? [];
    expect(inputOf(now).snapshot).toBeDefined();
    expect(patchIds(now)).toContain(SETTINGS_BY_ACTIVITY_PATCH);
    expect(scheduled(now)[0]).toBe('loadSettings');
    expect(localActivityMarkers(now)).toEqual([]);
  });

  it('a continued run of the build before (settings by a local activity) still replays', async () => {
    const history = readHistoryFile(BEFORE);
    const events = history.events ?? [];
    expect(inputOf(events).snapshot).toBeDefined();
    expect(patchIds(events)).not.toContain(SETTINGS_BY_ACTIVITY_PATCH);
    expect(localActivityMarkers(events)).toHaveLength(1);
    expect(scheduled(events)).not.toContain('loadSettings');
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, 'before-settings-activity'),
    ).resolves.toBeUndefined();
  });
});
