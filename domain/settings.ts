// What a user workflow needs to know from the worker's configuration, with no secrets: the delivery
// policy and, for the user's app, which product events go to which vendor and how Adjust orders them.
// Loaded by the `loadSettings` local activity at the start of every run (so config changes reach running
// users at their next continue-as-new or redrive) and recorded in history as a marker.
import type { AppConfigFile } from './app-config';

export interface AdjustRouting {
  events: Record<string, { token: string; revenue: boolean; unique: boolean }>;
  refundToken?: string;
}

export interface AppsflyerRouting {
  events: Record<string, string>;
  unmappedEvents: 'pass-through' | 'skip';
  refundEventName: string;
}

export interface Routing {
  app: string;
  adjust?: AdjustRouting;
  appsflyer?: AppsflyerRouting;
}

export interface WorkflowPolicy {
  postInstallDelayMs: number;
  installWaitTimeoutMs: number;
  settleWindowMs: number;
  latePolicy: 'restamp' | 'dead-letter';
  adjustEventWindowMs: number;
  appsflyerMaxAgeMs: number;
  maxBatchSize: number;
  dedupMaxEntries: number;
  dedupMaxAgeMs: number;
  deadLetterLimit: number;
  purchaseLimit: number;
  purchaseRetentionMs: number;
  maxCarriedStateBytes: number;
  orphanRefundHoldMs: number;
  settingsRetryMs: number;
  maxHistoryEvents: number;
  showDeviceIds: boolean;
  retry: {
    initialIntervalMs: number;
    backoffCoefficient: number;
    maximumIntervalMs: number;
    attemptTimeoutMs: number;
  };
}

export interface WorkflowSettings {
  policy: WorkflowPolicy;
  /** Task queue of each vendor's send activities (separate queues so each can be rate limited). */
  taskQueues: { adjust: string; appsflyer: string };
  /** Routing for the user's app; absent until the app is known or when it is not configured. */
  routing?: Routing;
  /** Why routing is absent although an app was asked for (e.g. the app key is not configured). */
  routingError?: string;
}

const DAY = 86_400_000;

export function vendorTaskQueues(taskQueue: string): { adjust: string; appsflyer: string } {
  return { adjust: `${taskQueue}-adjust`, appsflyer: `${taskQueue}-appsflyer` };
}

export function workflowPolicy(config: AppConfigFile): WorkflowPolicy {
  const p = config.policy;
  return {
    postInstallDelayMs: p.postInstallDelay,
    installWaitTimeoutMs: p.installWaitTimeout,
    settleWindowMs: p.settleWindow,
    latePolicy: p.latePolicy,
    adjustEventWindowMs: p.adjustEventWindowDays * DAY,
    appsflyerMaxAgeMs: p.appsflyerMaxAgeDays * DAY,
    maxBatchSize: p.maxBatchSize,
    dedupMaxEntries: p.dedupMaxEntries,
    dedupMaxAgeMs: p.dedupMaxAgeDays * DAY,
    deadLetterLimit: p.deadLetterLimit,
    purchaseLimit: p.purchaseLimit,
    purchaseRetentionMs: p.purchaseRetentionDays * DAY,
    maxCarriedStateBytes: p.maxCarriedStateKiB * 1024,
    orphanRefundHoldMs: p.orphanRefundHold,
    settingsRetryMs: p.settingsRetryInterval,
    maxHistoryEvents: p.maxHistoryEvents,
    showDeviceIds: p.showDeviceIds,
    retry: {
      initialIntervalMs: p.retry.initialInterval,
      backoffCoefficient: p.retry.backoffCoefficient,
      maximumIntervalMs: p.retry.maximumInterval,
      attemptTimeoutMs: p.retry.attemptTimeout,
    },
  };
}

export function routingFor(config: AppConfigFile, app: string): Routing | undefined {
  const entry = config.apps[app];
  if (!entry) return undefined;
  return {
    app,
    adjust: entry.adjust && {
      events: Object.fromEntries(
        Object.entries(entry.adjust.events).map(([name, m]) => [name, { token: m.token, revenue: m.revenue, unique: m.unique }]),
      ),
      ...(entry.adjust.refundToken ? { refundToken: entry.adjust.refundToken } : {}),
    },
    appsflyer: entry.appsflyer && {
      events: { ...entry.appsflyer.events },
      unmappedEvents: entry.appsflyer.unmappedEvents,
      refundEventName: entry.appsflyer.refundEventName,
    },
  };
}

export function workflowSettings(config: AppConfigFile, taskQueue: string, app?: string): WorkflowSettings {
  const settings: WorkflowSettings = { policy: workflowPolicy(config), taskQueues: vendorTaskQueues(taskQueue) };
  if (app === undefined) return settings;
  const routing = routingFor(config, app);
  if (routing) settings.routing = routing;
  else settings.routingError = `app "${app}" is not in the worker's app configuration (configured: ${Object.keys(config.apps).join(', ')})`;
  return settings;
}

/** The local activity that hands a workflow its settings (runs on the workflow worker). */
export interface SettingsActivities {
  loadSettings(app?: string): Promise<WorkflowSettings>;
}
