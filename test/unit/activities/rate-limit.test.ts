// Per-vendor request rate limits: the schedule syntax (steady or a ramp), the schedule itself, the pacer
// that spaces requests, the activity slots that wait for it, and the worker environment variables.
import { describe, expect, it } from 'vitest';
import { describeRateLimit, parseRateLimit, rateAt, RequestPacer, type RateLimit } from '../../../activities/rate-limit';
import { readWorkerEnv } from '../../../worker/config';
import { PacedActivitySlots } from '../../../worker/paced-slots';
import { toRateLimit } from '../../../worker/workers';

describe('rate limit syntax', () => {
  it('reads unlimited, steady and ramped limits', () => {
    expect(parseRateLimit('0')).toEqual({ perSecond: 0 });
    expect(parseRateLimit('250')).toEqual({ perSecond: 250 });
    expect(parseRateLimit('100 to 500 by 20 every 1m')).toEqual({ perSecond: 500, ramp: { startPerSecond: 100, stepPerSecond: 20, everyMs: 60_000 } });
    expect(parseRateLimit(' 10 TO 30 BY 5 EVERY 10s ')).toEqual({ perSecond: 30, ramp: { startPerSecond: 10, stepPerSecond: 5, everyMs: 10_000 } });
  });

  it('says what is wrong', () => {
    expect(parseRateLimit('fast')).toContain('must be requests per second (e.g. 500; 0 = unlimited) or a ramp "<start> to <max> by <step> every <interval>"');
    expect(parseRateLimit('500 to 100 by 20 every 1m')).toContain("the ramp's maximum (100) must not be below its start (500)");
    expect(parseRateLimit('0 to 100 by 20 every 1m')).toContain('the ramp must start above 0');
    expect(parseRateLimit('10 to 100 by 20 every 100ms')).toContain("the ramp's interval must be at least 1s (AppsFlyer asks for 1m or more)");
  });

  it('steps up at each interval and stops at the maximum', () => {
    const limit = parseRateLimit('100 to 150 by 20 every 1m') as RateLimit;
    expect([0, 59_999, 60_000, 120_000, 180_000, 3_600_000].map((t) => rateAt(limit, t))).toEqual([100, 100, 120, 140, 150, 150]);
    expect(rateAt({ perSecond: 0 }, 5)).toBe(0);
    expect(describeRateLimit(limit)).toBe('100 requests/s, +20 every 60s, up to 150');
  });
});

describe('RequestPacer', () => {
  it('spaces requests at the scheduled rate, first come first served', () => {
    let now = 1_000;
    const pacer = new RequestPacer(parseRateLimit('10 to 20 by 10 every 1s') as RateLimit, () => now);
    expect([pacer.reserve(), pacer.reserve(), pacer.reserve()]).toEqual([1_000, 1_100, 1_200]);
    expect(pacer.backlogMs()).toBe(300);
    now = 2_000; // the ramp's second step: 20 per second
    expect([pacer.reserve(), pacer.reserve()]).toEqual([2_000, 2_050]);
  });

  it('does not reserve an instant later than allowed, and never waits when unlimited', () => {
    const now = 0;
    const pacer = new RequestPacer({ perSecond: 2 }, () => now);
    expect(pacer.reserve(100)).toBe(0);
    expect(pacer.reserve(100)).toBeUndefined();
    expect(pacer.reserve()).toBe(500);
    const free = new RequestPacer({ perSecond: 0 }, () => now);
    expect(free.limited).toBe(false);
    expect([free.reserve(), free.reserve()]).toEqual([0, 0]);
  });

  it('waits for a reserved instant, and stops waiting when aborted', async () => {
    const pacer = new RequestPacer({ perSecond: 1000 });
    expect(await pacer.waitUntil(Date.now() + 20)).toBe(true);
    const abort = new AbortController();
    const waiting = pacer.waitUntil(Date.now() + 60_000, abort.signal);
    abort.abort();
    expect(await waiting).toBe(false);
  });
});

describe('PacedActivitySlots', () => {
  it('hands out slots only while the pacer is less than the backlog limit behind, and within the maximum', async () => {
    let now = 0;
    const pacer = new RequestPacer({ perSecond: 10 }, () => now);
    const slots = new PacedActivitySlots(pacer, 2, 1_000);
    const ctx = {} as Parameters<PacedActivitySlots['tryReserveSlot']>[0];
    expect(slots.tryReserveSlot(ctx)).not.toBeNull();
    for (let i = 0; i < 15; i++) pacer.reserve(); // 1.5 s of requests queued
    expect(slots.tryReserveSlot(ctx)).toBeNull();
    now = 600; // 0.9 s behind now
    expect(slots.tryReserveSlot(ctx)).not.toBeNull();
    expect(slots.tryReserveSlot(ctx)).toBeNull(); // both slots in use
    slots.releaseSlot();
    await expect(slots.reserveSlot(ctx, new AbortController().signal)).resolves.toEqual({});
    const abort = new AbortController();
    const waiting = slots.reserveSlot(ctx, abort.signal);
    abort.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('S2S_<VENDOR>_RATE_LIMIT', () => {
  const base = { S2S_APP_CONFIG: 'config/demo.yaml' };
  it('is unlimited by default and reads steady and ramped limits', () => {
    const limit = (env: Record<string, string>, name: 'S2S_ADJUST_RATE_LIMIT' | 'S2S_APPSFLYER_RATE_LIMIT') =>
      toRateLimit(readWorkerEnv({ ...base, ...env })[name]);
    expect(readWorkerEnv(base).S2S_APPSFLYER_RATE_LIMIT).toBe('0');
    expect(limit({}, 'S2S_APPSFLYER_RATE_LIMIT')).toEqual({ perSecond: 0 });
    expect(limit({ S2S_ADJUST_RATE_LIMIT: '' }, 'S2S_ADJUST_RATE_LIMIT')).toEqual({ perSecond: 0 });
    expect(limit({ S2S_ADJUST_RATE_LIMIT: '50' }, 'S2S_ADJUST_RATE_LIMIT')).toEqual({ perSecond: 50 });
    expect(limit({ S2S_APPSFLYER_RATE_LIMIT: '100 to 500 by 20 every 1m' }, 'S2S_APPSFLYER_RATE_LIMIT')).toMatchObject({
      perSecond: 500,
      ramp: { everyMs: 60_000 },
    });
    expect(toRateLimit(25)).toEqual({ perSecond: 25 });
  });

  it('names the variable and the syntax when a value is wrong', () => {
    expect(() => readWorkerEnv({ ...base, S2S_APPSFLYER_RATE_LIMIT: 'lots' })).toThrow(
      /S2S_APPSFLYER_RATE_LIMIT must be requests per second \(e\.g\. 500; 0 = unlimited\) or a ramp/,
    );
  });
});
