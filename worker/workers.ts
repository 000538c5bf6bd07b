// Assembles the worker processes' Temporal workers: one for user workflows (with the loadSettings activity
// and the combined first send attempt) and one per vendor for the send activities, each on its own
// task queue so a vendor can be rate limited on its own. Used by `npm run worker`, `npm start`, the tests and the harnesses alike.
// Vendor workers always carry the relay's activity interceptors (log attributes, metrics) and drain
// in-flight sends on shutdown for up to one attempt timeout (plus a margin) before cancelling them.
// A rate-limited vendor paces its requests and hands out activity slots only while the pacer keeps up.
import type { DataConverter } from '@temporalio/common';
import { Runtime, Worker, type ActivityInterceptorsFactory, type NativeConnection } from '@temporalio/worker';
import type { RelayConfig } from '../domain/config';
import { DESTINATIONS } from '../domain/delivery';
import { vendorTaskQueues } from '../domain/settings';
import type { DeliveryLedger } from '../activities/ledger/ledger';
import { parseRateLimit, RequestPacer, UNLIMITED, type RateLimit } from '../activities/rate-limit';
import { createSendActivities } from '../activities/send';
import { createForgetActivities } from '../activities/forget';
import { createSettingsActivities } from '../activities/settings';
import { relayActivityInterceptors } from './activity-interceptors';
import type { LoadedConfig } from './app-config';
import { buildWorkflowBundle } from './bundle';
import { exportZeroBaseline } from './metric-baseline';
import { PacedActivitySlots } from './paced-slots';

export type RateLimitSetting = number | string | RateLimit;

/** The pacer schedule of a rate-limit setting; a bad text fails loudly (the env schema validated it already). */
export function toRateLimit(setting: RateLimitSetting | undefined): RateLimit {
  if (setting === undefined) return UNLIMITED;
  if (typeof setting === 'number') return { perSecond: setting };
  if (typeof setting !== 'string') return setting;
  const parsed = parseRateLimit(setting);
  if (typeof parsed === 'string') throw new Error(`invalid rate limit: ${parsed}`);
  return parsed;
}

export interface WorkerTuning {
  maxCachedWorkflows?: number;
  maxConcurrentWorkflowTasks?: number;
  maxConcurrentSends?: number;
  /**
   * Vendor requests per second per worker process (retries included), optionally ramping up: a number,
   * the text of S2S_<VENDOR>_RATE_LIMIT ("500", "100 to 500 by 20 every 1m") or a RateLimit (0 = unlimited).
   */
  rateLimits?: { adjust?: RateLimitSetting; appsflyer?: RateLimitSetting };
  /**
   * Send activities per second on each vendor's task queue, enforced by the Temporal server for all worker
   * replicas together (maxTaskQueueActivitiesPerSecond). Bounds activities, not requests: each activity sends
   * up to policy.maxBatchSize requests. A cluster-wide ceiling next to the per-process request pacing above.
   */
  taskQueueRates?: { adjust?: number; appsflyer?: number };
  /** How long in-flight sends may finish after shutdown() before they are cancelled (default: see shutdownGraceMs). */
  shutdownGraceMs?: number;
}

/**
 * Activity slots on the workflows' worker for first attempts waiting out their settle window (about 2 s each,
 * at most 10 s): 1,000 lets one worker start 500 lone events a second with the default window.
 */
export const SETTLING_ATTEMPT_SLOTS = 1_000;

/** Margin on top of one send attempt's timeout, so an attempt that started just before shutdown can finish. */
const SHUTDOWN_MARGIN_MS = 5_000;

/** Default drain time: one whole attempt (every HTTP timeout is validated to be shorter) plus a margin. */
export function shutdownGraceMs(config: RelayConfig): number {
  return config.policy.retry.attemptTimeout + SHUTDOWN_MARGIN_MS;
}

export interface RelayWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  loaded: LoadedConfig;
  /** Accepted deliveries, asked before and written right after every send (the caller opens and closes it). */
  ledger: DeliveryLedger;
  /** A prebuilt workflow bundle (tests, harnesses); otherwise the workflows are bundled at startup. */
  workflowBundlePath?: string;
  tuning?: WorkerTuning;
  identity?: string;
  /** More activity interceptors for the vendor workers, after the relay's own (log attributes, metrics). */
  activityInterceptors?: ActivityInterceptorsFactory[];
  /** The payload codec (codec/payload-encryption.ts) for every worker; clients must use the same one. */
  dataConverter?: DataConverter;
}

export interface RelayWorkers {
  workers: Worker[];
  /** Runs until shutdown; rejects if any worker fails. */
  run(): Promise<void>;
  /** Stops polling, lets in-flight tasks finish, then closes the HTTP pools. */
  shutdown(): Promise<void>;
}

export async function createRelayWorkers(opts: RelayWorkerOptions): Promise<RelayWorkers> {
  const { connection, namespace, taskQueue, loaded, tuning = {} } = opts;
  const queues = vendorTaskQueues(taskQueue);
  const pacers = { adjust: new RequestPacer(toRateLimit(tuning.rateLimits?.adjust)), appsflyer: new RequestPacer(toRateLimit(tuning.rateLimits?.appsflyer)) };
  const maxSends = tuning.maxConcurrentSends ?? 200;
  const send = createSendActivities(loaded, { ledger: opts.ledger, pacers, firstAttemptSends: maxSends });
  const common = {
    connection,
    namespace,
    ...(opts.identity ? { identity: opts.identity } : {}),
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
  };
  const graceMs = tuning.shutdownGraceMs ?? shutdownGraceMs(loaded.config);
  const rateLimited = DESTINATIONS.filter((d) => pacers[d].limited || !!tuning.taskQueueRates?.[d]);
  const interceptors = [relayActivityInterceptors({ showUserIds: loaded.config.policy.showDeviceIds }), ...(opts.activityInterceptors ?? [])];
  // On the workflows' task queue: loadSettings (local, or ordinary at a continued run's start), the
  // forgetLedgerEntries local activity, and the combined first send attempt (policy.firstSendAttempt), on the
  // same pacers, ledger and HTTP pools as the vendor workers.
  const workflowWorker = await Worker.create({
    ...common,
    taskQueue,
    workflowBundle: opts.workflowBundlePath ? { codePath: opts.workflowBundlePath } : { code: await buildWorkflowBundle() },
    activities: {
      ...createSettingsActivities(loaded.config, taskQueue, rateLimited),
      ...createForgetActivities(opts.ledger),
      sendFirstAttempts: send.activities.sendFirstAttempts,
    },
    interceptors: { activity: interceptors },
    maxCachedWorkflows: tuning.maxCachedWorkflows ?? 2000,
    maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTasks ?? 100,
    // First attempts waiting out their settle window hold a slot but send nothing: room for them on top of the
    // sends, which activities/send-slots.ts keeps to maxSends.
    maxConcurrentActivityTaskExecutions: maxSends + SETTLING_ATTEMPT_SLOTS,
    shutdownGraceTime: graceMs,
    shutdownForceTime: graceMs + 15_000,
  });
  const vendorWorker = (queue: string, activities: object, pacer: RequestPacer, taskQueueRate: number | undefined) =>
    Worker.create({
      ...common,
      taskQueue: queue,
      activities,
      interceptors: { activity: interceptors },
      ...(taskQueueRate ? { maxTaskQueueActivitiesPerSecond: taskQueueRate } : {}),
      ...(pacer.limited
        ? {
            tuner: {
              activityTaskSlotSupplier: new PacedActivitySlots(pacer, maxSends),
              workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 2 },
              localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
              nexusTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
            },
          }
        : { maxConcurrentActivityTaskExecutions: maxSends }),
      shutdownGraceTime: graceMs,
      // Past this the worker gives up waiting (an activity ignoring cancellation); the process then exits.
      shutdownForceTime: graceMs + 15_000,
    });
  const adjustWorker = await vendorWorker(queues.adjust, { sendToAdjust: send.activities.sendToAdjust }, pacers.adjust, tuning.taskQueueRates?.adjust);
  const appsflyerWorker = await vendorWorker(
    queues.appsflyer,
    { sendToAppsflyer: send.activities.sendToAppsflyer },
    pacers.appsflyer,
    tuning.taskQueueRates?.appsflyer,
  );
  const workers = [workflowWorker, adjustWorker, appsflyerWorker];
  exportZeroBaseline(Runtime.instance().metricMeter, namespace, taskQueue);

  let running: Promise<void> | undefined;
  return {
    workers,
    run() {
      running ??= Promise.all(workers.map((w) => w.run())).then(async () => {
        await send.close();
      });
      return running;
    },
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    },
  };
}
