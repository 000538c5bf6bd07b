// The AppsFlyer time-stamping rule as a pure function: the guide's table, its future-dated cases, the
// 02:00 UTC boundary, and the exact eventTime format.
import { describe, expect, it } from 'vitest';
import { formatEventTime, parseEventTime, stampEvent } from '../../../emulator/appsflyer-time';

const t = (iso: string) => Date.parse(iso);

describe('stampEvent', () => {
  const monday21 = t('2025-06-02T21:00:00.000Z');

  it.each([
    ['Tuesday 01:00 (before close of business)', '2025-06-03T01:00:00.000Z', monday21, 'eventTime'],
    ['Wednesday 09:00 (after close of business)', '2025-06-04T09:00:00.000Z', t('2025-06-04T09:00:00.000Z'), 'arrival'],
    ['Tuesday 01:59:59.999', '2025-06-03T01:59:59.999Z', monday21, 'eventTime'],
    ['Tuesday 02:00:00.000 exactly', '2025-06-03T02:00:00.000Z', t('2025-06-03T02:00:00.000Z'), 'arrival'],
    ['Monday 23:00 (same day)', '2025-06-02T23:00:00.000Z', monday21, 'eventTime'],
  ])('eventTime Monday 21:00 arriving %s', (_l, arrival, expected, source) => {
    expect(stampEvent(monday21, t(arrival))).toMatchObject({ timestampMs: expected, source });
  });

  it('an event two days old arriving at 01:00 is stamped with the arrival time', () => {
    expect(stampEvent(t('2025-06-01T21:00:00.000Z'), t('2025-06-03T01:00:00.000Z')).source).toBe('arrival');
  });

  it('future eventTime: same calendar day keeps eventTime, next day takes arrival time', () => {
    expect(stampEvent(t('2025-06-02T23:00:00.000Z'), t('2025-06-02T10:00:00.000Z'))).toMatchObject({
      source: 'eventTime',
      timestampMs: t('2025-06-02T23:00:00.000Z'),
    });
    expect(stampEvent(t('2025-06-03T00:30:00.000Z'), t('2025-06-02T23:00:00.000Z'))).toMatchObject({
      source: 'arrival',
      timestampMs: t('2025-06-02T23:00:00.000Z'),
    });
  });

  it('no eventTime: arrival time', () => {
    expect(stampEvent(undefined, 42)).toMatchObject({ timestampMs: 42, source: 'arrival' });
  });
});

describe('parseEventTime', () => {
  it('reads yyyy-MM-dd HH:mm:ss.SSS as UTC and round-trips', () => {
    expect(parseEventTime('2019-05-15 12:17:01.123')).toBe(t('2019-05-15T12:17:01.123Z'));
    expect(formatEventTime(t('2019-05-15T12:17:01.123Z'))).toBe('2019-05-15 12:17:01.123');
  });

  it.each(['2019-05-15 12:17:01', '2019-05-15T12:17:01.123Z', '2019-02-30 12:17:01.123', '2019-05-15 24:00:00.000', 1557922621123, null])('rejects %j', (v) => {
    expect(parseEventTime(v)).toBeUndefined();
  });
});
