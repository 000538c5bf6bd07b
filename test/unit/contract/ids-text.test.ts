// Ids and free text: printable ids from one charset (letters, digits, . _ : @ + -), event names and app keys,
// printable free text with its length in characters, and the byte/character counts the limits rest on.
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../domain/contract';
import { codePoints, jsonBytes, unprintable, utf8Bytes } from '../../../domain/contract/text';
import { adRevenue, iosSignup, refund, track } from '../../helpers/demo-apps';
import { accepted, issuesOf, refusedOnce } from './check';

const ID_RULE = '1-128 characters: letters, digits and . _ : @ + - (starting with a letter or digit)';

describe('ids chosen by the backend (userId, eventId, refundId, purchaseEventId)', () => {
  it.each(['u', 'user_42', 'jane.doe@example.com', 'tenant:42:user+7', 'A-1', '0', 'x'.repeat(128)])('accepts %j', (id) => {
    accepted('track', track({ userId: id, eventId: id }, id));
    accepted('refund', refund({ refundId: id, purchaseEventId: id }));
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(129), 'too long'],
    ['_user', 'starts with _'],
    ['-1', 'starts with -'],
    ['user 42', 'a space'],
    ['user/42', 'a slash'],
    ['user\u000042', 'a NUL'],
    ['user\n42', 'a line feed'],
    ['usér', 'a non-ASCII letter'],
    ['user_😀', 'an emoji'],
    ['a"b', 'a quote'],
  ])('refuses %j (%s), naming the field and the charset', (id) => {
    refusedOnce('track', track({ userId: id }, id), 'userId', `userId must be ${ID_RULE}`);
    refusedOnce('track', track({ eventId: id }), 'eventId', `eventId must be ${ID_RULE}`);
    refusedOnce('refund', refund({ refundId: id }), 'refundId', `refundId must be ${ID_RULE}`);
    refusedOnce('refund', refund({ purchaseEventId: id }), 'purchaseEventId', `purchaseEventId must be ${ID_RULE}`);
    refusedOnce('adRevenue', adRevenue({ eventId: id }), 'eventId', `eventId must be ${ID_RULE}`);
    refusedOnce('signup', iosSignup({ userId: id }), 'userId', `userId must be ${ID_RULE}`);
  });

  it('says an id is required, with an example, when it is missing or not a string', () => {
    refusedOnce('track', { ...track(), eventId: undefined }, 'eventId', 'eventId is required (an id chosen by your backend, e.g. "evt_123")');
    refusedOnce('track', track({ eventId: 42 as unknown as string }), 'eventId', 'eventId is required (an id chosen by your backend, e.g. "evt_123")');
    refusedOnce('refund', { ...refund(), purchaseEventId: undefined }, 'purchaseEventId', /purchaseEventId is required/);
    refusedOnce('forget', {}, 'userId', 'userId is required (a string such as "user_42")');
  });
});

describe('event names and app keys', () => {
  it.each(['purchase', 'af_purchase', 'level2_up', 'x'.repeat(64)])('accepts the event name %j', (name) => accepted('track', track({ name })));

  it.each(['Purchase', 'purchase!', '2nd', '', 'x'.repeat(65), 'in app'])('refuses the event name %j', (name) => {
    refusedOnce('track', track({ name }), 'name', 'name must be 1-64 characters of lowercase letters, digits and _ starting with a letter (e.g. "purchase")');
  });

  it.each(['Demo iOS', 'DEMO', '-demo', ''])('refuses the app key %j with what an app key looks like', (app) => {
    refusedOnce(
      'signup',
      iosSignup({ app }),
      'app',
      'app must be an app key from the relay configuration: lowercase letters, digits, _ and -, e.g. "demo-ios"',
    );
  });
});

describe('printable free text (customerUserId, appVersion, userAgent, reason, ad network/unit/placement)', () => {
  it('accepts any printable text, emoji and non-Latin scripts included, counting characters (code points)', () => {
    accepted('signup', iosSignup({ customerUserId: '😀'.repeat(LIMITS.customerUserIdChars) }));
    accepted('signup', iosSignup({ customerUserId: 'クライアント 42 "quoted" \\ back' }));
    accepted('refund', refund({ reason: 'x'.repeat(LIMITS.reasonChars) }));
  });

  it.each([
    ['customerUserId', LIMITS.customerUserIdChars],
    ['appVersion', LIMITS.appVersionChars],
    ['userAgent', LIMITS.userAgentChars],
  ] as const)('refuses %s over %d characters, saying how many it has', (field, max) => {
    refusedOnce('signup', iosSignup({ [field]: 'é'.repeat(max + 1) }), field, `${field} must be at most ${max} characters; got ${max + 1}`);
  });

  it.each([
    ['\u0001', 'U+0001', 3],
    ['\t', 'U+0009', 3],
    ['\n', 'U+000A', 3],
    ['\u007f', 'U+007F', 3],
    ['\u0085', 'U+0085', 3],
    ['\u2028', 'U+2028', 3],
    ['\ud800', 'U+D800', 3],
  ])('refuses a control character or lone surrogate (%j) and names it with its position', (bad, code, at) => {
    const text = `abc${bad}def`;
    refusedOnce(
      'signup',
      iosSignup({ customerUserId: text }),
      'customerUserId',
      `customerUserId contains an unprintable character (${code} at position ${at})`,
    );
    refusedOnce('refund', refund({ reason: text }), 'reason', `reason contains an unprintable character (${code} at position ${at})`);
    refusedOnce('adRevenue', adRevenue({ network: text }), 'network', `network contains an unprintable character (${code} at position ${at})`);
  });

  it('refuses empty text (leave the field out instead)', () => {
    refusedOnce('signup', iosSignup({ userAgent: '' }), 'userAgent', 'userAgent must not be empty (leave it out instead)');
    expect(issuesOf('adRevenue', adRevenue({ placement: '' }))).toEqual([{ path: 'placement', message: 'placement must not be empty (leave it out instead)' }]);
  });
});

describe('text measures', () => {
  it('counts UTF-8 bytes exactly as Node does, and JSON bytes with escapes', () => {
    for (const text of ['', 'abc', 'é', '€', '😀', 'a😀é€"\\', 'クライアント']) {
      expect(utf8Bytes(text), text).toBe(Buffer.byteLength(text, 'utf8'));
      expect(jsonBytes({ k: text }), text).toBe(Buffer.byteLength(JSON.stringify({ k: text }), 'utf8'));
    }
  });

  it('counts characters as code points (an emoji is one) and finds nothing unprintable in ordinary text', () => {
    expect(codePoints('a😀é')).toBe(3);
    expect(unprintable('Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) 😀')).toBeUndefined();
    expect(unprintable('\ud83d\ude00')).toBeUndefined();
    expect(unprintable('\ude00')).toBe('contains an unprintable character (U+DE00 at position 0)');
  });
});
