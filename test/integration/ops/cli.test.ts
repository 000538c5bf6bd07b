// The `s2s` CLI against the real relay: every command, human-readable and --json, and the documented exit
// codes (0 ok, 1 failure, 2 invalid input or rejected, 4 unknown user). runCli runs in-process with a fake
// io whose connect() hands out the harness's client; one test runs the real bin/s2s.js process.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectFromEnv, EXIT, processIo, runCli, type CliIo } from '../../../client/cli';
import { RelayClient } from '../../../client/relay-client';
import type { MessageAnswer, RedriveAnswer, SignupAnswer, TimelineEntry, UserStatus } from '../../../domain/status';
import { defaultEmulatorConfig } from '../../../emulator/config';
import { freePort } from '../../../worker/net';
import { PROJECT_ROOT } from '../../../worker/paths';
import { purchase, secondsAgo } from '../../helpers/events';
import { startRelay, testUserId, type RelayHarness } from '../../helpers/relay';
import { iosInstall, registerInstall } from '../../helpers/users';
import { breakTrialToken, sharedClient, signedUpUser, statusWhen } from './ops-helpers';

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms' } });
});
afterAll(async () => {
  await relay?.stop();
});

interface Run {
  code: number;
  out: string;
  err: string;
}

async function s2s(argv: string[], options: { stdin?: string; io?: Partial<CliIo> } = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    stdin: () => options.stdin ?? '',
    connect: async () => sharedClient(relay),
    ...options.io,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const json = <T>(run: Run): T => JSON.parse(run.out) as T;
/** --json of a list: one JSON value per line (NDJSON), every line on its own parseable. */
const ndjson = <T>(run: Run): T[] => (run.out === '' ? [] : run.out.split('\n').map((line) => JSON.parse(line) as T));

describe('s2s CLI: backend commands', () => {
  it('signup: human and --json, idempotent; invalid JSON and a zod error naming the field exit 2', async () => {
    const install = iosInstall();
    const first = await s2s(['signup', JSON.stringify(install)]);
    expect(first).toMatchObject({ code: EXIT.ok, err: '' });
    expect(first.out).toContain(`signed up: ${install.userId} (demo-ios), installed ${install.installedAt}`);
    const again = await s2s(['signup', JSON.stringify(install), '--json']);
    expect(again.code).toBe(EXIT.ok);
    expect(json<SignupAnswer>(again)).toMatchObject({ status: 'already-signed-up', userId: install.userId, app: 'demo-ios' });

    const notJson = await s2s(['signup', '{"userId": "u1",']);
    expect(notJson.code).toBe(EXIT.invalidInput);
    expect(notJson.err).toMatch(/^s2s: signup: the argument is not valid JSON/);
    const badField = await s2s(['signup', JSON.stringify({ ...install, deviceIds: { idfa: 'not-a-uuid' } })]);
    expect(badField.code).toBe(EXIT.invalidInput);
    expect(badField.err).toMatch(/invalid signup: deviceIds\.idfa: idfa must be a UUID/);
    const missing = await s2s(['signup', '-'], {
      stdin: JSON.stringify({ userId: 'u-x', app: 'demo-ios', installedAt: '2026-01-01T00:00:00Z', deviceIds: { idfa: randomUUID() } }),
    });
    expect(missing.code).toBe(EXIT.invalidInput);
    expect(missing.err).toMatch(/platform: platform must be "ios" or "android"/);
    const none = await s2s(['signup']);
    expect(none).toMatchObject({ code: EXIT.invalidInput, err: 's2s: signup needs a JSON document as its argument, or - to read it from stdin' });
  });

  it('track and refund: human, --json, stdin, --signal; bad fields exit 2; a refund the workflow rejects exits 2; unknown user 4', async () => {
    const install = await signedUpUser(relay);
    const userId = install.userId;
    const tracked = await s2s(['track', JSON.stringify(purchase(userId, 'evt_cli_1', secondsAgo(20)))]);
    expect(tracked.code).toBe(EXIT.ok);
    expect(tracked.out).toMatch(/^event evt_cli_1: accepted \(received .+\)\n {2}adjust {5}dlv_adj_\w+ {2}pending\n {2}appsflyer {2}dlv_af_\w+ {2}pending$/);
    const viaStdin = await s2s(['track', '-', '--json'], { stdin: JSON.stringify(purchase(userId, 'evt_cli_1', secondsAgo(20))) });
    expect(json<MessageAnswer>(viaStdin)).toMatchObject({ status: 'duplicate', kind: 'track', id: 'evt_cli_1' });
    // The same id with other content: nothing recorded, a distinct exit code so a script notices.
    const conflicting = await s2s(['track', JSON.stringify(purchase(userId, 'evt_cli_1', secondsAgo(20), '5.99')), '--json']);
    expect(conflicting.code).toBe(EXIT.conflictingDuplicate);
    expect(json<MessageAnswer>(conflicting)).toMatchObject({ status: 'duplicate', conflictingDuplicate: true });
    const signalled = await s2s(['track', '--signal', JSON.stringify(purchase(userId, 'evt_cli_2', secondsAgo(10), '1.99'))]);
    expect(signalled).toMatchObject({ code: EXIT.ok, out: 'track signalled' });

    const badTime = await s2s(['track', JSON.stringify({ ...purchase(userId, 'evt_bad', 'yesterday') })]);
    expect(badTime.code).toBe(EXIT.invalidInput);
    expect(badTime.err).toMatch(/^s2s: invalid track: occurredAt: occurredAt must be an RFC 3339 timestamp/);
    // Checked before connecting: no server needed for a bad document.
    const offline = await s2s(['track', JSON.stringify({ ...purchase(userId, 'evt_x', secondsAgo(5)), revenue: 4.99 })], {
      io: { connect: () => Promise.reject(new Error('must not connect')) },
    });
    expect(offline).toMatchObject({
      code: EXIT.invalidInput,
      err: expect.stringMatching(/^s2s: invalid track: revenue: revenue must be a decimal string such as "4.99"/),
    });
    const badJson = await s2s(['track', '-'], { stdin: 'purchase please' });
    expect(badJson.code).toBe(EXIT.invalidInput);
    expect(badJson.err).toMatch(/track: the input on stdin is not valid JSON/);

    await statusWhen(relay, userId, 'purchase delivered', (s) => s.lanes.appsflyer.counts.delivered >= 1);
    const refund = { userId, refundId: 'rf_cli_1', purchaseEventId: 'evt_cli_1', amount: '1.00', currency: 'USD', occurredAt: secondsAgo(5) };
    const refunded = await s2s(['refund', JSON.stringify(refund), '--json']);
    expect(refunded.code).toBe(EXIT.ok);
    expect(json<MessageAnswer>(refunded)).toMatchObject({ status: 'accepted', kind: 'refund', id: 'rf_cli_1' });
    const over = await s2s(['refund', JSON.stringify({ ...refund, refundId: 'rf_cli_2', amount: '9.00' })]);
    expect(over.code).toBe(EXIT.invalidInput);
    expect(over.err).toMatch(/^s2s: refund refused: refund of 9.00 USD exceeds what remains refundable/);
    const unknown = await s2s(['refund', JSON.stringify({ ...refund, userId: testUserId('nobody') })]);
    expect(unknown.code).toBe(EXIT.unknownUser);
    expect(unknown.err).toMatch(/no s2s-relay workflow for user/);
  });
});

describe('s2s CLI: operator commands', () => {
  let userId: string;
  let deadDelivery: string;
  beforeAll(async () => {
    const install = await signedUpUser(relay);
    userId = install.userId;
    await relay.client.track(purchase(userId, 'evt_ops_1', secondsAgo(30), '4.99'));
    await statusWhen(relay, userId, 'purchase delivered', (s) => s.counters.delivered === 2);
    breakTrialToken(relay);
    await relay.client.track({ userId, eventId: 'evt_ops_trial', name: 'trial', occurredAt: secondsAgo(10) });
    const status = await statusWhen(relay, userId, 'dead letter', (s) => s.deadLetters.length === 1 && s.pending === 0);
    deadDelivery = status.deadLetters[0]!.deliveryId!;
    relay.emulator.setConfig(defaultEmulatorConfig);
  });

  it('status: human and --json; unknown user exits 4; a bad or missing user id exits 2', async () => {
    const human = await s2s(['status', userId]);
    expect(human.code).toBe(EXIT.ok);
    expect(human.out).toContain(`user ${userId}: idle · app demo-ios (ios)`);
    expect(human.out).toMatch(/adjust {5}0 queued, 1 delivered, 0 duplicate, 0 skipped, 1 dead-lettered/);
    expect(human.out).toMatch(
      new RegExp(`dead letters:\\n {2}adjust {5}${deadDelivery} event evt_ops_trial \\(trial\\): adjust rejected the event: .*Invalid event token.*\\[400\\]`),
    );
    expect(human.out).not.toMatch(/\[400: /); // the vendor's answer is not repeated
    const machine = await s2s(['status', userId, '--json']);
    expect(machine.out).not.toContain('\n'); // one JSON value on one line
    expect(json<UserStatus>(machine)).toMatchObject({
      userId,
      state: 'idle',
      app: 'demo-ios',
      pending: 0,
      deadLetters: [{ deliveryId: deadDelivery, status: 400 }],
    });

    const unknown = await s2s(['status', 'no-such-user-xyz']);
    expect(unknown).toMatchObject({
      code: EXIT.unknownUser,
      err: 's2s: no s2s-relay workflow for user "no-such-user-xyz": sign the user up (or track an event) first',
    });
    const unknownJson = await s2s(['status', 'no-such-user-xyz', '--json']);
    expect(unknownJson.code).toBe(EXIT.unknownUser);
    expect(JSON.parse(unknownJson.err)).toEqual({ error: { exitCode: 4, kind: 'unknown-user', message: expect.stringContaining('no-such-user-xyz') } });
    const bad = await s2s(['status', 'not a user']);
    expect(bad.code).toBe(EXIT.invalidInput);
    expect(bad.err).toMatch(/^s2s: status: userId must be 1-128 characters: .+ \(got "not a user"\)$/);
    expect((await s2s(['status'])).code).toBe(EXIT.invalidInput);
    expect((await s2s(['status', userId, 'extra'])).err).toMatch(/unexpected argument\(s\) extra/);
  });

  it('history: per vendor with times and delivery ids, filtered by id; --json; unknown id 2, unknown user 4', async () => {
    const human = await s2s(['history', userId]);
    expect(human.code).toBe(EXIT.ok);
    expect(human.out).toMatch(/^adjust:\n {2}occurred +message +outcome +at +delivery id\n/);
    expect(human.out).toMatch(/\n {2}\S+Z {2}event evt_ops_1 \(purchase\) 4\.99 USD +delivered 200 +\S+Z +dlv_adj_\w+\n/);
    expect(human.out).toMatch(/\n {2}\S+Z {2}event evt_ops_trial \(trial\) +dead-lettered 400 +\S+Z +dlv_adj_\w+\n {4}.*Invalid event token/);
    expect(human.out).toMatch(/\nappsflyer:\n {2}occurred/);
    const one = await s2s(['history', userId, 'evt_ops_1', '--json']);
    const entries = ndjson<TimelineEntry>(one);
    expect(one.out.split('\n')).toHaveLength(2);
    expect(entries.map((e) => `${e.destination} ${e.messageId} ${e.outcome}`).sort()).toEqual(['adjust evt_ops_1 delivered', 'appsflyer evt_ops_1 delivered']);
    expect(entries.every((e) => e.at && e.status === 200)).toBe(true);
    const none = await s2s(['history', userId, 'evt_nope']);
    expect(none).toMatchObject({ code: EXIT.invalidInput, err: `s2s: history: user ${userId} has no deliveries for evt_nope` });
    expect((await s2s(['history', 'no-such-user-xyz'])).code).toBe(EXIT.unknownUser);
  });

  it("dead-letters: this deployment's users with reasons, human and --json", async () => {
    await statusWhen(relay, userId, 'visible', () => true);
    let run: Run | undefined;
    const deadline = Date.now() + 15_000;
    do {
      run = await s2s(['dead-letters', '--json']);
      if (ndjson<{ userId: string }>(run).some((u) => u.userId === userId)) break;
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < deadline);
    expect(run.code).toBe(EXIT.ok);
    const report = ndjson<{ userId: string; deadLetters: number; letters: Array<{ deliveryId: string; reason: string }> }>(run).find(
      (u) => u.userId === userId,
    );
    expect(report).toMatchObject({
      deadLetters: 1,
      app: 'demo-ios',
      letters: [{ deliveryId: deadDelivery, reason: expect.stringMatching(/Invalid event token/) }],
    });
    const human = await s2s(['dead-letters', '--limit', '50']);
    expect(human.code).toBe(EXIT.ok);
    expect(human.out).toContain(`${userId} (demo-ios, ok): 1 dead letter\n  adjust     ${deadDelivery}`);
    expect(human.out).toContain('fix the cause, then: s2s redrive <userId> [id ...]');
    expect((await s2s(['dead-letters', '--limit', '0'])).code).toBe(EXIT.invalidInput);
  });

  it('redrive: unknown delivery id exits 2, unknown user 4, then the fix redelivers; --json', async () => {
    const unknownId = await s2s(['redrive', userId, 'dlv_adj_0000000000000000']);
    expect(unknownId).toMatchObject({ code: EXIT.invalidInput, out: 'redriven: (none)\nnot found among the dead letters: dlv_adj_0000000000000000' });
    expect((await s2s(['redrive', 'no-such-user-xyz'])).code).toBe(EXIT.unknownUser);
    const redriven = await s2s(['redrive', userId, deadDelivery, '--json']);
    expect(redriven.code).toBe(EXIT.ok);
    expect(json<RedriveAnswer>(redriven)).toEqual({ redriven: [deadDelivery], notFound: [] });
    await statusWhen(relay, userId, 'redelivered', (s) => s.deadLetters.length === 0 && s.counters.delivered === 4);
    const again = await s2s(['redrive', userId]);
    expect(again).toMatchObject({ code: EXIT.ok, out: 'redriven: (none)' });
  });
});

describe('s2s CLI: usage and failures', () => {
  it('usage: --help exits 0, no command or an unknown one exits 2', async () => {
    const help = await s2s(['--help']);
    expect(help.code).toBe(EXIT.ok);
    expect(help.out).toMatch(/^usage: s2s <command>/);
    expect(help.out).toContain('exit codes: 0 ok, 1 failure');
    expect((await s2s([])).code).toBe(EXIT.invalidInput);
    const unknown = await s2s(['frobnicate']);
    expect(unknown.code).toBe(EXIT.invalidInput);
    expect(unknown.err).toMatch(/^s2s: unknown command "frobnicate"\n\nusage:/);
    expect((await s2s(['status', 'u1', '--verbose'])).err).toMatch(/^s2s: unknown option --verbose/);
    // Per-command help and the version, without connecting.
    const offline = { connect: () => Promise.reject(new Error('must not connect')) };
    const trackHelp = await s2s(['track', '--help'], { io: offline });
    expect(trackHelp).toMatchObject({ code: EXIT.ok, out: expect.stringMatching(/^usage: s2s track <json\|-> \[--signal\] \[--json\]\n\nrecord an event/) });
    expect(trackHelp.out).toContain('exit 3 when its content differs');
    expect((await s2s(['recover', '--help'], { io: offline })).out).toMatch(/closed run's state/);
    const version = await s2s(['--version'], { io: offline });
    expect(version).toMatchObject({ code: EXIT.ok, out: expect.stringMatching(/^s2s \d+\.\d+\.\d+$/) });
  });

  it('Temporal unreachable exits 1 with where it looked and what to check; bad settings exit 2', async () => {
    const port = await freePort();
    const down = await s2s(['status', 'u1'], { io: { connect: () => connectFromEnv({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` }) } });
    expect(down.code).toBe(EXIT.failure);
    expect(down.err).toMatch(
      new RegExp(
        `^s2s: cannot reach Temporal at 127\\.0\\.0\\.1:${port} \\(namespace default\\): .+\\. Is the server running \\(\`npm start\` starts one\\) and is TEMPORAL_ADDRESS right\\?$`,
      ),
    );
    const bad = await s2s(['status', 'u1', '--json'], { io: { connect: () => connectFromEnv({ TEMPORAL_ADDRESS: 'temporal' }) } });
    expect(bad.code).toBe(EXIT.invalidInput);
    expect(JSON.parse(bad.err)).toMatchObject({
      error: { exitCode: 2, kind: 'invalid-settings', message: expect.stringMatching(/TEMPORAL_ADDRESS.*host:port/) },
    });
    const badKey = await s2s(['status', 'u1'], {
      io: { connect: () => connectFromEnv({ TEMPORAL_ADDRESS: `127.0.0.1:${port}`, S2S_PAYLOAD_KEYS: 'k1:c2hvcnQ=' }) },
    });
    expect(badKey.code).toBe(EXIT.invalidInput);
    expect(badKey.err).toBe(
      's2s: invalid payload key settings: S2S_PAYLOAD_KEYS: entry 1 (key id "k1"): the key must be 32 bytes (AES-256); it decodes to 5 bytes. generate one with `openssl rand -base64 32`',
    );
  });

  it('no worker answering a query exits 1 and says so', async () => {
    const taskQueue = `nobody-${randomUUID()}`;
    const orphan = new RelayClient(relay.temporal, { taskQueue });
    orphan.close = async () => undefined;
    const userId = testUserId('noworker');
    await orphan.trackSignal(purchase(userId, 'evt_1', secondsAgo(5)));
    const run = await s2s(['status', userId], { io: { connect: async () => orphan, answerTimeoutMs: 1_500 } });
    expect(run.code).toBe(EXIT.failure);
    expect(run.err).toBe(
      `s2s: status of user ${userId}: no worker answered within 1.5 s. Is an s2s-relay worker running for task queue "${taskQueue}"? (\`npm start\` or \`npm run worker\`)`,
    );
    await relay.temporal.workflow.getHandle(`s2s-user-${userId}`).terminate('test cleanup');
  });

  it('no worker answering an update (track, signup, refund, redrive) exits 1 within S2S_CLI_TIMEOUT and says what was and was not recorded', async () => {
    const taskQueue = `nobody-${randomUUID()}`;
    const orphan = new RelayClient(relay.temporal, { taskQueue });
    orphan.close = async () => undefined;
    const io = { connect: async () => orphan, answerTimeoutMs: 1_500 };
    const noWorker = (what: string) =>
      `s2s: ${what}: no worker answered within 1.5 s. Is an s2s-relay worker running for task queue "${taskQueue}"? (\`npm start\` or \`npm run worker\`)`;
    const notDurable = (userId: string) =>
      ' the server holds the update in memory, not durably, so a worker that starts soon may still apply it, or it may be lost.' +
      ` Once a worker runs, check with \`s2s status ${userId}\` and send it again if needed (a repeat is recognised, not applied twice).`;

    // Update-with-start: the workflow is started (on the queue nobody polls), the event is not in its history.
    const userId = testUserId('noworker-track');
    const started = Date.now();
    const tracked = await s2s(['track', JSON.stringify(purchase(userId, 'evt_nw_1', secondsAgo(5)))], { io });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(tracked.code).toBe(EXIT.failure);
    expect(tracked.err).toBe(
      `${noWorker(`track of event evt_nw_1 for user ${userId}`)}. The user's workflow is running (started now if it was not), but the event is not recorded in it yet:${notDurable(userId)}`,
    );
    const handle = relay.temporal.workflow.getHandle(`s2s-user-${userId}`);
    const described = await handle.describe();
    expect({ status: described.status.name, taskQueue: described.taskQueue }).toEqual({ status: 'RUNNING', taskQueue });
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);

    // A plain update on the existing workflow: nothing recorded; --json carries the same message and kind.
    const redriven = await s2s(['redrive', userId, '--json'], { io });
    expect(redriven.code).toBe(EXIT.failure);
    expect(JSON.parse(redriven.err)).toEqual({
      error: {
        exitCode: 1,
        kind: 'no-worker',
        message: `${noWorker(`redrive for user ${userId}`).slice('s2s: '.length)}. The redrive is not recorded in the user's workflow yet:${notDurable(userId)}`,
      },
    });
    const refund = { userId, refundId: 'rf_nw_1', purchaseEventId: 'evt_nw_1', amount: '1.00', currency: 'USD', occurredAt: secondsAgo(1) };
    const refunded = await s2s(['refund', JSON.stringify(refund)], { io });
    expect(refunded.code).toBe(EXIT.failure);
    expect(refunded.err).toBe(`${noWorker(`refund rf_nw_1 for user ${userId}`)}. The refund is not recorded in the user's workflow yet:${notDurable(userId)}`);

    // The timeout comes from S2S_CLI_TIMEOUT (processIo), here for a signup; an invalid value exits 2.
    const install = iosInstall();
    const env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      S2S_CLI_TIMEOUT: '1',
      S2S_PAYLOAD_KEYS: process.env.S2S_PAYLOAD_KEYS,
    };
    const fromEnv = processIo(env);
    expect(fromEnv.answerTimeoutMs).toBe(1_000);
    const signup = await s2s(['signup', JSON.stringify(install)], { io: { connect: fromEnv.connect, answerTimeoutMs: fromEnv.answerTimeoutMs } });
    expect(signup.code).toBe(EXIT.failure);
    expect(signup.err).toMatch(
      new RegExp(
        `^s2s: signup of user ${install.userId}: no worker answered within 1 s\\. .*\\)\\. The user's workflow is running \\(started now if it was not\\), but the install context is not recorded in it yet:`,
      ),
    );
    const badTimeout = await s2s(['status', 'u1'], { io: { connect: processIo({ ...env, S2S_CLI_TIMEOUT: 'soon' }).connect } });
    expect(badTimeout.code).toBe(EXIT.invalidInput);
    expect(badTimeout.err).toMatch(/^s2s: invalid CLI settings: S2S_CLI_TIMEOUT: must be a number of seconds/);

    for (const id of [userId, install.userId]) await relay.temporal.workflow.getHandle(`s2s-user-${id}`).terminate('test cleanup');
  });

  it('the s2s binary exits with the code (4: unknown user) and prints to stderr', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: relay.taskQueue };
    const result = await run(process.execPath, [path.join(PROJECT_ROOT, 'bin', 's2s.js'), 'status', 'no-such-user-bin'], { env }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(result.code).toBe(EXIT.unknownUser);
    expect(result.stderr).toContain('s2s: no s2s-relay workflow for user "no-such-user-bin"');
    const install = iosInstall();
    registerInstall(relay.emulator, install);
    const ok = await run(process.execPath, [path.join(PROJECT_ROOT, 'bin', 's2s.js'), 'signup', JSON.stringify(install), '--json'], { env });
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'signed-up', userId: install.userId });
  });
});
