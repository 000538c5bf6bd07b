// The message shapes (step two of checkMessage): track, refund, adRevenue, redrive and forget, each defined
// once with no transforms, so the checked value is the value stored and sent. Every refusal names the field.
import { describe, expect, it } from 'vitest';
import { asMessage, checkMessage, describeIssues, LIMITS, ruleIssues } from '../../../domain/contract';
import { adRevenue, refund, track } from '../../helpers/demo-apps';
import { accepted, clockOnly, issuesOf, refusedOnce } from './check';

describe('track', () => {
  it('accepts an event with and without revenue and keeps it exactly as sent', () => {
    const input = track({ callbackParams: { plan: 'pro' }, partnerParams: { channel: 'web' }, eventValue: { af_content_id: 'sku_1' }, sharingFilter: 'all' });
    expect(checkMessage('track', input)).toEqual({ ok: true, value: input });
    accepted('track', { userId: 'u1', eventId: 'evt_1', name: 'trial_started', occurredAt: '2026-11-22T10:00:00Z' });
  });

  it('lists every missing field at once, each with what is expected', () => {
    expect(issuesOf('track', {})).toEqual([
      { path: 'userId', message: 'userId is required (a string such as "user_42")' },
      { path: 'eventId', message: 'eventId is required (an id chosen by your backend, e.g. "evt_123")' },
      { path: 'name', message: 'name is required (e.g. "purchase")' },
      { path: 'occurredAt', message: 'occurredAt is required (ISO 8601 with a timezone, e.g. "2026-11-22T10:15:00Z")' },
    ]);
  });

  it('refuses unknown fields (a typo such as "ammount" is not silently dropped) and a message that is not an object', () => {
    refusedOnce('track', { ...track(), revnue: '4.99' }, '(message)', 'Unrecognized key: "revnue"');
    expect(issuesOf('track', null).map((i) => i.path)).toEqual(['(message)']);
    expect(issuesOf('track', [track()]).map((i) => i.path)).toEqual(['(message)']);
  });

  it('describes issues on one line: field, then rule', () => {
    expect(describeIssues(issuesOf('track', track({ revenue: '-1', currency: 'usd' })))).toBe(
      'revenue: revenue must be a plain decimal such as "4.99" up to 100000000000: digits, at most one point and 5 decimals, no sign, comma, symbol, exponent or leading zero; got "-1"; currency: currency must be a 3-letter uppercase ISO 4217 code such as "USD"; got "usd"',
    );
  });
});

describe('refund', () => {
  it('needs the purchase it reverses, a positive amount and its currency; the reason is optional printable text', () => {
    accepted('refund', refund());
    accepted('refund', refund({ reason: 'customer asked: "too expensive"' }));
    refusedOnce(
      'refund',
      { ...refund(), purchaseEventId: undefined },
      'purchaseEventId',
      'purchaseEventId is required (an id chosen by your backend, e.g. "evt_123")',
    );
    refusedOnce('refund', refund({ amount: '-1' }), 'amount', /^amount must be a plain decimal/);
    refusedOnce('refund', refund({ reason: 'r'.repeat(LIMITS.reasonChars + 1) }), 'reason', 'reason must be at most 200 characters; got 201');
    refusedOnce('refund', { ...refund(), revenue: '1' }, '(message)', 'Unrecognized key: "revenue"');
  });
});

describe('adRevenue', () => {
  it("accepts Adjust's ad revenue example (1 impression, 0.01 USD) with network, unit and placement", () => {
    accepted('adRevenue', adRevenue({ network: 'Admob', unit: 'rewarded_video', placement: 'home_screen', callbackParams: { placement_id: 'p1' } }));
  });

  it.each([
    [0, 'adImpressionsCount must be at least 1'],
    [-3, 'adImpressionsCount must be at least 1'],
    [1.5, 'adImpressionsCount must be a whole number such as 1'],
    ['1', 'adImpressionsCount must be a whole number such as 1'],
    [LIMITS.adImpressionsMax + 1, 'adImpressionsCount must be at most 1000000'],
  ])('refuses adImpressionsCount %j', (count, message) => {
    refusedOnce('adRevenue', adRevenue({ adImpressionsCount: count as number }), 'adImpressionsCount', message);
  });

  it('accepts 1 to 1,000,000 impressions; revenue and currency are required; no eventValue or partner params', () => {
    accepted('adRevenue', adRevenue({ adImpressionsCount: LIMITS.adImpressionsMax }));
    refusedOnce('adRevenue', { ...adRevenue(), revenue: undefined }, 'revenue', /^revenue must be a decimal string/);
    refusedOnce('adRevenue', { ...adRevenue(), eventValue: { a: 'b' } }, '(message)', 'Unrecognized key: "eventValue"');
    refusedOnce('adRevenue', { ...adRevenue(), partnerParams: { a: 'b' } }, '(message)', 'Unrecognized key: "partnerParams"');
  });
});

describe('redrive and forget', () => {
  it('redrive: {} for every dead letter, or up to 500 dead-letter ids', () => {
    accepted('redrive', {});
    accepted('redrive', { ids: [] });
    accepted('redrive', { ids: ['dlv_adj_0123456789abcdef', 'dlm_0123456789abcdef', 'event:evt_1', 'refund:rf_1'] });
    accepted('redrive', { ids: Array.from({ length: LIMITS.redriveIds }, (_, i) => `dlv_af_${i}`) });
    expect(issuesOf('redrive', { ids: Array.from({ length: LIMITS.redriveIds + 1 }, (_, i) => `dlv_af_${i}`) }).map((i) => i.path)).toEqual(['ids']);
    refusedOnce('redrive', { ids: ['dlv adj'] }, 'ids.0', 'ids must be dead-letter ids such as "dlv_adj_0123456789abcdef"');
    refusedOnce('redrive', { ids: 'dlv_adj_1' }, 'ids', /expected array/);
    refusedOnce('redrive', { userId: 'u1' }, '(message)', 'Unrecognized key: "userId"');
  });

  it('forget: the user and an optional printable reason for the audit record', () => {
    accepted('forget', { userId: 'u1' });
    accepted('forget', { userId: 'u1', reason: 'GDPR erasure request #42' });
    refusedOnce('forget', { userId: 'u1', reason: 'line\nbreak' }, 'reason', 'reason contains an unprintable character (U+000A at position 4)');
    refusedOnce('forget', { userId: 'u 1' }, 'userId', /^userId must be 1-128 characters/);
  });
});

describe('checkMessage and ruleIssues', () => {
  it('without a context checks size and shape only: a message from the future passes until the clock is known', () => {
    const future = track({ occurredAt: '2099-01-01T00:00:00Z' });
    accepted('track', future);
    expect(issuesOf('track', future, clockOnly()).map((i) => i.path)).toEqual(['occurredAt']);
  });

  it('with a context, shape issues come first and the rules are not run on a malformed message', () => {
    expect(issuesOf('track', track({ occurredAt: '2099-02-30T00:00:00Z' }), clockOnly())).toEqual([
      { path: 'occurredAt', message: 'occurredAt is not a real date: 2099-02 has 28 days, not 30; got "2099-02-30T00:00:00Z"' },
    ]);
  });

  it('tags event-like messages for the workflow (track, refund, adRevenue); redrive, forget and signup have no rules of their own here', () => {
    const t = track();
    expect(asMessage('track', t)).toEqual({ kind: 'track', track: t });
    expect(asMessage('refund', refund())).toMatchObject({ kind: 'refund' });
    expect(asMessage('adRevenue', adRevenue())).toMatchObject({ kind: 'adRevenue' });
    expect(asMessage('redrive', {})).toBeUndefined();
    expect(ruleIssues('redrive', { ids: [] }, clockOnly())).toEqual([]);
    expect(ruleIssues('forget', { userId: 'u1' }, clockOnly())).toEqual([]);
  });
});
