// Progress of a long CLI run on stderr: on a terminal one bar redrawn in place (at most ten times a second),
// otherwise a plain line now and then (every tenth of the work, at least every 5 s) that logs and CI keep
// readable. Lines the command prints meanwhile go through log(), which clears the bar first and redraws it.

export interface ProgressSink {
  /** Writes text as is (no newline added). */
  write(text: string): void;
  /** A terminal: redraw in place. */
  tty: boolean;
}

const BAR_WIDTH = 24;
const TTY_EVERY_MS = 100;
const PLAIN_EVERY_MS = 5_000;

export class Progress {
  private done = 0;
  private detail = '';
  private lastDrawMs = -Infinity;
  private lastStep = 0;
  private drawn = false;
  private readonly startedMs: number;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly sink: ProgressSink,
    private readonly now: () => number = Date.now,
  ) {
    this.startedMs = now();
  }

  /** `done` of `total` finished; `detail` says what they amount to (e.g. "12 redriven, 0 failures"). */
  update(done: number, detail: string): void {
    this.done = done;
    this.detail = detail;
    const t = this.now();
    if (this.sink.tty) {
      if (t - this.lastDrawMs >= TTY_EVERY_MS || done === this.total) this.draw(t);
      return;
    }
    const step = this.total > 0 ? Math.floor((done * 10) / this.total) : 10;
    if (step > this.lastStep || t - this.lastDrawMs >= PLAIN_EVERY_MS) {
      this.lastStep = step;
      this.lastDrawMs = t;
      if (done < this.total) this.sink.write(`${this.line(t)}\n`);
    }
  }

  /** Prints through the bar: clears it, runs `print`, redraws. */
  log(print: () => void): void {
    if (this.sink.tty && this.drawn) this.sink.write('\r\x1b[K');
    print();
    if (this.sink.tty && this.drawn) this.draw(this.now());
  }

  /** The last state, on a line of its own. */
  finish(): void {
    const t = this.now();
    if (this.sink.tty) this.sink.write(`\r\x1b[K${this.line(t)}\n`);
    else this.sink.write(`${this.line(t)}\n`);
    this.drawn = false;
  }

  private draw(t: number): void {
    this.lastDrawMs = t;
    this.drawn = true;
    const filled = this.total > 0 ? Math.round((this.done / this.total) * BAR_WIDTH) : BAR_WIDTH;
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
    this.sink.write(`\r\x1b[K${this.label} ${bar} ${this.line(t, false)}`);
  }

  private line(t: number, withLabel = true): string {
    const seconds = (t - this.startedMs) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const pct = this.total > 0 ? Math.floor((this.done * 100) / this.total) : 100;
    const eta = rate > 0 && this.done < this.total ? `, about ${Math.ceil((this.total - this.done) / rate)} s left` : '';
    return `${withLabel ? `${this.label}: ` : ''}${this.done}/${this.total} users (${pct}%)${this.detail ? `, ${this.detail}` : ''} · ${seconds.toFixed(1)} s, ${rate.toFixed(1)}/s${eta}`;
  }
}
