// The `loadSettings` activity: hands a user workflow its delivery policy and its app's routing from the
// worker's loaded configuration, without secrets (the result is recorded in workflow history). Registered on
// the workflows' task queue, where the workflow runs it as a local activity or, at a continued run's start,
// as an ordinary one (workflows/settings-load.ts).
import type { RelayConfig } from '../domain/config';
import type { Destination } from '../domain/delivery';
import { workflowSettings, type SettingsActivities } from '../domain/settings';

/** `rateLimited`: the vendors this worker rate limits (their sends all go through their task queues). */
export function createSettingsActivities(config: RelayConfig, taskQueue: string, rateLimited: readonly Destination[] = []): SettingsActivities {
  return {
    async loadSettings(app?: string) {
      return workflowSettings(config, taskQueue, app, rateLimited);
    },
  };
}
