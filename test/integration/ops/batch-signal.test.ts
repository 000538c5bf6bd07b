// Temporal's own batch signal redrives many users: `temporal workflow signal --query "S2SDeadLetters > 0 AND
// TaskQueue = '...'" --name redrive --input '{}'`, with the Temporal CLI of scripts/temporal-cli.sh, against
// workers that encrypt payloads. Without a codec endpoint the CLI sends `{}` as a plain json/plain payload: the
// workers' codec passes unencrypted payloads through, so the signal is taken as is. With --codec-endpoint (the
// relay's codec server) the signal's input is stored encrypted like every other payload.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCodecServer, type CodecServer } from '../../../codec/codec-server';
import { userWorkflowId } from '../../../domain/ids';
import { SA } from '../../../domain/search-attributes';
import { defaultEmulatorConfig } from '../../../emulator/config';
import { findTemporalCli } from '../../../worker/temporal-cli';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { breakTrial, countUsers, deadLetteredUsers, eachLimit } from './bulk-helpers';

const TOKEN = randomBytes(32).toString('base64');
let relay: RelayHarness;
let codecServer: CodecServer;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms' } });
  codecServer = await startCodecServer({ host: '127.0.0.1', port: 0, codec: relay.encryption.codec, origins: [], tokens: [TOKEN] });
});
afterAll(async () => {
  await codecServer?.close();
  await relay?.stop();
});

/** The documented command, for this harness's task queue. */
async function batchRedrive(extra: string[] = []): Promise<string> {
  const cli = await findTemporalCli();
  const query = `${SA.deadLetters.name} > 0 AND TaskQueue = '${relay.taskQueue}'`;
  const args = [
    'workflow',
    'signal',
    '--address',
    inject('temporalAddress'),
    '--namespace',
    'default',
    '--query',
    query,
    '--name',
    'redrive',
    '--input',
    '{}',
    '--reason',
    'token fixed',
    '--yes',
    ...extra,
  ];
  const { stdout, stderr } = await promisify(execFile)(cli, args, { timeout: 60_000 });
  return `${stdout}${stderr}`;
}

/** The redrive signals in a user's history, as stored: the encoding of each input payload. */
async function redriveSignalEncodings(userId: string): Promise<string[]> {
  const history = await relay.temporal.workflow.getHandle(userWorkflowId(userId)).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'redrive')
    .map((e) => Buffer.from(e.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0]?.metadata?.encoding ?? []).toString());
}

async function delivered(users: string[]): Promise<void> {
  await waitFor('no dead letters left (visibility)', async () => (await countUsers(relay, `${SA.deadLetters.name} > 0`)) === 0, 120_000, 500);
  await eachLimit(users, 8, (userId) =>
    waitFor(
      `user ${userId} delivered after the redrive signal`,
      async () => {
        const s = await relay.client.status(userId);
        return s.deadLetters.length === 0 && s.lanes.adjust.counts.delivered === 1 && s.counters.redriven === 1;
      },
      60_000,
      200,
    ),
  );
}

describe("Temporal's batch signal `redrive`", () => {
  it('redrives every user the query finds; the plain `{}` input is accepted by the encrypting workers', async () => {
    expect(relay.encryption.enabled, 'the workers encrypt payloads (S2S_PAYLOAD_KEYS)').toBe(true);
    breakTrial(relay, 'demo-ios');
    const users = await deadLetteredUsers(relay, 6);
    relay.emulator.setConfig(defaultEmulatorConfig);
    const printed = await batchRedrive();
    expect(printed).toMatch(/^Start batch against approximately 6 workflow\(s\)\? y\/N yes\nStarted batch for job ID: [0-9a-f-]{36}\n$/);
    await delivered(users);
    for (const userId of users) expect(await redriveSignalEncodings(userId)).toEqual(['json/plain']);
  });

  it("with --codec-endpoint (the relay's codec server), the signal input is stored encrypted", async () => {
    breakTrial(relay, 'demo-ios');
    const users = await deadLetteredUsers(relay, 3);
    relay.emulator.setConfig(defaultEmulatorConfig);
    await batchRedrive(['--codec-endpoint', codecServer.url, '--codec-auth', `Bearer ${TOKEN}`]);
    await delivered(users);
    for (const userId of users) expect(await redriveSignalEncodings(userId)).toEqual(['binary/encrypted']);
  });
});
