// A one-line progress bar on stderr (redrawn in place on a terminal, a plain line every few seconds
// otherwise), e.g. `relay@max [##########----------]  50%  1000/2000 deliveries · sent 800/1000 · 420/s`.

export class Progress {
  private lastLineAt = 0;
  private readonly tty = Boolean(process.stderr.isTTY);
  private finished = false;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit: string,
  ) {}

  update(done: number, extra = '', force = false): void {
    if (this.finished) return;
    const now = Date.now();
    if (!force && now - this.lastLineAt < (this.tty ? 100 : 5_000)) return;
    this.lastLineAt = now;
    const width = 24;
    const share = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(share * width);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    const line = `${this.label.padEnd(12)} [${bar}] ${String(Math.floor(share * 100)).padStart(3)}%  ${done}/${this.total} ${this.unit}${extra ? ` · ${extra}` : ''}`;
    process.stderr.write(this.tty ? `\r${line.padEnd(110)}` : `${line}\n`);
  }

  done(summary = ''): void {
    if (this.finished) return;
    this.update(this.total, '', true);
    this.finished = true;
    process.stderr.write(this.tty ? `\n${summary ? `${summary}\n` : ''}` : summary ? `${summary}\n` : '');
  }
}

export function say(line = ''): void {
  process.stderr.write(`${line}\n`);
}
