// The embedded default stack for the harnesses, on ports of its own: a Temporal server (the dev server on
// free ports with a database file in the run directory; or, with --server postgres, the production server
// on PostgreSQL through scripts/temporal-server.sh, on databases of its own that are dropped afterwards; or
// one already running at --temporal), the vendor emulator in this process, the prebuilt workflow bundle,
// and relay workers as `worker/main.ts` children.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import pg from 'pg';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { vendorTaskQueues } from '../domain/settings';
import type { RelayConfigInput } from '../domain/config';
import { defaultEmulatorConfig } from '../emulator/config';
import { startEmulator, type Emulator } from '../emulator/server';
import { buildWorkflowBundle } from '../worker/bundle';
import type { DevServer } from '../worker/dev-server';
import { freePort, freePortBlock } from '../worker/net';
import { startPostgresServer, type PostgresServer } from '../worker/postgres-server';
import { PROJECT_ROOT } from '../worker/paths';
import { ensureSearchAttributes } from '../worker/search-attributes';
import { spawnTsx, type Cleanup, type ManagedChild } from './processes';
import { startBenchServer } from './temporal-server';

export const DEMO_SECRETS = { DEMO_APPSFLYER_KEY: 'demo-appsflyer-s2s-key', DEMO_ADJUST_ANDROID_S2S_TOKEN: 'demo-adjust-s2s-token' };

/** The server a harness starts: the Temporal CLI's dev server, or the production server on PostgreSQL. */
export type ServerKind = 'dev' | 'postgres';

export interface TemporalEndpoint {
  address: string;
  /** Set when the harness started the server (so it can measure, restart or stop it). */
  server?: DevServer;
  kind?: ServerKind;
  port?: number;
  dbFile?: string;
  logFile?: string;
  /** --server postgres: its databases (`<database>`, `<database>_visibility`) and script state. */
  database?: string;
  stateDir?: string;
}

/**
 * Uses the server at `address`, or starts one: the dev server on a free port, with its SQLite database in a
 * file in `runDir` (`persist`, needed to restart it) or in memory (the dev server's default, no fsync per
 * write); or (`kind` postgres) the PostgreSQL-backed server on a free port block, always persistent.
 */
export async function startTemporal(cleanup: Cleanup, runDir: string, address?: string, persist = false, kind: ServerKind = 'dev'): Promise<TemporalEndpoint> {
  if (address) {
    const connection = await Connection.connect({ address, connectTimeout: 5_000 }).catch((error: unknown) => {
      throw new Error(`cannot reach the Temporal server at --temporal ${address}: ${(error as Error).message}`);
    });
    await ensureSearchAttributes(connection, 'default');
    await connection.close();
    return { address };
  }
  if (kind === 'postgres') {
    const port = await freePortBlock(10);
    const stateDir = path.join(runDir, 'temporal-server');
    const endpoint: TemporalEndpoint = {
      address: `127.0.0.1:${port}`,
      kind,
      port,
      database: `s2s_bench_${randomBytes(4).toString('hex')}`,
      stateDir,
      logFile: path.join(stateDir, 'server.log'),
    };
    // Registered before the server itself, so it runs after the server stopped (cleanup runs newest first).
    cleanup.add('temporal-databases', async () => {
      const server = endpoint.server as PostgresServer | undefined;
      if (server && !process.env.S2S_KEEP_TEMPORAL_DB) await server.drop();
    });
    await restartTemporal(cleanup, endpoint);
    return endpoint;
  }
  const port = await freePort();
  const logFile = path.join(runDir, 'temporal-server.log');
  const endpoint: TemporalEndpoint = { address: `127.0.0.1:${port}`, port, logFile, ...(persist ? { dbFile: path.join(runDir, 'temporal.sqlite') } : {}) };
  await restartTemporal(cleanup, endpoint);
  return endpoint;
}

/** (Re)starts the harness's server: the same port (block) and database (file). */
export async function restartTemporal(cleanup: Cleanup, endpoint: TemporalEndpoint): Promise<void> {
  if (endpoint.port === undefined) throw new Error('the harness did not start this Temporal server, so it cannot restart it');
  endpoint.server =
    endpoint.kind === 'postgres'
      ? await startPostgresServer({ port: endpoint.port, database: endpoint.database as string, stateDir: endpoint.stateDir as string })
      : await startBenchServer({ port: endpoint.port, logFile: endpoint.logFile ?? '/dev/null', ...(endpoint.dbFile ? { dbFile: endpoint.dbFile } : {}) });
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
export function benchAppConfig(emulatorUrl: string, policy: Record<string, unknown>, http: Record<string, unknown> = {}): RelayConfigInput {
  const demo = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'config', 'demo.yaml'), 'utf8')) as {
    apps: RelayConfigInput['apps'];
    policy?: Record<string, unknown>;
  };
  return {
    apps: demo.apps,
    vendors: { adjustBaseUrl: `${emulatorUrl}/adjust`, appsflyerApi3BaseUrl: `${emulatorUrl}/appsflyer`, appsflyerApi2BaseUrl: `${emulatorUrl}/appsflyer` },
    http: http as RelayConfigInput['http'],
    policy: { ...(demo.policy ?? {}), ...policy } as RelayConfigInput['policy'],
  };
}

export interface RelayWorkerSpec {
  runDir: string;
  name: string;
  temporalAddress: string;
  taskQueue: string;
  appConfig: RelayConfigInput;
  bundlePath: string;
  /** Extra worker environment (S2S_MAX_CACHED_WORKFLOWS, S2S_APPSFLYER_RATE_LIMIT, S2S_LOG_LEVEL, ...). */
  env?: Record<string, string>;
  /** Extra node flags for the worker process (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Entry point instead of worker/main.ts (the chaos run's bench/chaos-worker.ts). */
  script?: string;
}

/** Starts `worker/main.ts` (what `npm run worker` runs) as a child and waits until it polls. */
export async function startRelayWorker(cleanup: Cleanup, spec: RelayWorkerSpec): Promise<ManagedChild> {
  const configFile = path.join(spec.runDir, `${spec.name}.app-config.json`);
  fs.writeFileSync(configFile, JSON.stringify(spec.appConfig, null, 2));
  const child = spawnTsx({
    name: spec.name,
    script: spec.script ?? 'worker/main.ts',
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
      S2S_LEDGER_URL: `pglite:${path.join(spec.runDir, 'ledger')}`,
      ...spec.env,
    },
  });
  cleanup.add(spec.name, () => child.stop(), child.pid);
  try {
    await untilPolling(
      child,
      spec.temporalAddress,
      [{ name: spec.taskQueue, kind: 'workflow' }, ...Object.values(vendorTaskQueues(spec.taskQueue)).map((name) => ({ name, kind: 'activity' as const }))],
      path.join(spec.runDir, `${spec.name}.log`),
    );
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
          const answer = await connection.workflowService
            .describeTaskQueue({ namespace: 'default', taskQueue: { name: q.name }, taskQueueType })
            .catch(() => undefined);
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

/**
 * A delivery ledger that several worker replicas share, as production runs them: a PostgreSQL database of the
 * run's own on `S2S_BENCH_PG_URL` (default this machine's PostgreSQL), dropped at the end unless
 * S2S_KEEP_TEMPORAL_DB is set. Returns the worker's S2S_LEDGER_URL.
 */
export async function sharedLedgerDatabase(cleanup: Cleanup): Promise<string> {
  const admin = process.env.S2S_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `s2s_ledger_${randomBytes(4).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  cleanup.add('ledger-database', async () => {
    if (!process.env.S2S_KEEP_TEMPORAL_DB) await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}
