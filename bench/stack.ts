// The embedded default stack for the harnesses, on ports of its own: a Temporal dev server (started on free
// ports with a database file in the run directory, or one already running at --temporal), the vendor
// emulator in this process, the prebuilt workflow bundle, and relay workers as `worker/main.ts` children.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { vendorTaskQueues } from '../domain/settings';
import type { AppConfigFileInput } from '../domain/app-config';
import { defaultEmulatorConfig } from '../emulator/config';
import { startEmulator, type Emulator } from '../emulator/server';
import { buildWorkflowBundle } from '../worker/bundle';
import type { DevServer } from '../worker/dev-server';
import { freePort } from '../worker/net';
import { PROJECT_ROOT } from '../worker/paths';
import { ensureSearchAttributes } from '../worker/search-attributes';
import { spawnTsx, type Cleanup, type ManagedChild } from './processes';
import { startBenchServer } from './temporal-server';

export const DEMO_SECRETS = { DEMO_APPSFLYER_KEY: 'demo-appsflyer-s2s-key', DEMO_ADJUST_ANDROID_S2S_TOKEN: 'demo-adjust-s2s-token' };

export interface TemporalEndpoint {
  address: string;
  /** Set when the harness started the server (so it can measure, restart or stop it). */
  server?: DevServer;
  port?: number;
  dbFile?: string;
  logFile?: string;
}

/**
 * Uses the server at `address`, or starts a dev server on a free port: with its SQLite database in a file
 * in `runDir` (`persist`, needed to restart it) or in memory (the dev server's default, no fsync per write).
 */
export async function startTemporal(cleanup: Cleanup, runDir: string, address?: string, persist = false): Promise<TemporalEndpoint> {
  if (address) {
    const connection = await Connection.connect({ address, connectTimeout: 5_000 }).catch((error: unknown) => {
      throw new Error(`cannot reach the Temporal server at --temporal ${address}: ${(error as Error).message}`);
    });
    await ensureSearchAttributes(connection, 'default');
    await connection.close();
    return { address };
  }
  const port = await freePort();
  const logFile = path.join(runDir, 'temporal-server.log');
  const endpoint: TemporalEndpoint = { address: `127.0.0.1:${port}`, port, logFile, ...(persist ? { dbFile: path.join(runDir, 'temporal.sqlite') } : {}) };
  await restartTemporal(cleanup, endpoint);
  return endpoint;
}

/** (Re)starts the harness's dev server on the same port and database file. */
export async function restartTemporal(cleanup: Cleanup, endpoint: TemporalEndpoint): Promise<void> {
  if (endpoint.port === undefined) throw new Error('the harness did not start this Temporal server, so it cannot restart it');
  endpoint.server = await startBenchServer({ port: endpoint.port, logFile: endpoint.logFile ?? '/dev/null', ...(endpoint.dbFile ? { dbFile: endpoint.dbFile } : {}) });
  const server = endpoint.server;
  cleanup.add('temporal', () => server.stop(), server.process.pid);
}

export async function startBenchEmulator(cleanup: Cleanup, maxRecordedRequests: number): Promise<Emulator> {
  const emulator = await startEmulator({ port: 0, quiet: true, config: { ...defaultEmulatorConfig, maxRecordedRequests } });
  cleanup.add('emulator', () => emulator.close());
  return emulator;
}

/** Bundles the relay's workflows once, so every worker start (and restart) skips webpack. */
export async function writeRelayBundle(runDir: string): Promise<string> {
  const file = path.join(runDir, 'relay-workflow-bundle.js');
  fs.writeFileSync(file, await buildWorkflowBundle());
  return file;
}

/** The demo apps (config/demo.yaml) with their vendors pointed at the emulator and the given policy/http. */
export function benchAppConfig(emulatorUrl: string, policy: Record<string, unknown>, http: Record<string, unknown> = {}): AppConfigFileInput {
  const demo = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'config', 'demo.yaml'), 'utf8')) as { apps: AppConfigFileInput['apps']; policy?: Record<string, unknown> };
  return {
    apps: demo.apps,
    vendors: { adjustBaseUrl: `${emulatorUrl}/adjust`, appsflyerApi3BaseUrl: `${emulatorUrl}/appsflyer`, appsflyerApi2BaseUrl: `${emulatorUrl}/appsflyer` },
    http: http as AppConfigFileInput['http'],
    policy: { ...(demo.policy ?? {}), ...policy } as AppConfigFileInput['policy'],
  };
}

export interface RelayWorkerSpec {
  runDir: string;
  name: string;
  temporalAddress: string;
  taskQueue: string;
  appConfig: AppConfigFileInput;
  bundlePath: string;
  /** Extra worker environment (S2S_MAX_CACHED_WORKFLOWS, S2S_APPSFLYER_RATE_LIMIT, S2S_LOG_LEVEL, ...). */
  env?: Record<string, string>;
  /** Extra node flags for the worker process (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

/** Starts `worker/main.ts` (what `npm run worker` runs) as a child and waits until it polls. */
export async function startRelayWorker(cleanup: Cleanup, spec: RelayWorkerSpec): Promise<ManagedChild> {
  const configFile = path.join(spec.runDir, `${spec.name}.app-config.json`);
  fs.writeFileSync(configFile, JSON.stringify(spec.appConfig, null, 2));
  const child = spawnTsx({
    name: spec.name,
    script: 'worker/main.ts',
    logFile: path.join(spec.runDir, `${spec.name}.log`),
    ...(spec.nodeArgs ? { nodeArgs: spec.nodeArgs } : {}),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...DEMO_SECRETS,
      TEMPORAL_ADDRESS: spec.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: spec.taskQueue,
      S2S_APP_CONFIG: configFile,
      S2S_WORKFLOW_BUNDLE: spec.bundlePath,
      S2S_LOG_FORMAT: 'json',
      S2S_LOG_LEVEL: 'info',
      ...spec.env,
    },
  });
  cleanup.add(spec.name, () => child.stop(), child.pid);
  try {
    await untilPolling(child, spec.temporalAddress, [{ name: spec.taskQueue, kind: 'workflow' }, ...Object.values(vendorTaskQueues(spec.taskQueue)).map((name) => ({ name, kind: 'activity' as const }))], path.join(spec.runDir, `${spec.name}.log`));
  } catch (error) {
    await child.kill();
    cleanup.remove(spec.name);
    throw error;
  }
  return child;
}

export interface PolledQueue {
  name: string;
  kind: 'workflow' | 'activity';
}

/** Waits until the worker process `pid` polls every queue (works at any log level). */
export async function waitForPollers(address: string, queues: readonly PolledQueue[], pid: number, timeoutMs: number): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  const TYPES = temporal.api.enums.v1.TaskQueueType;
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const polled = await Promise.all(
        queues.map(async (q) => {
          const taskQueueType = q.kind === 'workflow' ? TYPES.TASK_QUEUE_TYPE_WORKFLOW : TYPES.TASK_QUEUE_TYPE_ACTIVITY;
          const answer = await connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: q.name }, taskQueueType }).catch(() => undefined);
          return (answer?.pollers ?? []).some((p) => (p.identity ?? '').startsWith(`${pid}@`));
        }),
      );
      if (polled.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error(`the worker (pid ${pid}) is not polling ${queues.map((q) => q.name).join(', ')} after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await connection.close();
  }
}

/** Resolves once `child` polls `queues`; rejects if it exits first (pointing at its log). */
export async function untilPolling(child: ManagedChild, address: string, queues: readonly PolledQueue[], logFile: string): Promise<void> {
  await Promise.race([
    waitForPollers(address, queues, child.pid, 60_000),
    child.exited.then((how) => Promise.reject(new Error(`${child.name} ${how} before it was ready; see ${logFile}`))),
  ]);
}

/** A fresh run directory under artifacts/ (git-ignored). */
export function makeRunDir(kind: string): string {
  const dir = path.join(PROJECT_ROOT, 'artifacts', kind, new Date().toISOString().replace(/[:.]/g, '-'));
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
