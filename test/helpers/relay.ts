// Test harness: the real relay (workers from worker/workers.ts, the typed client) against the run's
// Temporal dev server and an in-process vendor emulator, with the demo app configuration pointed at it.
// Payloads are encrypted as in production when keys are configured: the test run sets S2S_PAYLOAD_KEYS to a
// key of its own (vitest.config.mts), so every history the harness writes is encrypted.
// stop() replays every user-workflow history the harness produced, so each test file checks determinism.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import YAML from 'yaml';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import type { RelayConfigInput } from '../../domain/config';
import type { DeliveryLedger } from '../../activities/ledger/ledger';
import { RelayClient } from '../../client/relay-client';
import { readPayloadEncryption, type PayloadEncryption } from '../../codec/payload-encryption';
import { startEmulator, type Emulator, type StartEmulatorOptions } from '../../emulator/server';
import type { RecordedRequest } from '../../emulator/record';
import { resolveAppConfig, type LoadedConfig } from '../../worker/app-config';
import { PROJECT_ROOT } from '../../worker/paths';
import { createRelayWorkers, type RelayWorkers, type WorkerTuning } from '../../worker/workers';
import { replayTaskQueue, type ReplayReport } from './histories';
import { testLedger } from './ledger';

export const DEMO_SECRETS = {
  DEMO_APPSFLYER_KEY: 'demo-appsflyer-s2s-key',
  DEMO_ADJUST_ANDROID_S2S_TOKEN: 'demo-adjust-s2s-token',
};

let runtimeInstalled = false;
/** Installs the SDK runtime with a quiet logger, once per test process. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger((process.env.S2S_TEST_LOG_LEVEL?.toUpperCase() as 'DEBUG' | 'WARN' | undefined) ?? 'ERROR') });
  } catch {
    // already installed by another helper in this worker process
  }
}

export function demoAppConfig(emulatorUrl: string, policy: Record<string, unknown> = {}): RelayConfigInput {
  const demo = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'config', 'demo.yaml'), 'utf8')) as RelayConfigInput & { policy?: Record<string, unknown> };
  return {
    ...demo,
    vendors: { adjustBaseUrl: `${emulatorUrl}/adjust`, appsflyerApi3BaseUrl: `${emulatorUrl}/appsflyer`, appsflyerApi2BaseUrl: `${emulatorUrl}/appsflyer` },
    policy: { ...(demo.policy ?? {}), ...policy },
  } as RelayConfigInput;
}

/** Fast policy for tests: a short gate and settle window, quick retries. */
export const TEST_POLICY = {
  postInstallDelay: '2s',
  settleWindow: '200ms',
  retry: {
    initialInterval: '200ms',
    maximumInterval: '1s',
    misconfiguredInterval: '1s',
    deviceNotFoundInterval: '500ms',
    deviceNotFoundMaxAge: '5s',
    attemptTimeout: '15s',
  },
};

export interface RelayHarness {
  client: RelayClient;
  /** A client of the harness's workflows, with the payload codec (fetchHistory still returns payloads as stored). */
  temporal: Client;
  encryption: PayloadEncryption;
  taskQueue: string;
  emulator: Emulator;
  /** The delivery ledger the workers use. */
  ledger: DeliveryLedger;
  loaded: LoadedConfig;
  workers: RelayWorkers;
  /** Stops the workers only (the workflows stay on the server), e.g. to restart on a fresh worker. */
  stopWorkers(): Promise<void>;
  /** Starts workers again on the same task queue (fresh process state: replays from history), optionally with a new app configuration. */
  restartWorkers(appConfig?: RelayConfigInput): Promise<void>;
  stop(): Promise<void>;
}

export interface StartRelayOptions {
  policy?: Record<string, unknown>;
  /** Replace the whole app configuration (vendors are still pointed at the emulator). */
  appConfig?: (emulatorUrl: string) => RelayConfigInput;
  emulator?: StartEmulatorOptions;
  tuning?: WorkerTuning;
  /** The delivery ledger (default: the test process's embedded one, test/helpers/ledger.ts). */
  ledger?: DeliveryLedger;
}

export async function startRelay(options: StartRelayOptions = {}): Promise<RelayHarness> {
  quietRuntime();
  const address = inject('temporalAddress');
  const emulator = await startEmulator({ quiet: true, ...options.emulator });
  const input = options.appConfig ? options.appConfig(emulator.url) : demoAppConfig(emulator.url, { ...TEST_POLICY, ...options.policy });
  let loaded = resolveAppConfig(input, { ...DEMO_SECRETS }, 'test configuration');
  const taskQueue = `test-${randomUUID()}`;
  const encryption = readPayloadEncryption();
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection, dataConverter: encryption.dataConverter });
  const client = new RelayClient(temporal, { taskQueue });
  const ledger = options.ledger ?? (await testLedger());
  const makeWorkers = () =>
    createRelayWorkers({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      loaded,
      dataConverter: encryption.dataConverter,
      ledger,
      workflowBundlePath: inject('workflowBundlePath'),
      ...(options.tuning ? { tuning: options.tuning } : {}),
    });
  let workers = await makeWorkers();
  let running = workers.run();
  const harness: RelayHarness = {
    client,
    temporal,
    encryption,
    ledger,
    taskQueue,
    emulator,
    get loaded() {
      return loaded;
    },
    get workers() {
      return workers;
    },
    async stopWorkers() {
      await workers.shutdown();
      await running;
    },
    async restartWorkers(appConfig) {
      if (appConfig) loaded = resolveAppConfig(appConfig, { ...DEMO_SECRETS }, 'test configuration');
      workers = await makeWorkers();
      running = workers.run();
    },
    async stop() {
      await workers.shutdown().catch(() => undefined);
      await running.catch(() => undefined);
      let replay: ReplayReport | undefined;
      try {
        // Every history this harness's workflows wrote must replay on the current code (determinism).
        replay = await replayTaskQueue(temporal, taskQueue, inject('workflowBundlePath'), encryption.dataConverter);
      } finally {
        await connection.close();
        await nativeConnection.close();
        await emulator.close();
      }
      if (replay.failures.length > 0)
        throw new Error(`${replay.failures.length} of ${replay.replayed} histories do not replay deterministically:\n${replay.failures.join('\n')}`);
    },
  };
  return harness;
}

/** Polls `probe` until it returns a value other than undefined/false, or fails with `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Vendor requests the emulator recorded for a delivery id. */
export function requestsFor(emulator: Emulator, deliveryId: string): RecordedRequest[] {
  return emulator.requests({ deliveryId }) as RecordedRequest[];
}

let userCounter = 0;
/** A unique user id per test run. */
export function testUserId(prefix = 'user'): string {
  userCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${userCounter}-${randomUUID().slice(0, 6)}`;
}

export function minutesAgo(min: number): string {
  return new Date(Date.now() - min * 60_000).toISOString();
}
