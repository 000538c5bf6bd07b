// The harnesses' own Temporal dev server: the project's `temporal server start-dev` arguments plus SQLite
// pragmas for a database file (WAL, synchronous=NORMAL: commits survive a killed process, only an OS crash
// could lose the last ones), so a persistent server is not bound by one fsync per write. Restartable.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Connection } from '@temporalio/client';
import { devServerArgs, type DevServer } from '../worker/dev-server';
import { findTemporalCli } from '../worker/temporal-cli';

export interface BenchServerOptions {
  port: number;
  dbFile?: string;
  logFile: string;
}

export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

export async function startBenchServer(opts: BenchServerOptions): Promise<DevServer> {
  const cli = await findTemporalCli();
  const args = devServerArgs({ port: opts.port, ...(opts.dbFile ? { dbFile: opts.dbFile } : {}) });
  if (opts.dbFile) for (const pragma of SQLITE_PRAGMAS) args.push('--sqlite-pragma', pragma);
  const out = fs.openSync(opts.logFile, 'a');
  const child = spawn(cli, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let early: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      early = `exited with ${signal ?? `code ${code}`}`;
      resolve();
    }),
  );
  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (early) throw new Error(`the Temporal dev server ${early} during startup; see ${opts.logFile}`);
    if (await ready(address)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Temporal dev server did not become ready at ${address}; see ${opts.logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    address,
    process: child,
    async stop(graceMs = 10_000) {
      if (gone()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (gone()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function ready(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1000 });
    await connection.workflowService.describeNamespace({ namespace: 'default' });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}
