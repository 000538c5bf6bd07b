// The dedup window (workflows/dedup.ts): every id accepted within policy.dedupMaxAgeDays is remembered
// exactly (the issue: after 3,000 events a re-sent id was delivered twice), as 16 bytes per id in the carried
// state; pruned by age, then by entry count with the shortened window reported.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type Policy } from '../../../domain/config';
import { jsonBytes } from '../../../domain/contract/text';
import { DedupWindow } from '../../../workflows/dedup';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T12:00:00Z');
const DAY0 = Math.floor(T0 / DAY);
const policy = (p: Partial<Policy> = {}): Policy => ({ ...DEFAULT_POLICY, ...p });
const none = new Set<string>();

describe('DedupWindow', () => {
  it('remembers an id with the day it was first accepted and a fingerprint of its content', () => {
    const w = new DedupWindow();
    expect(w.lookup('event:e1')).toBeUndefined();
    w.remember('event:e1', { revenue: '4.99' }, T0);
    expect(w.lookup('event:e1')).toEqual({ day: DAY0, content: DedupWindow.fingerprint({ revenue: '4.99' }) });
    expect(w.lookup('refund:e1')).toBeUndefined();
    expect(DedupWindow.fingerprint({ revenue: '4.99' })).not.toBe(DedupWindow.fingerprint({ revenue: '9.99' }));
    w.forget('event:e1');
    expect(w.lookup('event:e1')).toBeUndefined();
    expect(w.size).toBe(0);
  });

  it('is exact over the whole window: 20,000 ids over 90 days are all found, and no other id is', () => {
    const w = new DedupWindow();
    const n = 20_000;
    for (let i = 0; i < n; i++) w.remember(`event:evt_${i}`, { i }, T0 + Math.floor((i / n) * 89 * DAY));
    const now = T0 + 89 * DAY;
    expect(w.prune(now, policy(), none)).toBe(0);
    let found = 0;
    for (let i = 0; i < n; i++) if (w.lookup(`event:evt_${i}`)) found += 1;
    expect(found).toBe(n);
    let strangers = 0;
    for (let i = n; i < 3 * n; i++) if (w.lookup(`event:evt_${i}`)) strangers += 1;
    expect(strangers).toBe(0);
    expect(w.shortenedSinceDay).toBeUndefined();
  });

  it('keeps 16 bytes per id in its snapshot, grouped by day, and round-trips through JSON', () => {
    const w = new DedupWindow();
    for (let i = 0; i < 1_000; i++) w.remember(`event:evt_${i}`, { i }, T0 + (i % 10) * DAY);
    const snapshot = w.toJSON();
    expect(Object.keys(snapshot.days)).toHaveLength(10);
    for (const records of Object.values(snapshot.days)) expect(records.length % 16).toBe(0);
    expect(Object.values(snapshot.days).reduce((n, r) => n + r.length, 0)).toBe(16 * 1_000);
    // About 16 bytes per id as JSON (plus a few per day).
    expect(jsonBytes(snapshot)).toBeLessThan(16 * 1_000 + 10 * 20 + 20);
    const copy = DedupWindow.from(JSON.parse(JSON.stringify(snapshot)));
    expect(copy.size).toBe(1_000);
    expect(copy.lookup('event:evt_7')).toEqual(w.lookup('event:evt_7'));
    expect(copy.lookup('event:evt_7')?.day).toBe(DAY0 + 7);
    expect(copy.toJSON()).toEqual(snapshot);
    expect(DedupWindow.from(undefined).size).toBe(0);
  });

  it('forgets ids older than policy.dedupMaxAgeDays, except those still held or queued', () => {
    const w = new DedupWindow();
    w.remember('event:old', 1, T0);
    w.remember('event:held', 1, T0);
    w.remember('event:recent', 1, T0 + 10 * DAY);
    const p = policy({ dedupMaxAgeDays: 30 });
    // On day 30 after the first, the first day is still in the window.
    expect(w.prune(T0 + 30 * DAY, p, none)).toBe(0);
    expect(w.prune(T0 + 31 * DAY, p, new Set(['event:held']))).toBe(1);
    expect(w.lookup('event:old')).toBeUndefined();
    expect(w.lookup('event:held')).toBeDefined();
    expect(w.lookup('event:recent')).toBeDefined();
    // Age is not a shortening of the window.
    expect(w.shortenedSinceDay).toBeUndefined();
    expect(w.toJSON()).not.toHaveProperty('shortenedFrom');
  });

  it('over policy.dedupMaxEntries forgets the oldest days first and says since when it remembers', () => {
    const w = new DedupWindow();
    for (let d = 0; d < 5; d++) for (let i = 0; i < 40; i++) w.remember(`event:d${d}_${i}`, 1, T0 + d * DAY);
    const forgotten = w.prune(T0 + 5 * DAY, policy({ dedupMaxEntries: 100 }), new Set(['event:d0_0']));
    expect(forgotten).toBe(100);
    expect(w.size).toBe(100);
    // Day 0 (but the kept id) and day 1 are gone, part of day 2 too: complete from day 3.
    expect(w.lookup('event:d0_0')).toBeDefined();
    expect(w.lookup('event:d0_1')).toBeUndefined();
    expect(w.lookup('event:d1_39')).toBeUndefined();
    expect(w.lookup('event:d3_0')).toBeDefined();
    expect(w.lookup('event:d4_39')).toBeDefined();
    expect(w.shortenedSinceDay).toBe(DAY0 + 3);
    expect(DedupWindow.from(w.toJSON()).shortenedSinceDay).toBe(DAY0 + 3);
  });

  // BUG (workflows/dedup.ts, DedupWindow.prune): once set, the shortened-window mark is never cleared, so long
  // after the age window has passed that day (the window is whole again) status still reports a shortened window
  // since that old day.
  it('stops reporting a shortened window once the age window has moved past it', () => {
    const w = new DedupWindow();
    for (let i = 0; i < 150; i++) w.remember(`event:e${i}`, 1, T0 + (i < 100 ? 0 : DAY));
    w.prune(T0 + DAY, policy({ dedupMaxEntries: 100, dedupMaxAgeDays: 30 }), none);
    expect(w.shortenedSinceDay).toBe(DAY0 + 1);
    // 60 days later everything from then is out of the 30-day window anyway; a few new ids arrive.
    w.remember('event:new', 1, T0 + 60 * DAY);
    w.prune(T0 + 60 * DAY, policy({ dedupMaxEntries: 100, dedupMaxAgeDays: 30 }), none);
    expect(w.size).toBe(1);
    expect(w.shortenedSinceDay).toBeUndefined();
  });
});
