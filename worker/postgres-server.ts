// The production Temporal server on PostgreSQL for the test suite (`npm run test:cluster`) and the harnesses
// (`--server postgres`), through scripts/temporal-server.sh: `run` in the foreground as a child (the script
// execs the server, so the child is the server process: SIGKILL is a real crash), then `register`. Each
// instance has databases and a port block of its own; drop() deletes the databases afterwards.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DevServer } from './dev-server';
import { tcpReachable } from './net';
import { PROJECT_ROOT } from './paths';

const run = promisify(execFile);
export const TEMPORAL_SERVER_SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'temporal-server.sh');
export const DEFAULT_PG_DSN = 'postgres://postgres@127.0.0.1:5432/s2s_temporal';

export interface PostgresServerOptions {
  /** First port of the block of ten the server uses (freePortBlock(10)). */
  port: number;
  /** Database name; the visibility store is `<database>_visibility`. Letters, digits and _ only. */
  database: string;
  /** Pid file, address and script state; the server's output goes to `<stateDir>/server.log`. */
  stateDir: string;
  /** PostgreSQL as a DSN whose database part is replaced by `database`; default $S2S_TEMPORAL_PG_DSN or the local one. */
  dsn?: string;
  namespace?: string;
  readyTimeoutMs?: number;
}

export interface PostgresServer extends DevServer {
  logFile: string;
  /** Stops the server if it runs, then drops both databases. */
  drop(): Promise<void>;
}

/** The DSN with its database replaced (the rest, user, password, host and port, as given). */
export function dsnFor(database: string, dsn = process.env.S2S_TEMPORAL_PG_DSN || DEFAULT_PG_DSN): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`database name must be letters, digits and _ only; got "${database}"`);
  const match = /^(postgres(?:ql)?:\/\/[^/]+)\/[A-Za-z0-9_]+$/.exec(dsn);
  if (!match) throw new Error(`S2S_TEMPORAL_PG_DSN must look like postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE; got "${dsn.replace(/:[^:@/]*@/, ':***@')}"`);
  return `${match[1]}/${database}`;
}

function scriptEnv(opts: PostgresServerOptions): NodeJS.ProcessEnv {
  return {
    ...process.env,
    S2S_TEMPORAL_PG_DSN: dsnFor(opts.database, opts.dsn),
    S2S_TEMPORAL_PORT: String(opts.port),
    S2S_TEMPORAL_IP: '127.0.0.1',
    S2S_TEMPORAL_STATE_DIR: opts.stateDir,
    TEMPORAL_NAMESPACE: opts.namespace ?? 'default',
    S2S_TEMPORAL_RETENTION: '24h',
  };
}

async function script(opts: PostgresServerOptions, args: string[], timeoutMs: number): Promise<string> {
  try {
    const { stdout } = await run(TEMPORAL_SERVER_SCRIPT, args, { env: scriptEnv(opts), timeout: timeoutMs, maxBuffer: 16 << 20 });
    return stdout.trim();
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(`scripts/temporal-server.sh ${args.join(' ')} failed: ${(e.stderr ?? '').trim().split('\n').slice(-8).join('\n') || e.message}`);
  }
}

/** Starts (or restarts, on the same port block and databases) the server; resolves once it serves the namespace. */
export async function startPostgresServer(opts: PostgresServerOptions): Promise<PostgresServer> {
  fs.mkdirSync(opts.stateDir, { recursive: true });
  const logFile = path.join(opts.stateDir, 'server.log');
  // Provisioning (a Go build on a fresh machine) happens here, in the open, not inside `run`'s timeout.
  await script(opts, ['provision'], 30 * 60_000);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(TEMPORAL_SERVER_SCRIPT, ['run'], { env: scriptEnv(opts), stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const address = `127.0.0.1:${opts.port}`;
  let early: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      early = `exited with ${signal ?? `code ${code}`}`;
      resolve();
    }),
  );
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
  while (!(await tcpReachable(address))) {
    if (early) throw new Error(`the PostgreSQL-backed Temporal server ${early} during startup; see ${logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the PostgreSQL-backed Temporal server did not open ${address} in time; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  try {
    // The script fails at once if the server dies meanwhile (it checks the pid file `run` wrote).
    await script(opts, ['register'], opts.readyTimeoutMs ?? 180_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const stop = async (graceMs = 30_000) => {
    if (gone()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    address,
    process: child,
    logFile,
    stop,
    async kill() {
      if (gone()) return;
      child.kill('SIGKILL');
      await exited;
    },
    async drop() {
      await stop();
      await script(opts, ['drop', '--yes'], 120_000);
    },
  };
}
