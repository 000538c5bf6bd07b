// Keeps the chaos run's relay worker processes running: one or more replicas on the same task queue. It
// SIGKILLs one replica on request (in turn, recording when), starts it again, and restarts a replica by
// itself if it dies unasked (e.g. while the server is down), counting those crashes separately.
import type { ManagedChild } from './processes';
import type { Cleanup } from './processes';
import { startRelayWorker, type RelayWorkerSpec } from './stack';

export interface KillRecord {
  killedAtMs: number;
  restartedAtMs?: number;
  /** It died by itself (not killed by the monkey). */
  crashed?: boolean;
  /** Which replica (0-based). */
  replica?: number;
  /** The process killed: the attempts it was running never completed (chaos evidence). */
  pid?: number;
}

interface Replica {
  child?: ManagedChild;
  starting?: Promise<void>;
}

export class WorkerSupervisor {
  private readonly replicas: Replica[];
  private stopped = false;
  readonly kills: KillRecord[] = [];
  crashes = 0;
  starts = 0;

  constructor(
    private readonly cleanup: Cleanup,
    private readonly spec: Omit<RelayWorkerSpec, 'name'>,
    replicas = 1,
  ) {
    this.replicas = Array.from({ length: Math.max(1, replicas) }, () => ({}));
  }

  /** The pid of the first replica running. */
  get pid(): number | undefined {
    return this.replicas.map((r) => r.child).find((c) => c?.running())?.pid;
  }

  /** Starts every replica that is not running. */
  async start(): Promise<void> {
    await Promise.all(this.replicas.map((_, i) => this.startReplica(i)));
  }

  private startReplica(index: number): Promise<void> {
    const replica = this.replicas[index] as Replica;
    if (replica.starting) return replica.starting;
    if (replica.child?.running()) return Promise.resolve();
    replica.starting = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          this.starts += 1;
          const child = await startRelayWorker(this.cleanup, { ...this.spec, name: `worker-${this.starts}` });
          replica.child = child;
          void child.exited.then(() => this.onExit(index, child));
          return;
        } catch (error) {
          if (this.stopped || attempt >= 5) throw error;
          await new Promise((r) => setTimeout(r, 1_000));
        }
      }
    })().finally(() => {
      replica.starting = undefined;
    });
    return replica.starting;
  }

  /** SIGKILLs one replica (each in turn); returns once the process is gone. */
  async kill(): Promise<KillRecord> {
    const index = this.kills.filter((k) => !k.crashed).length % this.replicas.length;
    const replica = this.replicas[index] as Replica;
    const child = replica.child;
    const record: KillRecord = { killedAtMs: Date.now(), replica: index, ...(child?.pid !== undefined ? { pid: child.pid } : {}) };
    this.kills.push(record);
    replica.child = undefined;
    if (child) {
      await child.kill();
      this.cleanup.remove(child.name);
    }
    return record;
  }

  /** Starts the killed replica again (every missing replica without a record). */
  async restart(record?: KillRecord): Promise<void> {
    await (record?.replica !== undefined ? this.startReplica(record.replica) : this.start());
    if (record) record.restartedAtMs = Date.now();
  }

  private onExit(index: number, child: ManagedChild): void {
    this.cleanup.remove(child.name);
    const replica = this.replicas[index] as Replica;
    if (this.stopped || replica.child !== child) return; // stopped or killed on purpose
    this.crashes += 1;
    replica.child = undefined;
    const record: KillRecord = { killedAtMs: Date.now(), crashed: true, replica: index };
    this.kills.push(record);
    void this.restart(record).catch((error: unknown) => process.stderr.write(`chaos: could not restart worker replica ${index + 1}: ${String(error)}\n`));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(
      this.replicas.map(async (replica) => {
        const child = replica.child;
        replica.child = undefined;
        if (child) {
          await child.stop(30_000);
          this.cleanup.remove(child.name);
        }
      }),
    );
  }
}
