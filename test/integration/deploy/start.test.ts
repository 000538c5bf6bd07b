// `npm start` end to end, as `node --import tsx worker/start.ts` in a process group of its own, like a terminal's foreground
// job, on free ports with a throw-away data directory: the banner, a signup and a purchase through the `s2s`
// binary, both sends in the history. Then Ctrl-C (SIGINT to the whole group) while an Adjust answer is slow:
// the worker drains that send while Temporal and the emulator are still up, then the emulator and the dev
// server stop in that order, it exits 0, and no process is left. The dev server's database, reopened, holds
// the drained send's completion. With the test run's payload key, the histories are encrypted and the dev
// server's UI is pointed at the codec server npm start runs, which decodes for that UI's origin only (the
// UI shows the history decoded in a browser with nothing set up).
// Last, a process that dies of an uncaught exception leaves no dev server behind.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { readTemporalSettings } from '../../../client/connection';
import { RelayClient } from '../../../client/relay-client';
import { startDevServer } from '../../../worker/dev-server';
import { freePort } from '../../../worker/net';
import { PROJECT_ROOT } from '../../../worker/paths';
import { waitFor } from '../../helpers/relay';
import { decodedHistory, sendsIn } from '../../helpers/histories';
import { clearPayloadSlots } from '../../../codec/history-payloads';
import { readPayloadEncryption } from '../../../codec/payload-encryption';
import { launchChromium } from '../ops/browser';

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-relay-start-'));
const children: ChildProcess[] = [];

/** Processes whose command line holds `needle` (the dev server's port), from ps. */
async function processesWith(needle: string): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'pid=,pgid=,args=']);
  return stdout.split('\n').filter((l) => l.includes(needle) && !l.includes('ps -eo'));
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process ${child.pid} did not exit within ${timeoutMs} ms`)), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve({ code: child.exitCode, signal: child.signalCode });
    };
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', done);
  });
}

afterAll(async () => {
  for (const child of children) if (child.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The sends of one vendor in a history (parts of combined first attempts and send activities): how many, how many completed. */
const activities = (events: temporal.api.history.v1.IHistoryEvent[], type: string) => {
  const sends = sendsIn(events).filter((s) => s.activityType === type);
  return { scheduled: sends.length, completed: sends.filter((s) => s.completed).length };
};

describe('npm start', () => {
  it('runs the stack; Ctrl-C drains the send in flight, stops worker, emulator, dev server and codec server in that order, exits 0, leaves nothing', async () => {
    const [temporalPort, uiPort, emulatorPort, codecPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const dataDir = path.join(tmp, 'data');
    const address = `127.0.0.1:${temporalPort}`;
    const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: 's2s-relay' };
    delete env.S2S_APP_CONFIG;
    const startEnv = {
      ...env,
      TEMPORAL_UI_PORT: String(uiPort),
      EMULATOR_PORT: String(emulatorPort),
      S2S_CODEC_PORT: String(codecPort),
      S2S_DATA_DIR: dataDir,
      S2S_LOG_FORMAT: 'json',
      // The workflow bundle this run already built: the same sources, a few seconds less.
      S2S_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
    };
    const start = spawn(process.execPath, ['--import', 'tsx', 'worker/start.ts'], {
      cwd: PROJECT_ROOT,
      env: startEnv,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(start);
    let output = '';
    start.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    start.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const pgid = start.pid as number;

    await waitFor(
      'the banner',
      async () => (output.includes('s2s-relay is running.') ? true : start.exitCode !== null ? Promise.reject(new Error(output)) : undefined),
      45_000,
    );
    expect(output).toContain(`Temporal: nothing answers at ${address}; starting a dev server (data in ${path.join(dataDir, 'temporal.sqlite')})`);
    expect(output).toContain(`DRY RUN: deliveries go to the local vendor emulator at http://127.0.0.1:${emulatorPort}`);
    expect(output).toContain('  Payloads:      encryption on: AES-256-GCM (aes-256-gcm+hkdf-sha256/v1) with key "test-run"');
    const codecUrl = `http://127.0.0.1:${codecPort}`;
    expect(output).toContain(`  Codec server:  ${codecUrl} (the UI above decodes payloads through it)`);
    // The dev server's UI was started with --ui-codec-endpoint.
    const uiSettings = (await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
    expect(uiSettings.Codec?.Endpoint).toBe(codecUrl);
    const server = await processesWith(`--port ${temporalPort}`);
    expect(server, 'the dev server runs').toHaveLength(1);
    const serverPgid = Number(server[0]?.trim().split(/\s+/)[1]);
    expect(serverPgid, 'the dev server has a process group of its own').not.toBe(pgid);

    // A signup and a purchase through the binary, as the banner suggests: both vendors get it.
    const s2s = (...args: string[]) => run(process.execPath, [path.join(PROJECT_ROOT, 'bin', 's2s.js'), ...args], { env });
    const userId = `start-${Date.now()}`;
    const installedAt = new Date(Date.now() - 3_600_000).toISOString();
    await s2s(
      'signup',
      JSON.stringify({
        userId,
        app: 'demo-ios',
        platform: 'ios',
        installedAt,
        deviceIds: { idfa: 'D2CADB5F-410F-4963-AC0C-2A78534BDF1E' },
        appsflyerId: '1234567890123-1234567',
        osVersion: '17.1',
      }),
    );
    const tracked = await s2s(
      'track',
      JSON.stringify({ userId, eventId: 'evt_1', name: 'purchase', occurredAt: new Date().toISOString(), revenue: '4.99', currency: 'USD' }),
    );
    expect(tracked.stdout).toMatch(/^event evt_1: accepted/);
    const relay = await RelayClient.connect(readTemporalSettings(env));
    const history = async () => (await decodedHistory(relay.client, `s2s-user-${userId}`)).events ?? []; // the combined first attempt's parts are in its (encrypted) input
    await waitFor(
      'both sends completed in the history',
      async () => {
        const events = await history();
        return activities(events, 'sendToAdjust').completed === 1 && activities(events, 'sendToAppsflyer').completed === 1 ? true : undefined;
      },
      20_000,
    );

    // The history is encrypted; the codec server decodes it for the UI's origin (no token: that UI has no login),
    // and for nobody else without a token.
    const stored = await new Client({ connection: relay.client.connection }).workflow.getHandle(`s2s-user-${userId}`).fetchHistory();
    expect(
      clearPayloadSlots(stored).map((slot) => slot.path.join('.')),
      'payloads stored in clear',
    ).toEqual([]);
    const input = stored.events?.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes)?.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest
      ?.input?.args?.payloads?.[0];
    expect(Buffer.from(input?.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
    const body = JSON.stringify({
      payloads: [
        {
          metadata: Object.fromEntries(Object.entries(input?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
          data: Buffer.from(input?.data ?? []).toString('base64'),
        },
      ],
    });
    const decode = (headers: Record<string, string>) =>
      fetch(`${codecUrl}/decode`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
    const fromUi = await decode({ Origin: `http://localhost:${uiPort}` });
    expect(fromUi.status).toBe(200);
    const decoded = ((await fromUi.json()) as { payloads: Array<{ data: string }> }).payloads[0];
    expect(Buffer.from(decoded?.data ?? '', 'base64').toString()).toContain('D2CADB5F-410F-4963-AC0C-2A78534BDF1E');
    expect((await decode({})).status).toBe(401);
    expect((await decode({ Origin: 'http://localhost:1' })).status).toBe(403);
    // And in a browser: the dev UI shows the history decoded, with nothing to set up.
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://localhost:${uiPort}/namespaces/default/workflows/s2s-user-${userId}`);
      await page.getByText(`"userId": "${userId}"`).first().waitFor({ timeout: 20_000 });
      await page.getByTestId('data-encoder-status-success').waitFor({ timeout: 20_000 });
    } finally {
      await browser.close();
    }

    // Adjust answers the next request after 4 s; Ctrl-C while that send is in flight.
    const emulator = `http://127.0.0.1:${emulatorPort}/__emulator`;
    await fetch(`${emulator}/faults`, { method: 'POST', body: JSON.stringify({ adjust: { slow: 1, slowMs: 4000, count: 1 } }) });
    await relay.track({ userId, eventId: 'evt_2', name: 'purchase', occurredAt: new Date().toISOString(), revenue: '1.99', currency: 'USD' });
    await waitFor(
      'the slow Adjust request in flight',
      async () => {
        const stats = (await (await fetch(`${emulator}/stats`)).json()) as { faults: { adjust: { slow: number } } };
        return stats.faults.adjust.slow === 1 ? true : undefined;
      },
      15_000,
    );
    await relay.close();
    process.kill(-pgid, 'SIGINT');
    expect(await exited(start, 30_000)).toEqual({ code: 0, signal: null });

    const lines = output.split('\n');
    const at = (text: string) => lines.findIndex((l) => l.startsWith(text));
    const order = [
      'stopping (SIGINT)',
      '  worker stopped',
      '  vendor emulator stopped',
      '  Temporal dev server stopped',
      '  codec server stopped',
      'stopped.',
    ].map(at);
    expect(
      order.every((i) => i >= 0),
      output,
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const drained = lines.findIndex((l) => l.includes('"msg":"s2s delivered"') && l.includes('"messageId":"evt_2"') && l.includes('"vendor":"adjust"'));
    expect(drained, 'the slow send finished during the stop').toBeGreaterThan(order[0] as number);
    expect(drained).toBeLessThan(order[1] as number);
    expect(output).not.toMatch(/again, exiting now|error while stopping|Activity completion failed|UNAVAILABLE/);
    expect(groupAlive(pgid), 'nothing is left of the npm start process group').toBe(false);
    expect(groupAlive(serverPgid), "nothing is left of the dev server's process group").toBe(false);
    expect(await processesWith(`--port ${temporalPort}`)).toEqual([]);

    // The drained send's completion reached Temporal before the server stopped.
    const reopened = await startDevServer({ port: await freePort(), dbFile: path.join(dataDir, 'temporal.sqlite') });
    try {
      const connection = await Connection.connect({ address: reopened.address });
      const events =
        (await decodedHistory(new Client({ connection, dataConverter: readPayloadEncryption().dataConverter }), `s2s-user-${userId}`)).events ?? [];
      await connection.close();
      expect(activities(events, 'sendToAdjust')).toEqual({ scheduled: 2, completed: 2 });
      expect(activities(events, 'sendToAppsflyer')).toEqual({ scheduled: 2, completed: 2 });
    } finally {
      await reopened.stop();
    }
  }, 90_000);

  it('a dev server in its own process group dies with the process that started it, even of an uncaught exception', async () => {
    const port = await freePort();
    const script = path.join(tmp, 'crash.ts');
    fs.writeFileSync(
      script,
      `import { startDevServer } from ${JSON.stringify(path.join(PROJECT_ROOT, 'worker', 'dev-server'))};\n` +
        `void startDevServer({ port: ${port}, ownProcessGroup: true }).then(() => { console.log('ready'); setTimeout(() => { throw new Error('crash'); }, 100); });\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: PROJECT_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const { code } = await exited(child, 30_000);
    expect(output).toContain('ready');
    expect(output).toContain('Error: crash');
    expect(code).toBe(1);
    await waitFor('no dev server left', async () => ((await processesWith(`--port ${port}`)).length === 0 ? true : undefined), 5_000);
  }, 45_000);
});
