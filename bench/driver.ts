// Drives a workload through a sender: closed loop (N concurrent senders, each owning a share of the users
// and sending their messages round-robin) or open loop (a fixed arrival rate in messages per second).
// A user's messages always go one after another, in plan order. Failed sends are retried with backoff
// (ids make them idempotent); pause() holds new sends while the harness restarts the server.

export interface DriveOptions {
  mode: 'closed' | 'open';
  /** Closed loop: concurrent senders. */
  concurrency: number;
  /** Open loop: messages per second. */
  ratePerSecond?: number;
  /** Give up on a send that keeps failing after this long. */
  retryForMs?: number;
  onProgress?: (sentMessages: number) => void;
}

export interface DriveResult {
  startedAtMs: number;
  endedAtMs: number;
  sentMessages: number;
  retries: number;
}

export type GroupSender<G> = (user: number, group: G) => Promise<void>;

export class Driver<G> {
  private paused: Promise<void> | undefined;
  private resumePaused: (() => void) | undefined;
  private inFlight = 0;
  private idle: Array<() => void> = [];
  private sent = 0;
  private retries = 0;

  constructor(
    private readonly perUser: ReadonlyArray<readonly G[]>,
    private readonly size: (group: G) => number,
    private readonly send: GroupSender<G>,
    private readonly options: DriveOptions,
  ) {}

  /** Stops starting new sends and resolves once in-flight ones finished. */
  async pause(): Promise<void> {
    if (!this.paused) this.paused = new Promise<void>((resolve) => (this.resumePaused = resolve));
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  resume(): void {
    this.resumePaused?.();
    this.paused = undefined;
    this.resumePaused = undefined;
  }

  async run(): Promise<DriveResult> {
    const startedAtMs = Date.now();
    if (this.options.mode === 'closed') await this.closedLoop();
    else await this.openLoop();
    return { startedAtMs, endedAtMs: Date.now(), sentMessages: this.sent, retries: this.retries };
  }

  private async closedLoop(): Promise<void> {
    const n = Math.max(1, Math.min(this.options.concurrency, this.perUser.length));
    const lanes = Array.from({ length: n }, (_, lane) => this.perUser.map((_g, user) => user).filter((user) => user % n === lane));
    await Promise.all(
      lanes.map(async (users) => {
        const longest = Math.max(0, ...users.map((u) => (this.perUser[u] as readonly G[]).length));
        for (let k = 0; k < longest; k++) {
          for (const user of users) {
            const group = (this.perUser[user] as readonly G[])[k];
            if (group !== undefined) await this.sendOne(user, group);
          }
        }
      }),
    );
  }

  private async openLoop(): Promise<void> {
    const rate = this.options.ratePerSecond ?? 100;
    const order: Array<{ user: number; group: G }> = [];
    const longest = Math.max(0, ...this.perUser.map((g) => g.length));
    for (let k = 0; k < longest; k++) {
      this.perUser.forEach((groups, user) => {
        const group = groups[k];
        if (group !== undefined) order.push({ user, group });
      });
    }
    const chains = new Map<number, Promise<void>>();
    const started = Date.now();
    let messages = 0;
    const all: Array<Promise<void>> = [];
    for (const { user, group } of order) {
      const due = started + (messages / rate) * 1000;
      messages += this.size(group);
      const wait = due - Date.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      if (this.paused) await this.paused;
      const previous = chains.get(user) ?? Promise.resolve();
      const next = previous.then(() => this.sendOne(user, group));
      chains.set(user, next);
      all.push(next);
    }
    await Promise.all(all);
  }

  private async sendOne(user: number, group: G): Promise<void> {
    while (this.paused) await this.paused;
    this.inFlight += 1;
    try {
      const deadline = Date.now() + (this.options.retryForMs ?? 120_000);
      let delay = 100;
      for (;;) {
        try {
          await this.send(user, group);
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          this.retries += 1;
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(delay * 2, 2_000);
        }
      }
      this.sent += this.size(group);
      this.options.onProgress?.(this.sent);
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }
}
