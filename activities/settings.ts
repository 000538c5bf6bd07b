// The `loadSettings` local activity: hands a user workflow its delivery policy and its app's routing from
// the worker's loaded configuration, without secrets (the result is recorded in workflow history).
import type { AppConfigFile } from '../domain/app-config';
import { workflowSettings, type SettingsActivities } from '../domain/settings';

export function createSettingsActivities(config: AppConfigFile, taskQueue: string): SettingsActivities {
  return {
    async loadSettings(app?: string) {
      return workflowSettings(config, taskQueue, app);
    },
  };
}
