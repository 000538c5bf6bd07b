// Bulk redrive against the real relay: the filters (app, visibility query, dead-letter reason), the dry run that
// changes nothing, and the fix-then-redrive of many users dead-lettered by one broken token with one command
// (the real `s2s` binary, NDJSON output, progress lines on stderr), after which every one is delivered.
// S2S_BULK_REDRIVE_USERS sets the size of the big case (default 200; the 1,000-user figures in docs/operations.md
// come from running this file with 1000).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BulkRedriveSummary, UserRedriveResult } from '../../../client/bulk-redrive';
import { EXIT, runCli } from '../../../client/cli';
import { defaultEmulatorConfig } from '../../../emulator/config';
import { SA } from '../../../domain/search-attributes';
import { PROJECT_ROOT } from '../../../worker/paths';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { breakTrial, countUsers, deadLetteredUsers, eachLimit } from './bulk-helpers';
import { sharedClient } from './ops-helpers';

const BIG = Number(process.env.S2S_BULK_REDRIVE_USERS ?? 200);

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms' } });
});
afterAll(async () => {
  await relay?.stop();
});

async function s2s(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), stdin: () => '', connect: async () => sharedClient(relay) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
const lines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
const summaryOf = (text: string) => (lines(text).at(-1) as { summary: BulkRedriveSummary }).summary;

async function allDelivered(userIds: string[], trials: number): Promise<void> {
  await waitFor('no user with dead letters left (visibility)', async () => (await countUsers(relay, `${SA.deadLetters.name} > 0`)) === 0, 240_000, 500);
  await eachLimit(userIds, 16, async (userId) => {
    await waitFor(
      `user ${userId} delivered`,
      async () => {
        const s = await relay.client.status(userId);
        return s.deadLetters.length === 0 && s.lanes.adjust.counts.delivered === trials && s.pending === 0;
      },
      60_000,
      200,
    );
  });
}

describe('s2s redrive --all: filters and dry run', () => {
  it('narrows by app, by visibility query and by reason; a dry run changes nothing; bad filters exit 2 before anything is sent', async () => {
    breakTrial(relay, 'demo-ios');
    breakTrial(relay, 'demo-android');
    const ios = await deadLetteredUsers(relay, 3, 'demo-ios');
    const android = await deadLetteredUsers(relay, 2, 'demo-android');

    const dry = await s2s(['redrive', '--all', '--dry-run', '--app', 'demo-android', '--json']);
    expect(dry.code).toBe(EXIT.ok);
    const perUser = lines(dry.out).slice(0, -1) as UserRedriveResult[];
    expect(perUser.map((u) => u.userId).sort()).toEqual([...android].sort());
    for (const u of perUser) expect(u.wouldRedrive?.map((d) => d.reason)).toEqual([expect.stringMatching(/adjust rejected the event: .*Invalid event token/)]);
    expect(summaryOf(dry.out)).toMatchObject({
      dryRun: true,
      users: 2,
      usersRedriven: 2,
      deadLetters: 2,
      failures: 0,
      query: expect.stringContaining(`${SA.app.name} = 'demo-android'`),
    });
    expect(dry.err).toMatch(
      /^dry run: listing users: S2SDeadLetters > 0 AND ExecutionStatus = 'Running' AND TaskQueue = '.+' AND S2SApp = 'demo-android'\n2 users with dead letters, 8 at a time\n/,
    );
    expect(await countUsers(relay, `${SA.deadLetters.name} > 0`)).toBe(5); // nothing changed

    const human = await s2s(['redrive', '--dry-run', '--query', `${SA.userId.name} = '${ios[0]}'`]);
    expect(human.code).toBe(EXIT.ok);
    expect(human.out).toMatch(
      new RegExp(`^${ios[0]} \\(demo-ios\\): would redrive 1\\n {2}adjust {5}dlv_adj_\\w+ event evt_trial_\\S+ \\(trial\\): adjust rejected the event`),
    );
    expect(human.out).toContain('dry run, nothing changed: 1 user with dead letters; 1 dead letter of 1 user would be redriven');

    const noMatch = await s2s(['redrive', '--dry-run', '--reason', '/opted out|deadline/i', '--json']);
    expect(summaryOf(noMatch.out)).toMatchObject({ users: 5, deadLetters: 0, noMatch: 5, reason: '/opted out|deadline/i' });

    for (const bad of [
      ['--reason', '/(/'],
      ['--app', 'Demo iOS'],
      ['--concurrency', '0'],
      ['u1', '--all'],
      ['u1', '--dry-run'],
    ]) {
      const run = await s2s(['redrive', ...bad]);
      expect(run.code, bad.join(' ')).toBe(EXIT.invalidInput);
    }
    const badQuery = await s2s(['redrive', '--all', '--query', 'NoSuchAttribute = 1']);
    expect(badQuery).toMatchObject({ code: EXIT.invalidInput, err: expect.stringMatching(/the server refused the visibility query \(check --query\)/) });

    // The fix; then a redrive narrowed by reason and app takes the iOS users only, and a plain one the rest.
    relay.emulator.setConfig(defaultEmulatorConfig);
    const redriven = await s2s(['redrive', '--reason', 'invalid event token', '--app', 'demo-ios', '--json']);
    expect(redriven.code).toBe(EXIT.ok);
    expect((lines(redriven.out).slice(0, -1) as UserRedriveResult[]).map((u) => [u.userId, u.redriven.length, u.matched]).sort()).toEqual(
      ios.map((id) => [id, 1, 1]).sort(),
    );
    expect(summaryOf(redriven.out)).toMatchObject({ users: 3, usersRedriven: 3, deadLetters: 3, refused: 0, notFound: 0, noMatch: 0, failures: 0 });
    await waitFor(
      'the iOS users delivered',
      async () => (await countUsers(relay, `${SA.deadLetters.name} > 0 AND ${SA.app.name} = 'demo-ios'`)) === 0,
      60_000,
      300,
    );
    const rest = await s2s(['redrive']);
    expect(rest.code).toBe(EXIT.ok);
    expect(rest.out).toMatch(
      /^redrive summary: 2 users · 2 dead letters redriven \(2 users\) · 0 refused · 0 no longer dead-lettered · 0 failures · \d+\.\d s$/,
    );
    await allDelivered([...ios, ...android], 1);
  });
});

describe(`s2s redrive --all: fix, then redrive ${BIG} users with one command`, () => {
  it('redrives every dead-lettered user of the task queue and all are delivered', async () => {
    breakTrial(relay, 'demo-ios');
    const created = Date.now();
    const users = await deadLetteredUsers(relay, BIG, 'demo-ios', 600_000);
    const setupMs = Date.now() - created;
    relay.emulator.setConfig(defaultEmulatorConfig); // the fix

    const env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: relay.taskQueue };
    const started = Date.now();
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(PROJECT_ROOT, 'bin', 's2s.js'), 'redrive', '--all', '--json'], {
      env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 600_000,
    });
    const commandMs = Date.now() - started;
    const results = lines(stdout).slice(0, -1) as UserRedriveResult[];
    const summary = summaryOf(stdout);
    expect(summary).toMatchObject({ users: BIG, usersRedriven: BIG, deadLetters: BIG, refused: 0, notFound: 0, failures: 0, dryRun: false });
    expect(results.map((r) => r.userId).sort()).toEqual([...users].sort());
    expect(results.every((r) => r.redriven.length === 1 && r.redriven[0]?.startsWith('dlv_adj_'))).toBe(true);
    // Not a terminal: plain progress lines, then the final one.
    const progress = stderr.split('\n').filter((l) => l.startsWith('redrive: '));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toMatch(new RegExp(`^redrive: ${BIG}/${BIG} users \\(100%\\), ${BIG} dead letters redriven, 0 refused, 0 failed · `));

    await allDelivered(users, 1);
    const deliveredMs = Date.now() - started;
    console.log(
      `[bulk redrive] ${BIG} users dead-lettered in ${(setupMs / 1000).toFixed(1)} s; \`s2s redrive --all\` took ${(commandMs / 1000).toFixed(1)} s; all delivered ${(deliveredMs / 1000).toFixed(1)} s after the command started`,
    );
    console.log(`[bulk redrive] summary: ${JSON.stringify(summary)}`);
    console.log(`[bulk redrive] progress (stderr):\n${stderr.trimEnd()}`);
  }, 1_200_000);
});
