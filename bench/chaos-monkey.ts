// The chaos run's monkey: SIGKILLs the worker at random intervals (and starts it again after a short
// pause) and restarts the Temporal server (dev or PostgreSQL-backed) on its database at planned moments, while
// the driver keeps sending (its calls fail and are retried until the server is back). Records when each happened
// and which worker process it killed, as evidence for the verdict.
import type { Cleanup } from './processes';
import { say } from './progress';
import { restartTemporal, type TemporalEndpoint } from './stack';
import type { KillRecord, WorkerSupervisor } from './worker-supervisor';
import type { Rng } from './workload';

export interface ServerRestart {
  stoppedAtMs: number;
  readyAtMs?: number;
}

export interface MonkeyPlan {
  killMinMs: number;
  killMaxMs: number;
  /** When to restart the server, in ms from the start. */
  serverRestartsAtMs: number[];
}

export class ChaosMonkey {
  readonly serverRestarts: ServerRestart[] = [];
  /** The worker processes it SIGKILLed, and when. */
  readonly killLog: Array<{ pid: number; killedAtMs: number }> = [];
  private stopping = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly rng: Rng,
    private readonly plan: MonkeyPlan,
    private readonly supervisor: WorkerSupervisor,
    private readonly temporal: TemporalEndpoint,
    private readonly cleanup: Cleanup,
  ) {}

  get kills(): KillRecord[] {
    return this.supervisor.kills;
  }

  start(): void {
    this.running = this.loop();
  }

  /** Stops after the current action (a restart in progress completes). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private between(min: number, max: number): number {
    return min + this.rng() * (max - min);
  }

  private async sleep(ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (this.stopping) return false;
      await new Promise((r) => setTimeout(r, Math.min(200, until - Date.now())));
    }
    return !this.stopping;
  }

  private async loop(): Promise<void> {
    const startedAt = Date.now();
    const restarts = [...this.plan.serverRestartsAtMs].sort((a, b) => a - b);
    let nextKill = startedAt + this.between(this.plan.killMinMs, this.plan.killMaxMs);
    for (;;) {
      const nextRestart = restarts.length > 0 ? startedAt + (restarts[0] as number) : Infinity;
      const next = Math.min(nextKill, nextRestart);
      if (!(await this.sleep(next - Date.now()))) return;
      if (next === nextRestart) {
        restarts.shift();
        await this.restartServer();
        nextKill = Math.max(nextKill, Date.now() + this.plan.killMinMs / 2);
      } else {
        // The pid of the replica this kill took (each in turn), not merely one that runs.
        const record = await this.supervisor.kill();
        if (record.pid !== undefined) this.killLog.push({ pid: record.pid, killedAtMs: record.killedAtMs });
        say(`chaos: worker SIGKILLed (${this.supervisor.kills.length})`);
        await new Promise((r) => setTimeout(r, this.between(300, 2_000)));
        await this.supervisor.restart(record);
        nextKill = Date.now() + this.between(this.plan.killMinMs, this.plan.killMaxMs);
      }
    }
  }

  private async restartServer(): Promise<void> {
    const record: ServerRestart = { stoppedAtMs: Date.now() };
    this.serverRestarts.push(record);
    say('chaos: Temporal server SIGKILLed; restarting it on the same database ...');
    await this.temporal.server?.kill();
    this.cleanup.remove('temporal');
    await restartTemporal(this.cleanup, this.temporal);
    record.readyAtMs = Date.now();
    say(`chaos: Temporal server back after ${Math.round((record.readyAtMs - record.stoppedAtMs) / 100) / 10} s`);
  }
}
