// A history event's time in ms, whichever form its seconds come in (a decoded proto's Long, a JSON string, a number).
import { describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { timestampMs } from '../../../bench/timestamp';

describe('timestampMs', () => {
  it('reads a decoded proto (seconds as a Long) and keeps the sub-millisecond part', () => {
    const event = temporal.api.history.v1.HistoryEvent.fromObject({ eventTime: { seconds: '1764806400', nanos: 123_456_789 } });
    expect(typeof event.eventTime?.seconds).not.toBe('number');
    expect(timestampMs(event.eventTime)).toBeCloseTo(1_764_806_400_123.4568, 3);
  });

  it('reads seconds as a string or a number, nanos absent', () => {
    expect(timestampMs({ seconds: '2' })).toBe(2000);
    expect(timestampMs({ seconds: 3, nanos: 500_000 })).toBe(3000.5);
  });

  it('has no time for no timestamp', () => {
    expect(timestampMs(null)).toBeUndefined();
    expect(timestampMs(undefined)).toBeUndefined();
  });
});
