// AppsFlyer eventTime parsing and the "Time stamping S2S events" rule from the AppsFlyer guide (pure):
// which time AppsFlyer stores for an S2S event, given the eventTime sent and the HTTP arrival time.
// All calendar days are UTC days.

const DAY_MS = 86_400_000;
const CLOSE_OF_BUSINESS_MS = 2 * 3_600_000; // 02:00 UTC the day after the event
const EVENT_TIME_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})$/;

/** `yyyy-MM-dd HH:mm:ss.SSS` in UTC, exactly (milliseconds required); anything else is invalid. */
export function parseEventTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = EVENT_TIME_RE.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s, ms] = m.slice(1, 8).map(Number) as [number, number, number, number, number, number, number];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const c = new Date(t);
  if (c.getUTCFullYear() !== y || c.getUTCMonth() !== mo - 1 || c.getUTCDate() !== d) return undefined;
  return t;
}

export function formatEventTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function utcDay(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

export type StampSource = 'eventTime' | 'arrival';

export interface Stamp {
  timestampMs: number;
  source: StampSource;
  rule: string;
}

/**
 * - no or invalid eventTime: arrival time;
 * - past eventTime: kept if the event arrives before 02:00 UTC on the day after the event, else arrival time;
 * - future eventTime: kept if on the same calendar day as the arrival, else arrival time.
 */
export function stampEvent(eventTimeMs: number | undefined, arrivalMs: number): Stamp {
  if (eventTimeMs === undefined) return { timestampMs: arrivalMs, source: 'arrival', rule: 'no valid eventTime: arrival time' };
  if (eventTimeMs > arrivalMs) {
    return utcDay(eventTimeMs) === utcDay(arrivalMs)
      ? { timestampMs: eventTimeMs, source: 'eventTime', rule: 'future eventTime on the arrival day: eventTime' }
      : { timestampMs: arrivalMs, source: 'arrival', rule: 'future eventTime on a later day: arrival time' };
  }
  const deadline = (utcDay(eventTimeMs) + 1) * DAY_MS + CLOSE_OF_BUSINESS_MS;
  return arrivalMs < deadline
    ? { timestampMs: eventTimeMs, source: 'eventTime', rule: 'arrived before 02:00 UTC the day after the event: eventTime' }
    : { timestampMs: arrivalMs, source: 'arrival', rule: 'arrived after 02:00 UTC the day after the event: arrival time' };
}
