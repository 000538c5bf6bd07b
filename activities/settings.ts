// The `loadSettings` local activity: hands a user workflow its delivery policy and its app's routing from
// the worker's loaded configuration, without secrets (the result is recorded in workflow history).
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
