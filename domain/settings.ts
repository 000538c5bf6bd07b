// What a user workflow knows of the relay's configuration: the delivery policy as configured (the same
// shape as the file's `policy`), its app's configuration without secrets, and each vendor's task queue.
// Loaded by the `loadSettings` activity (local, or ordinary at the start of a continued run:
// workflows/settings-load.ts) at the start of every run and whenever the user's app changes, carried across
// continue-as-new, recorded in history (so: never a secret).
import { DEFAULT_POLICY, publicAppConfig, type Policy, type PublicAppConfig, type RelayConfig } from './config';
import { DESTINATIONS, type Destination } from './delivery';

export interface WorkflowSettings {
  policy: Policy;
  /** Task queue of each vendor's send activities (separate queues so each can be rate limited). */
  taskQueues: { adjust: string; appsflyer: string };
  /**
   * Vendors whose first attempts go in the combined first attempt on the workflows' worker: policy.firstSendAttempt
   * is `local` or `combined` and the worker does not rate limit the vendor (its limits are on the vendor's task queue).
   */
  combinedFirstAttempt: Destination[];
  /** The key of the app these settings were loaded for (absent: loaded before the user's app was known). */
  appKey?: string;
  /** The user's app, when the configuration has it. */
  app?: PublicAppConfig;
  /** Why `app` is absent although an app was asked for (the key is not configured). */
  appProblem?: string;
}

export function vendorTaskQueues(taskQueue: string): WorkflowSettings['taskQueues'] {
  return { adjust: `${taskQueue}-adjust`, appsflyer: `${taskQueue}-appsflyer` };
}

/** The settings of a workflow that has not loaded any yet: the schema's default policy, no app. */
export function defaultSettings(taskQueue: string): WorkflowSettings {
  return { policy: DEFAULT_POLICY, taskQueues: vendorTaskQueues(taskQueue), combinedFirstAttempt: [] };
}

/** A workflow's settings from the worker's configuration; `rateLimited`: the vendors the worker rate limits. */
export function workflowSettings(config: RelayConfig, taskQueue: string, appKey?: string, rateLimited: readonly Destination[] = []): WorkflowSettings {
  const combinedFirstAttempt = config.policy.firstSendAttempt !== 'per-vendor' ? DESTINATIONS.filter((d) => !rateLimited.includes(d)) : [];
  const settings: WorkflowSettings = { policy: config.policy, taskQueues: vendorTaskQueues(taskQueue), combinedFirstAttempt };
  if (appKey === undefined) return settings;
  settings.appKey = appKey;
  const app = config.apps[appKey];
  if (app) settings.app = publicAppConfig(app);
  else settings.appProblem = `app "${appKey}" is not in the relay configuration (configured: ${Object.keys(config.apps).join(', ')})`;
  return settings;
}

/** The activity that hands a workflow its settings (on the workflows' task queue, run locally or not). */
export interface SettingsActivities {
  loadSettings(appKey?: string): Promise<WorkflowSettings>;
}
