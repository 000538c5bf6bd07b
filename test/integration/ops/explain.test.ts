// `s2s explain` against the real relay: the request it rebuilds from the history is the one the emulator
// recorded, byte for byte (method, URL, body, every header; the secret header as [redacted]), for both
// vendors, retried and restamped deliveries included; every failed attempt's answer, the outcome, a dead
// letter and its redrive, across runs (continue-as-new), human and NDJSON, and the binary reading
// S2S_APP_CONFIG. Histories are encrypted (the test run's key): explain decrypts them.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EXIT, runCli } from '../../../client/cli';
import type { DeliveryExplanation } from '../../../client/explain/explain';
import { defaultEmulatorConfig } from '../../../emulator/config';
import type { RecordedRequest } from '../../../emulator/record';
import { PROJECT_ROOT } from '../../../worker/paths';
import { purchase, secondsAgo } from '../../helpers/events';
import { DEMO_SECRETS, demoAppConfig, startRelay, TEST_POLICY, waitFor, type RelayHarness } from '../../helpers/relay';
import { registerInstall } from '../../helpers/users';
import { androidInstall, breakTrial } from './bulk-helpers';
import { sharedClient, statusWhen } from './ops-helpers';

const POLICY = { ...TEST_POLICY, postInstallDelay: '1s', settleWindow: '100ms', maxHistoryEvents: 60 };
let relay: RelayHarness;
let configFile: string;
beforeAll(async () => {
  relay = await startRelay({ policy: POLICY });
  // The configuration the workers run with, as an operator's file (secrets as {env} references, unresolved).
  configFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 's2s-explain-')), 'relay.json');
  fs.writeFileSync(configFile, JSON.stringify(demoAppConfig(relay.emulator.url, POLICY)));
});
afterAll(async () => {
  await relay?.stop();
  if (configFile) fs.rmSync(path.dirname(configFile), { recursive: true, force: true });
});

async function s2s(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    stdin: () => '',
    connect: async () => sharedClient(relay),
    env: { S2S_APP_CONFIG: configFile },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
const explained = (out: string) => out.split('\n').map((l) => JSON.parse(l) as DeliveryExplanation);
const SECRETS = Object.values(DEMO_SECRETS);

/** The rebuilt request against what the vendor (the emulator) received: identical but for the secret. */
function expectSameRequest(rebuilt: DeliveryExplanation['sends'][number]['request'], recorded: RecordedRequest): void {
  if ('error' in rebuilt) throw new Error(`not rebuilt: ${rebuilt.error}`);
  expect(rebuilt.method).toBe(recorded.method);
  const url = new URL(rebuilt.url);
  expect(`${url.origin}${url.pathname}${url.search}`).toBe(`${relay.emulator.url}${recorded.path}`);
  expect(recorded.query).toEqual({});
  expect(rebuilt.body).toBe(recorded.body);
  for (const [name, value] of Object.entries(rebuilt.headers)) {
    if (name === 'authorization' || name === 'authentication') {
      expect(value).toContain('[redacted]');
      expect(SECRETS.map((secret) => value.replace('[redacted]', secret))).toContain(recorded.headers[name]);
    } else {
      expect(recorded.headers[name], name).toBe(value);
    }
  }
}

describe('s2s explain', () => {
  it('rebuilds what each vendor received byte for byte, with every failed attempt, the restamp and the outcome', async () => {
    const install = androidInstall();
    registerInstall(relay.emulator, install);
    const userId = install.userId;
    await relay.client.signup(install);
    await relay.client.track(purchase(userId, 'evt_x_1', secondsAgo(30), '3.49'));
    await statusWhen(relay, userId, 'first purchase delivered', (s) => s.counters.delivered === 2);
    relay.emulator.setFaults({ adjust: { error5xx: 1, count: 2 } }); // the next two Adjust requests fail
    await relay.client.track(purchase(userId, 'evt_x_2', secondsAgo(60), '0.99')); // older than evt_x_1: restamped for Adjust
    await statusWhen(relay, userId, 'second purchase delivered', (s) => s.counters.delivered === 4, 30_000);

    const run = await s2s(['explain', userId, 'evt_x_2', '--json']);
    expect(run.code).toBe(EXIT.ok);
    const [adjust, appsflyer] = explained(run.out) as [DeliveryExplanation, DeliveryExplanation];
    expect([adjust.destination, appsflyer.destination]).toEqual(['adjust', 'appsflyer']);
    for (const d of [adjust, appsflyer]) {
      const recorded = relay.emulator.requests({ deliveryId: d.deliveryId });
      // Adjust: its part of the combined first attempt, then the send activity that retried it; AppsFlyer: its part.
      expect(d.sends.map((send) => send.combined)).toEqual(d.destination === 'adjust' ? [true, false] : [true]);
      expect(recorded.length).toBe(d.destination === 'adjust' ? 3 : 1);
      for (const send of d.sends) for (const r of recorded) expectSameRequest(send.request, r); // every attempt sent the same bytes
      expect(d.outcome).toMatchObject({ outcome: 'delivered', status: 200, source: 'workflow' });
      expect(d.message).toEqual({ kind: 'track', id: 'evt_x_2', name: 'purchase', occurredAt: expect.any(String), revenue: '0.99', currency: 'USD' });
    }
    // The retries: the combined first attempt's Adjust part failed with Adjust's answer and handed on, the activity's attempt 2 failed
    // too, then the accepted third.
    expect(adjust.sends[0]!.failures.map((f) => [f.attempt, f.type, f.status, f.from])).toEqual([[1, 'S2STransient', 500, 'first-attempt']]);
    expect(adjust.sends[0]!.failures[0]!.answer).toMatch(/^Adjust 500: Adjust server error; answer: .*Internal error, contact support@adjust\.com/);
    expect(adjust.sends[0]!.end).toMatchObject({ kind: 'handed-on' });
    expect(adjust.sends[1]!.failures.map((f) => [f.attempt, f.type, f.status])).toEqual([[2, 'S2STransient', 500]]);
    expect(adjust.sends[1]!.end).toMatchObject({ kind: 'delivered', receipt: { attempt: 3, status: 200 } });
    // The restamp: created_at_unix in the request is the time sent as, not when it happened.
    const first = relay.emulator.requests({
      deliveryId: (await relay.client.timeline(userId)).find((e) => e.messageId === 'evt_x_1' && e.destination === 'adjust')!.deliveryId,
    })[0]!;
    expect(adjust.sentAs).toBe(new Date(Number(first.params?.created_at_unix) * 1000).toISOString());
    expect(new URLSearchParams((adjust.sends[0]!.request as { body: string }).body).get('created_at_unix')).toBe(first.params?.created_at_unix);
    expect(appsflyer.sentAs).toBeUndefined();
    expect(run.out).not.toMatch(new RegExp(SECRETS.join('|')));

    const human = await s2s(['explain', userId, adjust.deliveryId]);
    expect(human.code).toBe(EXIT.ok);
    for (const secret of SECRETS) expect(human.out).not.toContain(secret);
    expect(human.out).toMatch(
      new RegExp(`^user ${userId} · ${adjust.deliveryId}: 1 delivery \\(history of \\d+ runs?, \\d+ events; requests rebuilt with .*relay\\.json\\)\\n`),
    );
    expect(human.out).toContain(`\nadjust ${adjust.deliveryId} · event evt_x_2 (purchase) 0.99 USD · occurred `);
    expect(human.out).toMatch(/\noutcome: DELIVERED at \S+ \(200\): \{"status":"OK"\} {3}\[the workflow's record\]\n/);
    expect(human.out).toContain(`\nsent as ${adjust.sentAs} instead of `);
    expect(human.out).toMatch(
      /\n {2}POST http:\/\/127\.0\.0\.1:\d+\/adjust\/event\n {2}content-type: application\/x-www-form-urlencoded\n {2}authorization: Bearer \[redacted\]\n {2}body \(\d+ bytes\): s2s=1&app_token=2fm6y3pm9ahs&event_token=p4rch2&gps_adid=/,
    );
    expect(human.out).toMatch(/\n {4}created_at_unix=\d+\n/);
    expect(human.out).toMatch(/\n {2}\S+Z {2}handed to sendFirstAttempts \(the first attempt, with AppsFlyer's; activity \d+ of run \w+\), restamped to \S+\n/);
    expect(human.out).toMatch(
      /\n {2}\S+Z {2}attempt 1 failed \(S2STransient\): Adjust 500: Adjust server error; answer: .* → retried\n {2}\S+Z {2}sendToAdjust retries it after the retry delay\n {2}\S+Z {2}handed to sendToAdjust \(activity \d+ of run \w+\), restamped to \S+\n {2}\S+Z {2}attempt 2 failed/,
    );
    expect(human.out).toMatch(/\n {2}\S+Z {2}Adjust accepted it: 200 \{"status":"OK"\} \(attempt 3, sent \S+, \d+ ms\)/);
    const af = await s2s(['explain', userId, appsflyer.deliveryId]);
    expect(af.out).toMatch(
      /\n {2}POST http:\/\/127\.0\.0\.1:\d+\/appsflyer\/inappevent\/com\.example\.s2srelay\n {2}content-type: application\/json\n {2}authentication: \[redacted\]\n/,
    );
  });

  it('follows a dead letter, its redrive and the new send across runs (continue-as-new)', async () => {
    const install = androidInstall();
    registerInstall(relay.emulator, install);
    const userId = install.userId;
    await relay.client.signup(install);
    breakTrial(relay, 'demo-android');
    let fills = 0;
    try {
      await relay.client.track({ userId, eventId: 'evt_t_1', name: 'trial', occurredAt: secondsAgo(20) });
      await statusWhen(relay, userId, 'trial dead-lettered', (s) => s.deadLetters.length === 1 && s.pending === 0);
      // Enough traffic for the run to continue as new (policy.maxHistoryEvents) before the redrive.
      for (let i = 0; i < 40 && (await relay.client.status(userId)).counters.continuedAsNew === 0; i++) {
        await relay.client.track(purchase(userId, `evt_fill_${i}`, secondsAgo(19 - i / 4), '1.00'));
        fills += 1;
        await statusWhen(relay, userId, `fill purchase ${i} delivered`, (s) => s.pending === 0);
      }
      await waitFor(
        'a second run',
        async () => (await relay.client.status(userId)).counters.continuedAsNew >= 1 && (await relay.client.status(userId)).pending === 0,
        60_000,
        300,
      );
    } finally {
      relay.emulator.setConfig(defaultEmulatorConfig);
    }
    await relay.client.redrive(userId);
    await statusWhen(relay, userId, 'trial redelivered', (s) => s.deadLetters.length === 0 && s.lanes.adjust.counts.delivered === fills + 1);

    const run = await s2s(['explain', userId, 'evt_t_1', '--json']);
    const adjust = explained(run.out).find((d) => d.destination === 'adjust') as DeliveryExplanation;
    expect(new Set(adjust.sends.map((s) => s.runId)).size).toBe(2);
    expect(adjust.sends[0]!.end).toMatchObject({
      kind: 'failed',
      type: 'S2SRejected',
      status: 400,
      nonRetryable: true,
      message: expect.stringMatching(/Invalid event token/),
    });
    expect(adjust.sends[1]!.end).toMatchObject({ kind: 'delivered', receipt: { status: 200 } });
    expect(adjust.redrives).toEqual([{ at: expect.any(String), runId: adjust.sends[1]!.runId, eventId: expect.any(Number), as: 'update' }]);
    expect(adjust.outcome).toMatchObject({ outcome: 'delivered' });
    const recorded = relay.emulator.requests({ deliveryId: adjust.deliveryId });
    expect(recorded).toHaveLength(2);
    expectSameRequest(adjust.sends[0]!.request, recorded[0]!);
    expectSameRequest(adjust.sends[1]!.request, recorded[1]!);
    const human = await s2s(['explain', userId, 'evt_t_1']);
    expect(human.out).toMatch(
      /failed for good \(S2SRejected\) at attempt 1: Adjust 400: .*Invalid event token.* → dead-lettered\n {2}\S+Z {2}redrive \(update, all dead letters\)\n {2}\S+Z {2}handed to sendFirstAttempts \(the first attempt; activity \d+ of run \w+\)\n/,
    );
  });

  it('exits 2 for an id the user never had, 4 for an unknown user; the binary reads S2S_APP_CONFIG', async () => {
    const install = androidInstall();
    registerInstall(relay.emulator, install);
    await relay.client.signup(install);
    await relay.client.track(purchase(install.userId, 'evt_b_1', secondsAgo(10), '1.99'));
    await statusWhen(relay, install.userId, 'delivered', (s) => s.counters.delivered === 2);
    const none = await s2s(['explain', install.userId, 'evt_nope']);
    expect(none).toMatchObject({
      code: EXIT.invalidInput,
      err: expect.stringMatching(/^s2s: explain: user \S+ has no event, refund or delivery "evt_nope" in the history of its 1 run/),
    });
    expect((await s2s(['explain', 'no-such-user-explain', 'evt_1'])).code).toBe(EXIT.unknownUser);
    expect((await s2s(['explain', install.userId])).code).toBe(EXIT.invalidInput);

    const env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: relay.taskQueue, S2S_APP_CONFIG: configFile };
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(PROJECT_ROOT, 'bin', 's2s.js'), 'explain', install.userId, 'evt_b_1', '--json'], {
      env,
    });
    const lines = explained(stdout.trimEnd());
    expect(lines.map((d) => d.destination)).toEqual(['adjust', 'appsflyer']);
    for (const d of lines) expectSameRequest(d.sends[0]!.request, relay.emulator.requests({ deliveryId: d.deliveryId })[0]!);
  });
});
