// Runs the relay's workers in this process until asked to stop: connects to Temporal (failing fast and
// clearly when it is unreachable), opens the delivery ledger (S2S_LEDGER_URL, same), installs the structured
// logger and the Prometheus endpoint, encrypts payloads when keys are configured (codec/payload-encryption.ts),
// and shuts down gracefully so in-flight sends finish (then closes the ledger). Shared by `npm run worker` and
// `npm start`.
import { NativeConnection, Runtime, type ActivityInterceptorsFactory } from '@temporalio/worker';
import { connectionOptions, type TemporalSettings } from '../client/connection';
import type { PayloadEncryption } from '../codec/payload-encryption';
import type { LoadedConfig } from './app-config';
import type { WorkerEnv } from './config';
import { openLedger, parseLedgerUrl, startLedgerExpiry, warnIfNotShared, type LedgerSetting } from './ledger';
import { StructuredLogger, toLogLevel } from './logger';
import { startMemoryGauge } from './process-gauges';
import { startVisibilityGauges } from './visibility-gauges';
import { metricsUrl, runtimeOptions } from './telemetry';
import { createRelayWorkers, shutdownGraceMs, type RelayWorkers } from './workers';
import { vendorTaskQueues } from '../domain/settings';

export interface RunningRelay {
  workers: RelayWorkers;
  /** Resolves when the workers stopped (after shutdown() or a fatal error). */
  done: Promise<void>;
  /** Where the delivery ledger is (no credentials). */
  ledger: string;
  shutdown(): Promise<void>;
}

let runtimeInstalled = false;

export function installRuntime(env: WorkerEnv): StructuredLogger {
  const logger = new StructuredLogger(toLogLevel(env.S2S_LOG_LEVEL), env.S2S_LOG_FORMAT);
  if (!runtimeInstalled) {
    // Shutdown signals are handled by the caller, so the workers drain in the order it chooses.
    Runtime.install(runtimeOptions(env, logger));
    runtimeInstalled = true;
  }
  return logger;
}

export async function connectWorker(settings: TemporalSettings): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(connectionOptions(settings));
  } catch (error) {
    throw new Error(
      `cannot reach Temporal at ${settings.TEMPORAL_ADDRESS} (namespace ${settings.TEMPORAL_NAMESPACE}): ${(error as Error).message}. ` +
        'Start a server (`npm start` runs a local dev server) or set TEMPORAL_ADDRESS and the TLS settings.',
    );
  }
}

/** Additions for harnesses (bench/chaos-worker.ts): activity interceptors after the relay's own. */
export interface RelayExtras {
  activityInterceptors?: ActivityInterceptorsFactory[];
}

export async function runRelay(
  settings: TemporalSettings,
  env: WorkerEnv,
  loaded: LoadedConfig,
  logger: StructuredLogger,
  encryption: PayloadEncryption,
  extras: RelayExtras = {},
): Promise<RunningRelay> {
  const connection = await connectWorker(settings);
  logger.hideUserIds = !loaded.config.policy.showDeviceIds;
  for (const warning of loaded.warnings) logger.warn(warning);
  const ledgerSetting = parseLedgerUrl(env.S2S_LEDGER_URL) as LedgerSetting; // validated by the env schema
  const ledger = await openLedger(ledgerSetting, logger).catch(async (error: unknown) => {
    await connection.close();
    throw error;
  });
  const stopExpiry = startLedgerExpiry(ledger, loaded.config.policy, logger);
  const workers = await createRelayWorkers({
    connection,
    namespace: settings.TEMPORAL_NAMESPACE,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    loaded,
    dataConverter: encryption.dataConverter,
    ledger,
    ...(extras.activityInterceptors ? { activityInterceptors: extras.activityInterceptors } : {}),
    ...(env.S2S_WORKFLOW_BUNDLE ? { workflowBundlePath: env.S2S_WORKFLOW_BUNDLE } : {}),
    tuning: {
      maxCachedWorkflows: env.S2S_MAX_CACHED_WORKFLOWS,
      maxConcurrentWorkflowTasks: env.S2S_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxConcurrentSends: env.S2S_MAX_CONCURRENT_SENDS,
      rateLimits: { adjust: env.S2S_ADJUST_RATE_LIMIT, appsflyer: env.S2S_APPSFLYER_RATE_LIMIT },
      taskQueueRates: { adjust: env.S2S_ADJUST_TASK_QUEUE_RATE, appsflyer: env.S2S_APPSFLYER_TASK_QUEUE_RATE },
      shutdownGraceMs: env.S2S_SHUTDOWN_GRACE ?? shutdownGraceMs(loaded.config),
    },
  });
  // Process and visibility gauges only where someone scrapes them.
  const meter = Runtime.instance().metricMeter;
  const stopGauges = env.S2S_METRICS_PORT
    ? [
        startMemoryGauge(meter),
        startVisibilityGauges(
          connection.workflowService,
          meter,
          settings.TEMPORAL_NAMESPACE,
          settings.TEMPORAL_TASK_QUEUE,
          env.S2S_VISIBILITY_METRICS_INTERVAL,
        ),
      ]
    : [];
  const done = workers.run().finally(async () => {
    for (const stop of stopGauges) stop();
    stopExpiry();
    await ledger.close().catch((error: unknown) => logger.warn('delivery ledger: error while closing', { reason: (error as Error).message }));
    await connection.close();
  });
  const identity = workers.workers[0]?.options.identity ?? '';
  logger.info('s2s-relay worker running', {
    address: settings.TEMPORAL_ADDRESS,
    namespace: settings.TEMPORAL_NAMESPACE,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    apps: Object.keys(loaded.config.apps),
    config: loaded.source,
    identity,
    ledger: ledger.description,
    metrics: metricsUrl(env) ?? 'off (set S2S_METRICS_PORT)',
    payloadEncryption: encryption.description,
    shutdownGraceMs: env.S2S_SHUTDOWN_GRACE ?? shutdownGraceMs(loaded.config),
  });
  void warnIfNotShared(
    connection,
    settings.TEMPORAL_NAMESPACE,
    Object.values(vendorTaskQueues(settings.TEMPORAL_TASK_QUEUE)),
    identity,
    ledgerSetting,
    logger,
  ).catch(() => undefined);
  return {
    workers,
    done,
    ledger: ledger.description,
    async shutdown() {
      logger.info('shutting down: finishing in-flight sends');
      await workers.shutdown();
      await done.catch(() => undefined);
    },
  };
}

/**
 * Runs the relay until it stops, draining it on SIGINT/SIGTERM. The handlers go in before startup finishes: until
 * a process listens for SIGTERM the signal kills it outright, so one sent as soon as "worker running" is logged
 * (an orchestrator, a test) must already find them. A signal during startup drains once the relay is up.
 */
export async function runUntilSignal(starting: Promise<RunningRelay>): Promise<void> {
  onShutdownSignal(async () => (await starting).shutdown());
  await (
    await starting
  ).done;
}

/** Calls `stop` once on SIGINT/SIGTERM; a second signal exits at once. */
function onShutdownSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`received ${signal} again, exiting now\n`);
      process.exit(130);
    }
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`error during shutdown: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
