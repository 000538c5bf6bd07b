// The message schemas reject bad input with messages that name the field and what was expected.
import { describe, expect, it } from 'vitest';
import { describeIssues, Refund, TrackEvent } from '../../domain/event';
import { InstallContext } from '../../domain/install';

const problems = (schema: { safeParse(v: unknown): { success: boolean; error?: unknown } }, value: unknown) => {
  const r = schema.safeParse(value) as { success: boolean; error?: Parameters<typeof describeIssues>[0] };
  return r.success ? '' : describeIssues(r.error!);
};

describe('track event', () => {
  const ok = { userId: 'u1', eventId: 'evt_1', name: 'purchase', occurredAt: '2026-11-22T10:00:00+02:00', revenue: 4.99, currency: 'USD' };

  it('normalises time to UTC and numbers to exact decimal strings', () => {
    const e = TrackEvent.parse(ok);
    expect(e.occurredAt).toBe('2026-11-22T08:00:00.000Z');
    expect(e.revenue).toBe('4.99');
  });

  it.each([
    [{ occurredAt: '2026-11-22 10:00' }, /occurredAt: occurredAt must be an ISO 8601 timestamp with a timezone/],
    [{ occurredAt: '2026-11-22T10:00:00' }, /occurredAt/],
    [{ revenue: '4,99' }, /revenue: revenue must be a plain decimal number/],
    [{ revenue: -1 }, /revenue/],
    [{ revenue: 0 }, /revenue: revenue must be greater than 0/],
    [{ revenue: '200000000000' }, /at most 100000000000/],
    [{ currency: 'usd' }, /currency: currency must be a 3-letter uppercase ISO 4217 code/],
    [{ currency: undefined }, /currency: currency is required when revenue is given/],
    [{ name: 'Purchase!' }, /name: name must be 1-64 characters of lowercase letters/],
    [{ eventId: '' }, /eventId: eventId must be 1-128 characters/],
    [{ callbackParams: { plan: 3 } }, /callbackParams.plan: callbackParams values must be strings/],
    [{ extra: 1 }, /extra/],
  ])('rejects %o', (patch, message) => {
    expect(problems(TrackEvent, { ...ok, ...patch })).toMatch(message);
  });
});

describe('refund', () => {
  it('requires a positive amount in a currency and the purchase it reverses', () => {
    expect(problems(Refund, { userId: 'u1', refundId: 'r1', amount: '1', currency: 'USD', occurredAt: '2026-11-22T10:00:00Z' })).toMatch(/purchaseEventId: purchaseEventId is required/);
    expect(problems(Refund, { userId: 'u1', refundId: 'r1', purchaseEventId: 'e1', amount: '-1', currency: 'USD', occurredAt: '2026-11-22T10:00:00Z' })).toMatch(/amount/);
  });
});

describe('install context', () => {
  const ok = { userId: 'u1', app: 'demo-ios', platform: 'ios', installedAt: '2026-11-22T10:00:00Z', deviceIds: { idfa: 'd2cadb5f-410f-4963-ac0c-2a78534bdf1e' } };

  it('upper-cases the IDFA and accepts a context with an AppsFlyer id only', () => {
    expect(InstallContext.parse(ok).deviceIds.idfa).toBe('D2CADB5F-410F-4963-AC0C-2A78534BDF1E');
    expect(InstallContext.safeParse({ ...ok, deviceIds: {}, appsflyerId: '1234567890123-1234567' }).success).toBe(true);
  });

  it.each([
    [{ deviceIds: {} }, /deviceIds: give at least one device id/],
    [{ platform: 'android' }, /idfa\/idfv are iOS identifiers/],
    [{ appsflyerId: '123-45' }, /appsflyerId must look like 1234567890123-1234567/],
    [{ attStatus: 7 }, /attStatus/],
    [{ deviceIds: { idfa: 'nope' } }, /deviceIds.idfa: idfa must be a UUID/],
    [{ app: 'Demo iOS' }, /app must be an app key/],
  ])('rejects %o', (patch, message) => {
    expect(problems(InstallContext, { ...ok, ...patch })).toMatch(message);
  });
});
