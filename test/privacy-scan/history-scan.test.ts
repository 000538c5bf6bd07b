// The privacy scan, run after the whole suite (the `after-suite` project group in vitest.config.mts starts only
// once every suite file has finished): every workflow history the suite wrote on the test server, read as
// stored, with the test run's payload key on. It fails when a payload the codec should have encrypted is in
// clear, when a device id, AppsFlyer id, IP or customer user id the relay stored (found by decrypting) can be
// read anywhere in clear (failure messages, search attributes, summaries, ...), or when anything shaped like an
// IP address, an IDFA or an AppsFlyer id is readable. It cannot pass vacuously: it needs the suite's histories
// and personal values to scan, so on its own it fails and says to run the whole suite.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { readPayloadEncryption } from '../../codec/payload-encryption';
import { mapLimit } from '../../bench/histories';
import { clearPayloadPaths, clearText, decryptedValues, leaksIn } from '../helpers/privacy-scan';

/** Below these the suite did not run (or wrote nothing personal): the scan would prove nothing. */
const MIN_HISTORIES = 50;
const MIN_VALUES = 100;

let connection: Connection;
let client: Client;
beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection }); // no codec: the histories as the server hands them to anyone
});
afterAll(async () => {
  await connection?.close();
});

describe('privacy scan of every history the suite wrote', () => {
  it('finds the scanner working on a history with a payload in clear', async () => {
    const install = {
      userId: 'u',
      deviceIds: { idfa: '0E4F854C-615D-4695-87CB-67BF9EF2DE85' },
      appsflyerId: '1700000000000-1234567',
      ip: '198.51.100.9',
      customerUserId: 'cust-77',
    };
    const history = { events: [{ workflowExecutionStartedEventAttributes: { input: { payloads: [defaultPayloadConverter.toPayload(install)] } } }] };
    expect(clearPayloadPaths(history)).toEqual(['events.0.workflowExecutionStartedEventAttributes.input.payloads.0 (json/plain)']);
    // The exceptions are exact: the server's own note on a cancelled, never started activity, and nothing else there.
    const cancelled = (value: unknown) => ({
      events: [{ activityTaskCanceledEventAttributes: { details: { payloads: [defaultPayloadConverter.toPayload(value)] } } }],
    });
    expect(clearPayloadPaths(cancelled('ACTIVITY_ID_NOT_STARTED'))).toEqual([]);
    expect(clearPayloadPaths(cancelled({ ip: install.ip }))).toEqual(['events.0.activityTaskCanceledEventAttributes.details.payloads.0 (json/plain)']);
    // A batch redrive from the Temporal CLI without a codec endpoint: a signal whose input is `{}`, and nothing else.
    const signalled = (value: unknown) => ({
      events: [{ workflowExecutionSignaledEventAttributes: { signalName: 'redrive', input: { payloads: [defaultPayloadConverter.toPayload(value)] } } }],
    });
    expect(clearPayloadPaths(signalled({}))).toEqual([]);
    expect(clearPayloadPaths(signalled({ ids: ['dlv_adj_0123456789abcdef'] }))).toEqual([
      'events.0.workflowExecutionSignaledEventAttributes.input.payloads.0 (json/plain)',
    ]);
    const leaks = leaksIn(clearText(history), new Set(['cust-77']));
    expect(leaks).toEqual(
      expect.arrayContaining([
        '"cust-77" (a value the relay stored encrypted elsewhere)',
        '"198.51.100.9" (an IPv4 address)',
        '"0E4F854C-615D-4695-87CB-67BF9EF2DE85" (an IDFA/IDFV (upper-case UUID))',
        '"1700000000000-1234567" (an AppsFlyer id)',
      ]),
    );
    // A loopback address (a local endpoint in a connection error) is nobody's device.
    expect(leaksIn('connect ECONNREFUSED 127.0.0.1:40101, from 203.0.113.7', new Set())).toEqual(['"203.0.113.7" (an IPv4 address)']);
  });

  it('no payload in clear, and no device id, AppsFlyer id, IP or customer user id readable without the key', async () => {
    const encryption = readPayloadEncryption();
    expect(encryption.enabled, 'the test run encrypts (S2S_PAYLOAD_KEYS from vitest.config.mts)').toBe(true);
    const runs: WorkflowExecutionInfo[] = [];
    for await (const run of client.workflow.list()) runs.push(run);
    expect(
      runs.length,
      `only ${runs.length} workflow runs on the test server: run the whole suite (npm test); on its own this scan has nothing to check`,
    ).toBeGreaterThanOrEqual(MIN_HISTORIES);

    const histories = await mapLimit(runs, 8, async (run) => ({ run, history: await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory() }));
    const known = new Set<string>();
    const stats = { events: 0, encrypted: 0, otherKey: 0 };
    const problems: string[] = [];
    const texts: Array<{ where: string; text: string }> = [];
    for (const { run, history } of histories) {
      const where = `${run.workflowId} (run ${run.runId}, task queue ${run.taskQueue})`;
      stats.events += history.events?.length ?? 0;
      for (const path of clearPayloadPaths(history)) problems.push(`${where}: payload in clear at ${path}`);
      texts.push({ where, text: clearText(history as temporal.api.history.v1.IHistory) });
      const decoded = await decryptedValues(history, encryption.codec);
      stats.encrypted += decoded.encrypted;
      stats.otherKey += decoded.otherKey;
      for (const value of decoded.values) known.add(value);
    }
    for (const { where, text } of texts) for (const leak of leaksIn(text, known)) problems.push(`${where}: ${leak} readable in clear`);

    console.log(
      `[privacy scan] ${histories.length} histories, ${stats.events} events, ${stats.encrypted} encrypted payloads (${stats.otherKey} under a test's own key), ` +
        `${known.size} distinct personal values the relay stored encrypted; ${problems.length} found in clear`,
    );
    expect(known.size, 'personal values found by decrypting: the suite wrote some (else the scan proves nothing)').toBeGreaterThanOrEqual(MIN_VALUES);
    expect(problems.slice(0, 30), `${problems.length} privacy problems (first 30 shown)`).toEqual([]);
  }, 300_000);
});
