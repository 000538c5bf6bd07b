// Money in messages: amounts are exact decimal strings (never JSON numbers), more than 0, at most
// 100,000,000,000, up to 5 decimals, no leading zeros; currencies from the ISO 4217 list a purchase can be
// paid in; revenue and currency always together.
import { describe, expect, it } from 'vitest';
import { CURRENCIES, NON_MONETARY_CODES } from '../../../domain/contract/currencies';
import { MAX_DECIMALS, MAX_REVENUE } from '../../../domain/contract/limits';
import { adRevenue, refund, track } from '../../helpers/demo-apps';
import { accepted, issuesOf, refusedOnce } from './check';

const SHAPE = (got: string) =>
  `revenue must be a plain decimal such as "4.99" up to 100000000000: digits, at most one point and ${MAX_DECIMALS} decimals, no sign, comma, symbol, exponent or leading zero; got ${JSON.stringify(got)}`;

describe('amounts (track and ad revenue `revenue`, refund `amount`)', () => {
  it.each(['4.99', '0.01', '0.00001', '1', '10', '4.990', '99999999999.99999', MAX_REVENUE, '100000000000.00000'])('accepts %s, kept as given', (revenue) => {
    accepted('track', track({ revenue }));
    accepted('adRevenue', adRevenue({ revenue }));
    accepted('refund', refund({ amount: revenue }));
  });

  it('refuses a JSON number with a message that says to send a string, and why', () => {
    const message = 'revenue must be a decimal string such as "4.99" (a JSON string, not a number: amounts are exact)';
    refusedOnce('track', track({ revenue: 4.99 as unknown as string }), 'revenue', message);
    refusedOnce('adRevenue', adRevenue({ revenue: 0.01 as unknown as string }), 'revenue', message);
    refusedOnce(
      'refund',
      refund({ amount: 2.5 as unknown as string }),
      'amount',
      'amount must be a decimal string such as "4.99" (a JSON string, not a number: amounts are exact)',
    );
  });

  it.each([
    ['04.99', 'a leading zero'],
    ['00', 'a leading zero'],
    ['-1', 'a sign'],
    ['+1', 'a sign'],
    ['1,234.56', 'a comma'],
    ['4,99', 'a decimal comma'],
    ['$4.99', 'a symbol'],
    ['1e3', 'an exponent'],
    ['4.', 'a point without decimals'],
    ['.5', 'no whole part'],
    ['1.123456', 'six decimals'],
    [' 4.99', 'a space'],
    ['4.99 USD', 'text'],
    ['NaN', 'text'],
    ['', 'nothing'],
  ])('refuses %j (%s), naming the rules of the format', (revenue) => {
    refusedOnce('track', track({ revenue }), 'revenue', SHAPE(revenue));
  });

  it.each(['0', '0.0', '0.00000'])('refuses %s: must be greater than 0', (revenue) => {
    refusedOnce('track', track({ revenue }), 'revenue', `revenue must be greater than 0; got "${revenue}"`);
    refusedOnce('refund', refund({ amount: revenue }), 'amount', `amount must be greater than 0; got "${revenue}"`);
  });

  it('refuses 13 digits before the point (the shape allows 12)', () => {
    expect(issuesOf('track', track({ revenue: '1000000000000' })).map((i) => i.path)).toEqual(['revenue']);
  });

  it.each(['100000000000.00001', '100000000001', '999999999999.99999'])("refuses %s: over the vendors' limit of 100,000,000,000", (revenue) => {
    refusedOnce('track', track({ revenue }), 'revenue', `revenue must be at most ${MAX_REVENUE} (the vendors' limit); got "${revenue}"`);
  });
});

describe('currencies', () => {
  it.each(['USD', 'EUR', 'XOF', 'JPY', 'KWD', 'XAF', 'XPF'])('accepts %s', (currency) => {
    accepted('track', track({ currency }));
    accepted('refund', refund({ currency }));
    accepted('adRevenue', adRevenue({ currency }));
  });

  it.each(NON_MONETARY_CODES)('refuses %s: not a currency a purchase is paid in', (currency) => {
    refusedOnce(
      'track',
      track({ currency }),
      'currency',
      `currency ${currency} is not an ISO 4217 currency a purchase can be paid in (AppsFlyer's list, without XXX, XTS and metal or fund units)`,
    );
  });

  it.each(['ABC', 'US$', 'usd', 'US', 'EURO', ''])('refuses %j, saying what a code looks like', (currency) => {
    const issue = refusedOnce(
      'track',
      track({ currency }),
      'currency',
      /^currency (must be a 3-letter uppercase ISO 4217 code such as "USD"; got|[A-Z]{3} is not an ISO 4217 currency)/,
    );
    expect(issue.message).toContain(currency === 'ABC' ? 'ABC is not' : JSON.stringify(currency));
  });

  it("the list is AppsFlyer's codes without the non-monetary ones, each a 3-letter code", () => {
    for (const code of NON_MONETARY_CODES) expect(CURRENCIES.has(code), code).toBe(false);
    for (const code of CURRENCIES) expect(code).toMatch(/^[A-Z]{3}$/);
    expect(CURRENCIES.size).toBeGreaterThan(150);
  });
});

describe('revenue and currency go together', () => {
  it('refuses revenue without currency, and currency without revenue, naming the missing one', () => {
    refusedOnce('track', track({ currency: undefined }), 'currency', 'currency is required when revenue is given (e.g. "USD")');
    refusedOnce('track', track({ revenue: undefined }), 'revenue', 'revenue is required when currency is given');
    accepted('track', track({ revenue: undefined, currency: undefined }));
  });

  it('requires both on refunds and ad revenue', () => {
    expect(issuesOf('refund', { ...refund(), currency: undefined })).toEqual([
      { path: 'currency', message: 'currency must be a 3-letter ISO 4217 code such as "USD"' },
    ]);
    expect(issuesOf('refund', { ...refund(), amount: undefined })).toEqual([
      { path: 'amount', message: 'amount must be a decimal string such as "4.99" (a JSON string, not a number: amounts are exact)' },
    ]);
    expect(issuesOf('adRevenue', { ...adRevenue(), currency: undefined }).map((i) => i.path)).toEqual(['currency']);
  });
});
