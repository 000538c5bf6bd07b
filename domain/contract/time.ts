// Timestamps on the wire: RFC 3339 (seconds and a timezone: Z or ±hh:mm, as JSON Schema's date-time), read strictly. A date that does not exist
// (30 February, 24:00, an offset of +25:00) is refused instead of rolled over the way Date.parse does, and
// the epoch milliseconds are computed here, identically in the client, the CLI and the workflow.

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export type TimestampReading = { ok: true; ms: number } | { ok: false; problem: string };

/** Reads an RFC 3339 timestamp; a problem names what is wrong with it. */
export function readTimestamp(text: string): TimestampReading {
  const m = RFC3339.exec(text);
  if (!m)
    return { ok: false, problem: 'must be an RFC 3339 timestamp with seconds and a timezone, e.g. "2026-11-22T10:15:00Z" or "2026-11-22T12:15:00+02:00"' };
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = Number(m[6]);
  if (year < 1970) return { ok: false, problem: `has the year ${year}; timestamps before 1970 are not accepted` };
  if (month < 1 || month > 12) return { ok: false, problem: `has the month ${m[2]}, which does not exist (01-12)` };
  const days = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day < 1 || day > days) return { ok: false, problem: `is not a real date: ${m[1]}-${m[2]} has ${days} days, not ${m[3]}` };
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, problem: `is not a real time of day: ${m[4]}:${m[5]}:${m[6]} (00:00:00-23:59:59)` };
  let offsetMinutes = 0;
  if (m[8] !== 'Z') {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 14 || om > 59 || (oh === 14 && om > 0)) return { ok: false, problem: `has the UTC offset ${m[8]}; real offsets are between -14:00 and +14:00` };
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  return { ok: true, ms };
}

/** Epoch milliseconds of a timestamp the contract already accepted (throws on one it would refuse). */
export function timestampMs(text: string): number {
  const reading = readTimestamp(text);
  if (!reading.ok) throw new Error(`not a contract timestamp: ${JSON.stringify(text)} ${reading.problem}`);
  return reading.ms;
}

/** ISO 8601 in UTC with milliseconds, e.g. 2026-11-22T10:15:00.000Z. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
