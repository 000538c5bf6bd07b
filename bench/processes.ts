// Child processes of the harnesses (workers run as real processes, like production): spawn a TypeScript
// entry point under tsx writing straight to a log file (no CPU spent here relaying its output), SIGKILL or
// stop it, and a registry that stops every child still running on exit, on Ctrl-C and on failure.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../worker/paths';

export interface ManagedChild {
  name: string;
  pid: number;
  process: ChildProcess;
  /** Resolves with the exit description once the process has exited. */
  exited: Promise<string>;
  running(): boolean;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

type Stopper = () => Promise<void>;

/** Everything the harness started, stopped in reverse order by stopAll() (also on signals and exit). */
export class Cleanup {
  private readonly stoppers = new Map<string, Stopper>();
  private readonly pids = new Map<string, number>();
  private installed = false;
  /** Set once stopping began: errors of calls cut off by the shutdown are expected then. */
  stopping = false;

  add(name: string, stop: Stopper, pid?: number): void {
    this.stoppers.set(name, stop);
    if (pid !== undefined) this.pids.set(name, pid);
  }

  remove(name: string): void {
    this.stoppers.delete(name);
    this.pids.delete(name);
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    const entries = [...this.stoppers.entries()].reverse();
    this.stoppers.clear();
    for (const [name, stop] of entries) {
      await stop().catch((error: unknown) => process.stderr.write(`  (while stopping ${name}: ${String(error)})\n`));
      this.pids.delete(name);
    }
  }

  /**
   * Ctrl-C / SIGTERM stop everything and exit 130; an unexpected error stops everything and exits 1 (while
   * stopping, errors of client calls cut off by the shutdown are ignored); a plain exit SIGKILLs what is left.
   */
  installSignalHandlers(): void {
    if (this.installed) return;
    this.installed = true;
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) process.exit(130);
      signalled = true;
      process.stderr.write(`\n${signal}: stopping everything this harness started ...\n`);
      void this.stopAll().finally(() => process.exit(130));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const onError = (error: unknown) => {
      if (this.stopping) return;
      process.stderr.write(`harness error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      void this.stopAll().finally(() => process.exit(1));
    };
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
    process.on('exit', () => {
      for (const pid of this.pids.values()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
}

export interface SpawnOptions {
  name: string;
  /** Script path relative to the project root, e.g. worker/main.ts. */
  script: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  args?: string[];
  /** Extra node flags, e.g. --cpu-prof (profiling the worker). */
  nodeArgs?: string[];
}

/** Runs `node --import tsx <script>` from the project root; stdout and stderr go to `logFile`. */
export function spawnTsx(opts: SpawnOptions): ManagedChild {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const out = fs.openSync(opts.logFile, 'a');
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', opts.script, ...(opts.args ?? [])], {
    cwd: PROJECT_ROOT,
    env: opts.env,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  let exitText: string | undefined;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitText = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve(exitText);
    });
  });
  const running = () => exitText === undefined;
  return {
    name: opts.name,
    pid: child.pid as number,
    process: child,
    exited,
    running,
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 10_000) {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
