// The client's check (client/relay-client.ts checkInput): the same contract before anything reaches
// Temporal. Without the relay configuration it checks size, shape and the clock; with it, a signup also meets
// its app's rules. Refusals are RelayInputError with every field issue, catchable without Temporal's classes.
import { describe, expect, it } from 'vitest';
import { checkInput } from '../../../client/relay-client';
import { RelayError, RelayInputError } from '../../../client/errors';
import { RelayConfig } from '../../../domain/config';
import { adRevenue, demoConfigInput, iosSignup, refund, track } from '../../helpers/demo-apps';
import { DAY, NOW } from './check';

const now = () => NOW;
const config = RelayConfig.parse({ ...demoConfigInput(), policy: { maxClockSkew: '1m', appsflyerMaxAgeDays: 7, adjustEventWindowDays: 28 } });

function refusal(fn: () => unknown): RelayInputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RelayInputError);
    return error as RelayInputError;
  }
  throw new Error('expected a RelayInputError');
}

describe('checkInput without the relay configuration', () => {
  it('returns the checked message itself, unchanged', () => {
    const input = track();
    expect(checkInput('track', input, { now })).toEqual(input);
    expect(checkInput('refund', refund(), { now })).toMatchObject({ amount: '2.5' });
    expect(checkInput('adRevenue', adRevenue(), { now })).toMatchObject({ adImpressionsCount: 1 });
    expect(checkInput('redrive', {}, { now })).toEqual({});
    expect(checkInput('forget', { userId: 'u1' }, { now })).toEqual({ userId: 'u1' });
  });

  it('refuses bad shapes with every issue, as a RelayInputError a backend can catch without Temporal', () => {
    const error = refusal(() => checkInput('track', track({ revenue: 4.99 as unknown as string, currency: 'XXX' }), { now }));
    expect(error).toBeInstanceOf(RelayError);
    expect(error).toMatchObject({ name: 'RelayInputError', type: 'RelayInputError', what: 'track' });
    expect(error.issues.map((i) => i.path)).toEqual(['revenue', 'currency']);
    expect(error.message).toMatch(
      /^invalid track: revenue: revenue must be a decimal string such as "4.99" \(a JSON string, not a number: amounts are exact\); currency: currency XXX is not an ISO 4217 currency/,
    );
  });

  it('applies the clock with the default policy: 5 minutes of skew, the widest window (28 days)', () => {
    expect(checkInput('track', track({ occurredAt: new Date(NOW + 300_000).toISOString() }), { now })).toBeTruthy();
    expect(refusal(() => checkInput('track', track({ occurredAt: new Date(NOW + 300_001).toISOString() }), { now })).issues).toEqual([
      { path: 'occurredAt', message: expect.stringMatching(/is in the future: at most 300 s ahead of now \(2026-11-22T12:00:00.000Z\)/) },
    ]);
    expect(refusal(() => checkInput('track', track({ occurredAt: new Date(NOW - 29 * DAY).toISOString() }), { now })).issues[0]?.message).toMatch(
      /older than any vendor's window \(28 days\)/,
    );
    // A signup's app is not checked without the configuration (the workflow checks it and answers the same errors).
    expect(checkInput('signup', iosSignup({ app: 'not-configured', osVersion: undefined }), { now })).toMatchObject({ app: 'not-configured' });
  });

  it('uses the real clock when none is given', () => {
    expect(refusal(() => checkInput('track', track({ occurredAt: '2099-01-01T00:00:00Z' }))).issues[0]?.path).toBe('occurredAt');
    expect(checkInput('track', track({ occurredAt: new Date().toISOString() }))).toBeTruthy();
  });

  it("refuses the issue's 2.5 MB message with the size, not thousands of map issues", () => {
    const huge = track({ callbackParams: Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`p${i}`, 'x'.repeat(1000)])) });
    expect(refusal(() => checkInput('track', huge, { now })).issues).toEqual([
      { path: '(message)', message: expect.stringMatching(/a message may be at most 16384 bytes/) },
    ]);
  });
});

describe('checkInput with the relay configuration', () => {
  it('checks a signup against its app: known app key (listing the configured ones), platform, identifiers, osVersion', () => {
    expect(checkInput('signup', iosSignup(), { config, now })).toMatchObject({ app: 'demo-ios' });
    expect(refusal(() => checkInput('signup', iosSignup({ app: 'demo-web' }), { config, now })).issues).toEqual([
      { path: 'app', message: 'app "demo-web" is not in the relay configuration (configured: demo-ios, demo-android)' },
    ]);
    expect(refusal(() => checkInput('signup', iosSignup({ app: 'demo-android' }), { config, now })).issues.map((i) => i.path)).toEqual(['platform']);
    expect(refusal(() => checkInput('signup', iosSignup({ appsflyerId: undefined, osVersion: undefined }), { config, now })).issues.map((i) => i.path)).toEqual(
      ['appsflyerId', 'osVersion'],
    );
  });

  it("uses the configuration's policy for the clock", () => {
    expect(refusal(() => checkInput('track', track({ occurredAt: new Date(NOW + 60_001).toISOString() }), { config, now })).issues[0]?.message).toMatch(
      /at most 60 s ahead/,
    );
    expect(refusal(() => checkInput('signup', iosSignup({ installedAt: new Date(NOW + 60_001).toISOString() }), { config, now })).issues[0]?.path).toBe(
      'installedAt',
    );
  });

  it("cannot know a tracked event's app (the install is in the workflow): it applies the widest window only", () => {
    // No token or AppsFlyer mapping needed here; the workflow applies the app's rules.
    expect(checkInput('track', track({ name: 'anything', revenue: '0.0001' }), { config, now })).toMatchObject({ revenue: '0.0001' });
    expect(checkInput('adRevenue', adRevenue(), { config, now })).toBeTruthy();
  });
});
