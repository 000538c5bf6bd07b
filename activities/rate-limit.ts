// Per-vendor request rate limits with an optional gradual ramp (AppsFlyer: start at a baseline and raise it
// stepwise, at least a minute apart). What is limited is vendor HTTP requests per second, retries
// included, per worker process: a batch activity sends several requests, so an activity rate would not
// bound what the vendor sees. The schedule syntax, its parser and the pacer that spaces requests out.
import { ApplicationFailure } from '@temporalio/common';
import { SendFailureType, type SendFailureDetails } from '../domain/errors';

export interface RateRamp {
  /** Requests per second at the start (the baseline). */
  startPerSecond: number;
  /** Added at every step. */
  stepPerSecond: number;
  /** Time between steps. */
  everyMs: number;
}

export interface RateLimit {
  /** Requests per second once the ramp (if any) has reached it; 0 = unlimited. */
  perSecond: number;
  ramp?: RateRamp;
}

export const UNLIMITED: RateLimit = { perSecond: 0 };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const NUMBER = '(\\d+(?:\\.\\d+)?)';
const RAMP = new RegExp(`^${NUMBER}\\s+to\\s+${NUMBER}\\s+by\\s+${NUMBER}\\s+every\\s+${NUMBER}\\s*(ms|s|m|h)$`, 'i');

export const RATE_LIMIT_SYNTAX =
  'requests per second (e.g. 500; 0 = unlimited) or a ramp "<start> to <max> by <step> every <interval>" (e.g. "100 to 500 by 20 every 1m")';

/** Parses "0", "500" or "100 to 500 by 20 every 1m"; returns the problem as a string when it cannot. */
export function parseRateLimit(text: string): RateLimit | string {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return { perSecond: Number(t) };
  const m = RAMP.exec(t);
  if (!m) return `must be ${RATE_LIMIT_SYNTAX}; got ${JSON.stringify(text)}`;
  const [start, max, step, every] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  const everyMs = every * (UNIT_MS[(m[5] as string).toLowerCase()] as number);
  if (start <= 0) return `the ramp must start above 0 requests per second; got ${start}`;
  if (max < start) return `the ramp's maximum (${max}) must not be below its start (${start})`;
  if (step <= 0) return `the ramp's step must be above 0; got ${step}`;
  if (everyMs < 1_000) return `the ramp's interval must be at least 1s (AppsFlyer asks for 1m or more); got ${m[4]}${m[5]}`;
  return { perSecond: max, ramp: { startPerSecond: start, stepPerSecond: step, everyMs } };
}

/** The allowed rate `elapsedMs` after the start (the schedule); 0 = unlimited. */
export function rateAt(limit: RateLimit, elapsedMs: number): number {
  if (limit.perSecond <= 0) return 0;
  if (!limit.ramp) return limit.perSecond;
  const steps = Math.floor(Math.max(0, elapsedMs) / limit.ramp.everyMs);
  return Math.min(limit.perSecond, limit.ramp.startPerSecond + steps * limit.ramp.stepPerSecond);
}

/** A one-line description for logs and reports. */
export function describeRateLimit(limit: RateLimit): string {
  if (limit.perSecond <= 0) return 'unlimited';
  if (!limit.ramp) return `${limit.perSecond} requests/s`;
  const r = limit.ramp;
  return `${r.startPerSecond} requests/s, +${r.stepPerSecond} every ${r.everyMs / 1000}s, up to ${limit.perSecond}`;
}

/**
 * Spaces requests evenly at the scheduled rate, first come first served: each take() reserves the next
 * free instant and waits for it. No bursts beyond the rate; unlimited when the limit is 0.
 */
export class RequestPacer {
  private nextFreeMs: number;
  private readonly startedMs: number;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {
    this.startedMs = now();
    this.nextFreeMs = this.startedMs;
  }

  get limited(): boolean {
    return this.limit.perSecond > 0;
  }

  /** The rate allowed right now. */
  currentRate(): number {
    return rateAt(this.limit, this.now() - this.startedMs);
  }

  /** How far ahead of now the next free instant is (0 when idle). */
  backlogMs(): number {
    return Math.max(0, this.nextFreeMs - this.now());
  }

  /** Reserves the next free instant if it is no later than `latestMs`; returns it, or undefined. */
  reserve(latestMs = Infinity): number | undefined {
    if (!this.limited) return this.now();
    const at = Math.max(this.now(), this.nextFreeMs);
    if (at > latestMs) return undefined;
    this.nextFreeMs = at + 1000 / rateAt(this.limit, at - this.startedMs);
    return at;
  }

  /** Waits for a reserved instant (false if `signal` aborts first). */
  async waitUntil(atMs: number, signal?: AbortSignal): Promise<boolean> {
    const delay = atMs - this.now();
    if (delay <= 0) return !signal?.aborted;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      }, delay);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The failure of a first request that found no slot within its attempt: retried once the backlog has gone. */
  noSlotFailure(vendorName: string, deliveryId: string, attempt: number): ApplicationFailure {
    const message = `${vendorName} rate limit (${this.currentRate()} requests/s): no request slot within this attempt; retried when the rate allows`;
    const details: SendFailureDetails = { deliveryId, message, attempt };
    return ApplicationFailure.create({ message, type: SendFailureType.transient, details: [details], nextRetryDelay: Math.max(1_000, this.backlogMs()) });
  }
}
