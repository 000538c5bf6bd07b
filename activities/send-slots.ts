// How many first attempts may send at once on the workflows' worker. A first attempt planned inside its settle
// window (activities/settle.ts) holds an activity slot while it waits without sending, so that worker has
// room for waiting attempts on top of its sends (worker/workers.ts); the sends themselves take a slot here,
// at most as many at once as a vendor worker runs activities.
export class SendSlots {
  private free: number;
  private readonly queue: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  /** Runs `send` once a slot is free, first come first served; the slot is freed when it settles. */
  async run<T>(send: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await send();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.free += 1;
    }
  }
}
