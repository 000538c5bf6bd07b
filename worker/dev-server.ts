// Starts and stops a local `temporal server start-dev` (real Temporal server, SQLite persistence, Web UI)
// with the project's search attributes registered. Used by `npm start`, the tests and the harnesses.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../domain/search-attributes';
import { findTemporalCli } from './temporal-cli';

export interface DevServerOptions {
  port: number;
  /** Web UI port; omit for a headless server. */
  uiPort?: number;
  /** The codec server the Web UI decodes payloads with (`--ui-codec-endpoint`), e.g. http://127.0.0.1:8081. */
  uiCodecEndpoint?: string;
  ip?: string;
  /** SQLite file for persistence across restarts; omit for an in-memory server. */
  dbFile?: string;
  namespace?: string;
  /** Server output goes here (it is verbose); default: discarded. */
  logFile?: string;
  readyTimeoutMs?: number;
  /**
   * Run the server in a process group of its own (`npm start`), so a Ctrl-C in the terminal, which signals the
   * whole foreground group, does not reach it: the caller stops it when it chooses, after the worker drained.
   * The group is killed when this process exits in any way Node sees (process.exit, an uncaught exception, the
   * end of the event loop), so it is not left behind; only a SIGKILL of this process can orphan it.
   */
  ownProcessGroup?: boolean;
  /** Dynamic configuration values (`--dynamic-config-value KEY=VALUE`, the value as YAML), e.g. the test run's. */
  dynamicConfig?: Record<string, string | number | boolean>;
}

/** Servers running in their own process group, killed when this process exits. */
const ownGroups = new Set<ChildProcess>();
let exitHookInstalled = false;

function signalServer(child: ChildProcess, signal: NodeJS.Signals, ownGroup: boolean): void {
  if (!ownGroup || child.pid === undefined) {
    child.kill(signal);
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

function killWithThisProcess(child: ChildProcess): void {
  ownGroups.add(child);
  child.once('exit', () => ownGroups.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const server of ownGroups) signalServer(server, 'SIGKILL', true);
  });
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (fault tests). */
  kill(): Promise<void>;
}

export function devServerArgs(opts: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--port', String(opts.port), '--ip', opts.ip ?? '127.0.0.1', '--log-level', 'warn'];
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort), ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []));
  else args.push('--headless');
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  if (opts.namespace && opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  for (const sa of SEARCH_ATTRIBUTE_DEFINITIONS) args.push('--search-attribute', `${sa.name}=${sa.cliType}`);
  for (const [key, value] of Object.entries(opts.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  return args;
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const cli = await findTemporalCli();
  if (opts.dbFile) fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  const ip = opts.ip ?? '127.0.0.1';
  const address = `${ip}:${opts.port}`;
  const out = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'ignore';
  const ownGroup = opts.ownProcessGroup ?? false;
  const child = spawn(cli, devServerArgs(opts), { stdio: ['ignore', out, out], detached: ownGroup });
  if (typeof out === 'number') fs.closeSync(out);
  if (ownGroup) killWithThisProcess(child);
  const signal = (sig: NodeJS.Signals) => signalServer(child, sig, ownGroup);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let early: string | undefined;
  child.once('exit', (code, signal) => {
    early = `exited with ${signal ?? `code ${code}`}`;
  });

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (early) throw new Error(`the Temporal dev server ${early} during startup${opts.logFile ? `; see ${opts.logFile}` : ''}`);
    if (await namespaceReady(address, opts.namespace ?? 'default')) break;
    if (Date.now() > deadline) {
      signal('SIGKILL');
      throw new Error(`the Temporal dev server did not become ready at ${address} in time${opts.logFile ? `; see ${opts.logFile}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    signal('SIGKILL');
    await exited;
  };
  return { address, uiUrl: opts.uiPort ? `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${opts.uiPort}` : undefined, process: child, stop, kill };
}

async function namespaceReady(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1000 });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}
