// How a user workflow loads its settings (the worker's configuration for its app, without secrets). Mostly a
// local activity: cheap, and a signup's answer waits on it. But a run that starts with a carried snapshot (a
// continue-as-new, a recover) reloads them with an ordinary activity before its main loop acts. The reason is
// a race in Temporal's core SDK: a local activity that ends just as Core heartbeats a long workflow task can
// have its marker recorded in that task's completion while the workflow is told of the result only in the next
// task; on replay Core resolves it in the first. Whatever the main loop decides right after (continue as new
// at policy.maxHistoryEvents, a gate or window that opened meanwhile) then sees a different task live than on
// replay, and the run no longer replays (docs/fault-tolerance.md, "The long-life replay failure"). An
// ordinary activity's result arrives in a task of its own, the same live and on replay. The run start is where
// that decision follows at once and a run starts with buffered signals. Behind a patch, asked only by runs that
// start with a snapshot, so runs recorded before keep their local activity on replay.
import * as wf from '@temporalio/workflow';
import type { SettingsActivities, WorkflowSettings } from '../domain/settings';

/** A local activity, or an ordinary one (its result in a workflow task of its own). */
export type SettingsLoad = 'local' | 'activity';

/** The patch id: continued runs recorded before it loaded their settings with a local activity. */
export const SETTINGS_BY_ACTIVITY_PATCH = 'settings-by-activity-at-continue';

/** How a run loads its settings as it starts: asked once, before any handler is set, the same live and on replay. */
export function settingsAtStart(continued: boolean): SettingsLoad {
  return continued && wf.patched(SETTINGS_BY_ACTIVITY_PATCH) ? 'activity' : 'local';
}

const RETRY = { maximumInterval: '30 seconds' } as const;
const local = wf.proxyLocalActivities<SettingsActivities>({ startToCloseTimeout: '10 seconds', retry: RETRY });
const recorded = wf.proxyActivities<SettingsActivities>({
  startToCloseTimeout: '10 seconds',
  retry: RETRY,
  summary: "settings: the app's policy and routing, reloaded as the continued run starts",
});

/** `activity`: an ordinary activity on the workflow's own task queue; else a local activity. */
export function loadSettings(appKey: string | undefined, how: SettingsLoad): Promise<WorkflowSettings> {
  return (how === 'activity' ? recorded : local).loadSettings(appKey);
}
