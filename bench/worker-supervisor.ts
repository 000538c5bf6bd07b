// Keeps one relay worker process running for the chaos run: SIGKILLs it on request (recording when),
// starts it again, and restarts it by itself if it dies unasked (e.g. while the server is down), counting
// those crashes separately.
import type { ManagedChild } from './processes';
import type { Cleanup } from './processes';
import { startRelayWorker, type RelayWorkerSpec } from './stack';

export interface KillRecord {
  killedAtMs: number;
  restartedAtMs?: number;
  /** It died by itself (not killed by the monkey). */
  crashed?: boolean;
}

export class WorkerSupervisor {
  private child: ManagedChild | undefined;
  private starting: Promise<void> | undefined;
  private stopped = false;
  readonly kills: KillRecord[] = [];
  crashes = 0;
  starts = 0;

  constructor(
    private readonly cleanup: Cleanup,
    private readonly spec: Omit<RelayWorkerSpec, 'name'>,
  ) {}

  get pid(): number | undefined {
    return this.child?.running() ? this.child.pid : undefined;
  }

  async start(): Promise<void> {
    if (this.starting) return this.starting;
    this.starting = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          this.starts += 1;
          const child = await startRelayWorker(this.cleanup, { ...this.spec, name: `worker-${this.starts}` });
          this.child = child;
          void child.exited.then(() => this.onExit(child));
          return;
        } catch (error) {
          if (this.stopped || attempt >= 5) throw error;
          await new Promise((r) => setTimeout(r, 1_000));
        }
      }
    })().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** SIGKILL now; returns once the process is gone. */
  async kill(): Promise<KillRecord> {
    const child = this.child;
    const record: KillRecord = { killedAtMs: Date.now() };
    this.kills.push(record);
    this.child = undefined;
    if (child) {
      await child.kill();
      this.cleanup.remove(child.name);
    }
    return record;
  }

  async restart(record?: KillRecord): Promise<void> {
    await this.start();
    if (record) record.restartedAtMs = Date.now();
  }

  private onExit(child: ManagedChild): void {
    this.cleanup.remove(child.name);
    if (this.stopped || this.child !== child) return; // stopped or killed on purpose
    this.crashes += 1;
    this.child = undefined;
    const record: KillRecord = { killedAtMs: Date.now(), crashed: true };
    this.kills.push(record);
    void this.restart(record).catch((error: unknown) => process.stderr.write(`chaos: could not restart the worker: ${String(error)}\n`));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const child = this.child;
    this.child = undefined;
    if (child) {
      await child.stop(30_000);
      this.cleanup.remove(child.name);
    }
  }
}
