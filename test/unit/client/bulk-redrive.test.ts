// Bulk redrive's pure parts: the visibility query it lists users with, the --reason matcher, the CLI's
// per-user lines and summary, and the progress display (a bar on a terminal, plain lines otherwise).
import { describe, expect, it } from 'vitest';
import { deadLetterQuery, reasonMatcher, type BulkRedriveSummary } from '../../../client/bulk-redrive';
import { formatSummary, formatUserResult } from '../../../client/cli/redrive';
import { Progress } from '../../../client/cli/progress';
import type { DeadLetterView } from '../../../domain/status';

const letter = (over: Partial<DeadLetterView> = {}): DeadLetterView => ({
  id: 'dlv_adj_0123456789abcdef',
  deliveryId: 'dlv_adj_0123456789abcdef',
  destination: 'adjust',
  kind: 'track',
  messageId: 'evt_1',
  name: 'trial',
  occurredAt: '2026-11-22T10:15:00Z',
  reason: 'adjust rejected the event: Adjust 400: event token unknown or not of this app; answer: {"error":"Event request failed (Invalid event token)"}',
  status: 400,
  at: '2026-11-22T10:16:00Z',
  redrives: 0,
  ...over,
});

describe('deadLetterQuery', () => {
  it('is running users with dead letters on the task queue, narrowed by app and a parenthesised operator query', () => {
    expect(deadLetterQuery({ taskQueue: 's2s-relay' })).toBe("S2SDeadLetters > 0 AND ExecutionStatus = 'Running' AND TaskQueue = 's2s-relay'");
    expect(deadLetterQuery({ taskQueue: 'q', app: 'demo-ios', query: "S2SState = 'idle' OR S2SPending > 3" })).toBe(
      "S2SDeadLetters > 0 AND ExecutionStatus = 'Running' AND TaskQueue = 'q' AND S2SApp = 'demo-ios' AND (S2SState = 'idle' OR S2SPending > 3)",
    );
  });
});

describe('reasonMatcher', () => {
  it('matches a case-insensitive substring of the reason, the vendor answer or the status', () => {
    expect(reasonMatcher('INVALID EVENT TOKEN')(letter())).toBe(true);
    expect(reasonMatcher('opted out')(letter())).toBe(false);
    expect(reasonMatcher('bad gateway')(letter({ reason: 'retry deadline passed', vendorMessage: 'Adjust 502: Bad Gateway' }))).toBe(true);
    expect(reasonMatcher('400')(letter({ reason: 'x' }))).toBe(true);
  });

  it('takes /regex/flags, and refuses an invalid one with the reason', () => {
    expect(reasonMatcher('/Invalid (event|app) token/')(letter())).toBe(true);
    expect(reasonMatcher('/^ADJUST REJECTED/')(letter())).toBe(false);
    expect(reasonMatcher('/^ADJUST REJECTED/i')(letter())).toBe(true);
    // A global flag would make test() stateful: it is dropped, so every letter is judged alike.
    const g = reasonMatcher('/token/g');
    expect([g(letter()), g(letter()), g(letter())]).toEqual([true, true, true]);
    expect(() => reasonMatcher('/(/')).toThrow(/--reason \/\(\/ is not a valid regular expression/);
  });
});

describe('the CLI output of a bulk redrive', () => {
  const summary: BulkRedriveSummary = {
    query: 'Q',
    dryRun: false,
    users: 3,
    usersRedriven: 2,
    deadLetters: 4,
    refused: 1,
    notFound: 0,
    noMatch: 0,
    failures: 1,
    durationMs: 12_340,
  };

  it('prints a line only for users with something to say, except in a dry run', () => {
    expect(formatUserResult({ userId: 'u1', app: 'demo-ios', redriven: ['a'], notFound: [], refused: [] }, false)).toBeUndefined();
    expect(formatUserResult({ userId: 'u1', redriven: [], notFound: [], refused: [], error: 'no worker answered' }, false)).toBe(
      'u1: FAILED: no worker answered',
    );
    expect(formatUserResult({ userId: 'u1', redriven: ['a'], notFound: ['b'], refused: ['dlm_1'] }, false)).toBe(
      'u1: redriven 1; still dead-lettered (the refund rules refuse them): dlm_1; no longer dead letters: b',
    );
    expect(formatUserResult({ userId: 'u2', app: 'demo-ios', redriven: [], notFound: [], refused: [], wouldRedrive: [letter()] }, true)).toMatch(
      /^u2 \(demo-ios\): would redrive 1\n {2}adjust {5}dlv_adj_0123456789abcdef event evt_1 \(trial\): adjust rejected/,
    );
    expect(formatUserResult({ userId: 'u2', redriven: [], notFound: [], refused: [], wouldRedrive: [], matched: 0 }, true)).toBe(
      'u2: no dead letter matches --reason',
    );
  });

  it('sums up', () => {
    expect(formatSummary(summary)).toBe(
      'redrive summary: 3 users · 4 dead letters redriven (2 users) · 1 refused · 0 no longer dead-lettered · 1 failure · 12.3 s\n' +
        'the users that failed are listed above; run the same command again to retry them (a redrive is idempotent)',
    );
    expect(formatSummary({ ...summary, users: 0 })).toBe('no users with dead letters match (Q)');
    expect(formatSummary({ ...summary, dryRun: true, failures: 0, reason: 'token', noMatch: 1 })).toBe(
      'dry run, nothing changed: 3 users with dead letters; 4 dead letters of 2 users would be redriven (--reason token: 1 user without a match)\nrun it again without --dry-run to redrive them',
    );
  });
});

describe('Progress', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('without a terminal: a line every tenth of the work (or 5 s), then the final one', () => {
    const written: string[] = [];
    const c = clock();
    const p = new Progress('redrive', 100, { tty: false, write: (t) => written.push(t) }, c.now);
    for (let i = 1; i <= 100; i++) {
      c.advance(100);
      p.update(i, `${i} redriven`);
    }
    p.finish();
    expect(written.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(written[0]).toBe('redrive: 1/100 users (1%), 1 redriven · 0.1 s, 10.0/s, about 10 s left\n');
    expect(written.slice(1, -1).map((l) => l.split(' ')[1])).toEqual([
      '10/100',
      '20/100',
      '30/100',
      '40/100',
      '50/100',
      '60/100',
      '70/100',
      '80/100',
      '90/100',
    ]);
    expect(written.at(-1)).toBe('redrive: 100/100 users (100%), 100 redriven · 10.0 s, 10.0/s\n');
  });

  it('on a terminal: one bar redrawn in place at most ten times a second; printed lines clear it first', () => {
    const written: string[] = [];
    const c = clock();
    const p = new Progress('redrive', 4, { tty: true, write: (t) => written.push(t) }, c.now);
    p.update(1, 'x');
    c.advance(10);
    p.update(2, 'x'); // too soon: not drawn
    c.advance(100);
    p.update(3, 'x');
    p.log(() => written.push('<line>'));
    p.update(4, 'x'); // the last one is always drawn
    p.finish();
    // ESC [ K (clear the line) shown as <ESC>[K so the expectations read plainly.
    const shown = written.map((w) => w.replace(/\r/g, '<CR>').split(String.fromCharCode(27)).join('<ESC>'));
    const CLEAR = '<CR><ESC>[K';
    expect(shown[0]?.startsWith(`${CLEAR}redrive [######------------------] 1/4 users (25%), x · `)).toBe(true);
    expect(shown[1]?.startsWith(`${CLEAR}redrive [##################------] 3/4 users`)).toBe(true);
    expect(shown.slice(2, 4)).toEqual([CLEAR, '<line>']);
    expect(shown[4]?.startsWith(`${CLEAR}redrive [##################------] 3/4`)).toBe(true);
    expect(shown[5]).toContain('[########################] 4/4 users (100%)');
    expect(shown.at(-1)).toMatch(/^<CR><ESC>\[Kredrive: 4\/4 users \(100%\), x · 0\.1 s, .*\n$/);
  });
});
