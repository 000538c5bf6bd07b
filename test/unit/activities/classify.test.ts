// Table-driven tests of the answer classifier: one row per line of Adjust's and AppsFlyer's documented
// error tables (with the bodies the vendors document), plus successes, network failures and unknown answers.
import { describe, expect, it } from 'vitest';
import { acceptedByLostAttempt, classifyOutcome, parseRetryAfter, type HttpOutcome, type SendClass } from '../../../activities/classify';

const adjustBody = (message: string) => JSON.stringify({ error: `Event request failed (${message})` });
const answer = (status: number, body: string, retryAfter?: string): HttpOutcome => ({
  kind: 'response',
  status,
  body,
  durationMs: 1,
  ...(retryAfter ? { retryAfter } : {}),
});

describe('Adjust error table', () => {
  const rows: Array<[number, string, SendClass]> = [
    [400, 'Bad event state', 'rejected'],
    [400, 'Bad event state: created_at 2016-01-01T00:00:00.000Z is before installed_at 2017-01-01T00:00:00.000Z', 'rejected'],
    // The emulator's answers for failures Adjust documents no message for use the documented catch-all.
    [400, 'Bad event state: invalid partner_params (a flat JSON object of strings is expected)', 'rejected'],
    [400, 'Bad event state: S2S session measurement is not enabled for this app', 'rejected'],
    [400, 'Invalid app token', 'misconfigured'],
    [400, 'Ignoring event, earlier unique event tracked', 'duplicate'],
    [400, 'Invalid callback parameters', 'rejected'],
    [400, 'Invalid event token', 'rejected'],
    [400, 'Invalid revenue', 'rejected'],
    [401, 'Failed to authorize request', 'misconfigured'],
    [403, 'App is inactive', 'misconfigured'],
    [403, 'Tracking disabled', 'misconfigured'],
    [403, 'Event token blocklisted', 'rejected'],
    [403, 'Event token blacklisted', 'rejected'],
    [404, 'App token not found', 'misconfigured'],
    [404, 'Device not found', 'deviceNotFound'],
    [413, 'Request size too large', 'rejected'],
    [451, 'Device is opted out', 'optedOut'],
    [500, 'Internal error, contact support@adjust.com', 'transient'],
    [502, 'Bad gateway', 'transient'],
    [503, '', 'transient'],
    [429, 'Too many requests', 'transient'],
  ];
  it.each(rows)('%i %s → %s', (status, message, expected) => {
    const result = classifyOutcome('adjust', answer(status, adjustBody(message)));
    expect(result.class).toBe(expected);
    expect(result.status).toBe(status);
  });

  it('401 from the ad-revenue endpoint (wrong authentication token) is misconfigured', () => {
    const body = JSON.stringify({ error: 'Ad revenue request failed (wrong authentication token) (app_token:abc123abc123)' });
    expect(classifyOutcome('adjust', answer(401, body)).class).toBe('misconfigured');
  });

  it.each([
    [400, adjustBody('Invalid partner parameters')],
    [400, 'something new'],
    [403, adjustBody('Something else')],
    [404, '<html>not here</html>'],
    [409, adjustBody('Conflict')],
    [302, ''],
  ])('undocumented answer %i %s → unknown (retried, never dropped)', (status, body) => {
    expect(classifyOutcome('adjust', answer(status, body)).class).toBe('unknown');
  });
});

describe('AppsFlyer error table', () => {
  const rows: Array<[number, string, SendClass]> = [
    [400, 'Failed to Authenticate', 'misconfigured'],
    [400, 'appsflyer_id is a mandatory field', 'rejected'],
    [400, 'Bad request', 'rejected'],
    [400, 'Bad request: JSON payload is 1100 bytes, the limit is 1KB (1024 bytes)', 'rejected'],
    [400, 'Payload is missing or failed to parse', 'rejected'],
    [400, 'app_id', 'misconfigured'],
    [401, 'Unauthorized', 'misconfigured'],
    [403, 'Forbidden', 'rejected'],
    [500, 'Internal Server Error', 'transient'],
    [504, '', 'transient'],
    [429, 'Too Many Requests', 'transient'],
    [451, 'Unavailable For Legal Reasons', 'optedOut'],
  ];
  it.each(rows)('%i %s → %s', (status, body, expected) => {
    expect(classifyOutcome('appsflyer', answer(status, body)).class).toBe(expected);
  });

  it('accepts a JSON-quoted message too', () => {
    expect(classifyOutcome('appsflyer', answer(400, '"appsflyer_id is a mandatory field"')).class).toBe('rejected');
  });

  it.each([
    [400, 'Something new'],
    [403, 'Access denied by firewall'],
    [404, 'Not Found'],
  ])('undocumented answer %i %s → unknown', (status, body) => {
    expect(classifyOutcome('appsflyer', answer(status, body)).class).toBe('unknown');
  });
});

describe('successes', () => {
  it('Adjust {"status":"OK"} is delivered without a warning', () => {
    expect(classifyOutcome('adjust', answer(200, '{"status":"OK"}'))).toEqual({ class: 'delivered', status: 200, reason: 'accepted' });
  });

  it('AppsFlyer OK is delivered without a warning', () => {
    expect(classifyOutcome('appsflyer', answer(200, 'OK'))).toEqual({ class: 'delivered', status: 200, reason: 'accepted' });
  });

  it('a 2xx with an unexpected body is delivered (never retried: that would double-count) with a warning', () => {
    const adjust = classifyOutcome('adjust', answer(200, '<html>hello</html>'));
    expect(adjust.class).toBe('delivered');
    expect(adjust.warning).toContain('unexpected 200 body from Adjust');
    const af = classifyOutcome('appsflyer', answer(201, ''));
    expect(af.class).toBe('delivered');
    expect(af.warning).toContain('(empty)');
  });

  it('Adjust 202 "Missing authentication token" is delivered with a warning', () => {
    const result = classifyOutcome('adjust', answer(202, JSON.stringify({ status: 'Missing authentication token' })));
    expect(result.class).toBe('delivered');
    expect(result.warning).toMatch(/S2S security is off/);
  });
});

describe('network failures and 429', () => {
  it.each(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_SOCKET', 'ECONNREFUSED', 'ECONNRESET', 'AbortError'])(
    '%s → transient',
    (code) => {
      const result = classifyOutcome('adjust', { kind: 'network', code, message: 'boom', durationMs: 5 });
      expect(result).toEqual({ class: 'transient', reason: `network: ${code}` });
    },
  );

  it('429 carries Retry-After (seconds or HTTP date)', () => {
    expect(classifyOutcome('adjust', answer(429, adjustBody('Too many requests'), '7')).retryAfterMs).toBe(7000);
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(classifyOutcome('appsflyer', answer(429, 'Too Many Requests', 'Sun, 22 Nov 2026 10:00:30 GMT'), now).retryAfterMs).toBe(30_000);
    expect(classifyOutcome('appsflyer', answer(429, 'Too Many Requests')).retryAfterMs).toBeUndefined();
  });

  it('parseRetryAfter ignores what it cannot read and never goes negative', () => {
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:00 GMT', 5000)).toBe(0);
    expect(parseRetryAfter(' 3 ', 0)).toBe(3000);
  });
});

describe('a resend after a lost answer', () => {
  const adjust400 = (body: string) => classifyOutcome('adjust', { kind: 'response', status: 400, body, durationMs: 1 });
  const outOfOrder =
    '{"error":"Event request failed (Bad event state: out of order, created_at 2026-11-22T10:00:00.000Z is earlier than 2026-11-22T10:00:05.000Z already tracked for this device and event token)"}';

  it('counts an out-of-order refusal on a retried attempt as already accepted, with a warning', () => {
    const retried = acceptedByLostAttempt('adjust', true, adjust400(outOfOrder), outOfOrder);
    expect(retried).toMatchObject({ class: 'duplicate', status: 400 });
    expect(retried?.warning).toMatch(/earlier attempt of this batch was accepted/);
    const bare = '{"error":"Event request failed (Bad event state)"}';
    expect(acceptedByLostAttempt('adjust', true, adjust400(bare), bare)?.class).toBe('duplicate');
  });

  it('leaves first sends, other reasons and other vendors alone', () => {
    expect(acceptedByLostAttempt('adjust', false, adjust400(outOfOrder), outOfOrder)).toBeUndefined();
    for (const body of [
      '{"error":"Event request failed (Bad event state: created_at 2026-11-22T10:00:00.000Z is before installed_at 2026-11-22T11:00:00.000Z)"}',
      '{"error":"Event request failed (Bad event state: too old, created_at 2026-10-01T00:00:00.000Z is more than 28 days before the request was received)"}',
      '{"error":"Event request failed (Invalid event token)"}',
    ]) {
      expect(acceptedByLostAttempt('adjust', true, adjust400(body), body), body).toBeUndefined();
    }
    const af = classifyOutcome('appsflyer', { kind: 'response', status: 400, body: 'Bad request', durationMs: 1 });
    expect(acceptedByLostAttempt('appsflyer', true, af, 'Bad request')).toBeUndefined();
  });
});
