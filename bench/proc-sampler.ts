// Samples a process and its descendants from /proc (Linux): resident memory and CPU time, for the worker
// child and the Temporal dev server. Reports peak RSS, CPU seconds used, and average and peak cores busy.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface ProcSample {
  atMs: number;
  rssBytes: number;
  cpuSeconds: number;
}

export interface ProcUsage {
  peakRssMb: number;
  cpuSeconds: number;
  /** CPU seconds per wall second over the sampled span. */
  avgCores: number;
  /** Highest CPU seconds per wall second between two consecutive samples. */
  peakCores: number;
  samples: number;
}

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function readStat(pid: number): { ppid: number; cpuTicks: number } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function readRssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pid and every descendant (tsx's esbuild service, a CLI's server, ...). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

export function sampleTree(root: number): ProcSample {
  let rssBytes = 0;
  let ticks = 0;
  for (const pid of processTree(root)) {
    const stat = readStat(pid);
    if (!stat) continue;
    ticks += stat.cpuTicks;
    rssBytes += readRssBytes(pid);
  }
  return { atMs: Date.now(), rssBytes, cpuSeconds: ticks / TICKS };
}

/** Pure: usage over a series of samples of one process tree. */
export function usageOf(samples: readonly ProcSample[]): ProcUsage {
  if (samples.length === 0) return { peakRssMb: 0, cpuSeconds: 0, avgCores: 0, peakCores: 0, samples: 0 };
  const first = samples[0] as ProcSample;
  const last = samples[samples.length - 1] as ProcSample;
  let peakCores = 0;
  let cpu = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as ProcSample;
    const b = samples[i] as ProcSample;
    const wall = (b.atMs - a.atMs) / 1000;
    // A restarted process (chaos) starts again from zero CPU time: count what the new one used.
    const used = b.cpuSeconds >= a.cpuSeconds ? b.cpuSeconds - a.cpuSeconds : b.cpuSeconds;
    cpu += used;
    if (wall > 0 && b.cpuSeconds >= a.cpuSeconds) peakCores = Math.max(peakCores, used / wall);
  }
  const wall = (last.atMs - first.atMs) / 1000;
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    peakRssMb: Math.round(Math.max(...samples.map((s) => s.rssBytes)) / 1048576),
    cpuSeconds: r2(cpu),
    avgCores: wall > 0 ? r2(cpu / wall) : 0,
    peakCores: r2(peakCores),
    samples: samples.length,
  };
}

/** Samples `pid()` every `everyMs` until stopped (the pid may change when a process is restarted). */
export class ProcSampler {
  private readonly samples: ProcSample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: () => number | undefined,
    private readonly everyMs = 500,
  ) {}

  start(): this {
    this.take();
    this.timer = setInterval(() => this.take(), this.everyMs);
    this.timer.unref();
    return this;
  }

  private take(): void {
    const pid = this.pid();
    if (pid !== undefined) this.samples.push(sampleTree(pid));
  }

  stop(): ProcUsage {
    if (this.timer) clearInterval(this.timer);
    this.take();
    return usageOf(this.samples);
  }
}
