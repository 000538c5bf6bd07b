// The chaos run's monkey: SIGKILLs the worker at random intervals (and starts it again after a short
// pause) and restarts the Temporal dev server on its database file at planned moments, pausing the
// driver meanwhile so no client call is cut in half. Records when each happened, for the verdict.
import type { Driver } from './driver';
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
  private stopping = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly rng: Rng,
    private readonly plan: MonkeyPlan,
    private readonly supervisor: WorkerSupervisor,
    private readonly temporal: TemporalEndpoint,
    private readonly cleanup: Cleanup,
    private readonly driver: Driver<unknown>,
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
        const record = await this.supervisor.kill();
        say(`chaos: worker SIGKILLed (${this.supervisor.kills.length})`);
        await new Promise((r) => setTimeout(r, this.between(300, 2_000)));
        await this.supervisor.restart(record);
        nextKill = Date.now() + this.between(this.plan.killMinMs, this.plan.killMaxMs);
      }
    }
  }

  private async restartServer(): Promise<void> {
    await this.driver.pause();
    const record: ServerRestart = { stoppedAtMs: Date.now() };
    this.serverRestarts.push(record);
    say('chaos: Temporal dev server SIGKILLed; restarting it on the same database file ...');
    await this.temporal.server?.kill();
    this.cleanup.remove('temporal');
    await restartTemporal(this.cleanup, this.temporal);
    record.readyAtMs = Date.now();
    say(`chaos: Temporal dev server back after ${Math.round((record.readyAtMs - record.stoppedAtMs) / 100) / 10} s`);
    this.driver.resume();
  }
}
