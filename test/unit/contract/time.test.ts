// Timestamps on the wire: RFC 3339 with a timezone, real calendar dates only (never rolled over the way
// Date.parse does), offsets up to ±14:00, years from 1970; read to the same epoch milliseconds everywhere.
import { describe, expect, it } from 'vitest';
import { checkMessage } from '../../../domain/contract';
import { isoTime, readTimestamp, timestampMs } from '../../../domain/contract/time';
import { track } from '../../helpers/demo-apps';
import { accepted, refusedOnce } from './check';

const problem = (text: string) => {
  const r = readTimestamp(text);
  return r.ok ? undefined : r.problem;
};

describe('readTimestamp', () => {
  it.each([
    ['2026-11-22T10:15:00Z', '2026-11-22T10:15:00.000Z'],
    ['2026-11-22T10:15:00.123Z', '2026-11-22T10:15:00.123Z'],
    ['2026-11-22T10:15:00.1Z', '2026-11-22T10:15:00.100Z'],
    ['2026-11-22T10:15:00.123456789Z', '2026-11-22T10:15:00.123Z'],
    ['2026-11-22T12:15:00+02:00', '2026-11-22T10:15:00.000Z'],
    ['2026-11-22T00:15:00-10:00', '2026-11-22T10:15:00.000Z'],
    ['2026-11-23T00:15:00+14:00', '2026-11-22T10:15:00.000Z'],
    ['2026-11-21T20:15:00-14:00', '2026-11-22T10:15:00.000Z'],
    ['2026-11-22T10:15:00-00:00', '2026-11-22T10:15:00.000Z'],
    ['2026-11-22T15:45:00+05:30', '2026-11-22T10:15:00.000Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'],
    ['2024-02-29T23:59:59Z', '2024-02-29T23:59:59.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['2026-12-31T23:59:59.999Z', '2026-12-31T23:59:59.999Z'],
  ])('reads %s as %s', (text, utc) => {
    expect(readTimestamp(text)).toEqual({ ok: true, ms: Date.parse(utc) });
    expect(isoTime(timestampMs(text))).toBe(utc);
  });

  it.each([
    ['2026-02-30T10:00:00Z', 'is not a real date: 2026-02 has 28 days, not 30'],
    ['2026-02-29T10:00:00Z', 'is not a real date: 2026-02 has 28 days, not 29'],
    ['2100-02-29T10:00:00Z', 'is not a real date: 2100-02 has 28 days, not 29'],
    ['2026-04-31T10:00:00Z', 'is not a real date: 2026-04 has 30 days, not 31'],
    ['2026-11-00T10:00:00Z', 'is not a real date: 2026-11 has 30 days, not 00'],
    ['2026-13-01T10:00:00Z', 'has the month 13, which does not exist (01-12)'],
    ['2026-00-01T10:00:00Z', 'has the month 00, which does not exist (01-12)'],
    ['2026-11-22T24:00:00Z', 'is not a real time of day: 24:00:00 (00:00:00-23:59:59)'],
    ['2026-11-22T10:60:00Z', 'is not a real time of day: 10:60:00 (00:00:00-23:59:59)'],
    ['2026-11-22T10:15:60Z', 'is not a real time of day: 10:15:60 (00:00:00-23:59:59)'],
    ['2026-11-22T10:15:00+14:01', 'has the UTC offset +14:01; real offsets are between -14:00 and +14:00'],
    ['2026-11-22T10:15:00-15:00', 'has the UTC offset -15:00; real offsets are between -14:00 and +14:00'],
    ['2026-11-22T10:15:00+05:60', 'has the UTC offset +05:60; real offsets are between -14:00 and +14:00'],
    ['1969-12-31T23:59:59Z', 'has the year 1969; timestamps before 1970 are not accepted'],
    ['0001-01-01T00:00:00Z', 'has the year 1; timestamps before 1970 are not accepted'],
  ])('refuses %s: %s', (text, why) => {
    expect(problem(text)).toBe(why);
  });

  it.each([
    '2026-11-22T10:15:00', // no timezone: ambiguous
    '2026-11-22 10:15:00Z',
    '2026-11-22',
    '2026-11-22T10:15:00.1234567890Z',
    '2026-11-22T10:15:00+2',
    '22/11/2026 10:15',
    '1795341600',
    '+02026-11-22T10:15:00Z',
    ' 2026-11-22T10:15:00Z',
    '2026-11-22T10:15Z', // no seconds (JSON Schema's date-time needs them)
    '2026-11-22T12:15:00+0200', // offset without the colon
  ])('refuses %j as not RFC 3339 with a timezone, with an example of what is expected', (text) => {
    expect(problem(text)).toBe('must be an RFC 3339 timestamp with seconds and a timezone, e.g. "2026-11-22T10:15:00Z" or "2026-11-22T12:15:00+02:00"');
  });

  it('timestampMs throws on what the contract would refuse (never a rolled-over date)', () => {
    expect(() => timestampMs('2026-02-30T10:00:00Z')).toThrow(/not a contract timestamp: "2026-02-30T10:00:00Z" is not a real date/);
    expect(Date.parse('2026-02-30T10:00:00Z')).not.toBeNaN(); // what the contract protects against: 2 March
  });
});

describe('timestamp fields in messages', () => {
  it('name the field, the problem and the value given', () => {
    refusedOnce(
      'track',
      track({ occurredAt: '2026-02-30T10:00:00Z' }),
      'occurredAt',
      'occurredAt is not a real date: 2026-02 has 28 days, not 30; got "2026-02-30T10:00:00Z"',
    );
    refusedOnce(
      'track',
      track({ occurredAt: 1795341600 as unknown as string }),
      'occurredAt',
      'occurredAt is required (ISO 8601 with a timezone, e.g. "2026-11-22T10:15:00Z")',
    );
    refusedOnce('track', { ...track(), occurredAt: undefined }, 'occurredAt', /occurredAt is required/);
  });

  it('are kept exactly as given (no normalisation: the checked value is the stored value)', () => {
    const input = track({ occurredAt: '2026-11-22T12:15:00.5+02:00' });
    accepted('track', input);
    const result = checkMessage('track', input);
    expect(result.ok && result.value.occurredAt).toBe('2026-11-22T12:15:00.5+02:00');
  });
});
