// `npm start` end to end, as `tsx worker/start.ts` in a process group of its own, like a terminal's foreground
// job, on free ports with a throw-away data directory: the banner, a signup and a purchase through the `s2s`
// binary, both sends in the history. Then Ctrl-C (SIGINT to the whole group) while an Adjust answer is slow:
// the worker drains that send while Temporal and the emulator are still up, then the emulator and the dev
// server stop in that order, it exits 0, and no process is left. The dev server's database, reopened, holds
// the drained send's completion. Last, a process that dies of an uncaught exception leaves no dev server behind.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { readTemporalSettings } from '../../client/connection';
import { RelayClient } from '../../client/relay-client';
import { startDevServer } from '../../worker/dev-server';
import { freePort } from '../../worker/net';
import { PROJECT_ROOT } from '../../worker/paths';
import { waitFor } from '../helpers/relay';

const run = promisify(execFile);
const TSX = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
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

const activities = (events: temporal.api.history.v1.IHistoryEvent[], type: string) => {
  const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type).map((e) => Number(e.eventId));
  const completed = events.filter((e) => scheduled.includes(Number(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? -1)));
  return { scheduled: scheduled.length, completed: completed.length };
};

describe('npm start', () => {
  it('runs the stack; Ctrl-C drains the send in flight, stops worker, emulator and dev server in that order, exits 0, leaves nothing', async () => {
    const [temporalPort, uiPort, emulatorPort] = [await freePort(), await freePort(), await freePort()];
    const dataDir = path.join(tmp, 'data');
    const address = `127.0.0.1:${temporalPort}`;
    const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: 's2s-relay' };
    delete env.S2S_APP_CONFIG;
    const startEnv = {
      ...env,
      TEMPORAL_UI_PORT: String(uiPort),
      EMULATOR_PORT: String(emulatorPort),
      S2S_DATA_DIR: dataDir,
      S2S_LOG_FORMAT: 'json',
      // The workflow bundle this run already built: the same sources, a few seconds less.
      S2S_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
    };
    const start = spawn(process.execPath, [TSX, 'worker/start.ts'], { cwd: PROJECT_ROOT, env: startEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(start);
    let output = '';
    start.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    start.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const pgid = start.pid as number;

    await waitFor('the banner', async () => (output.includes('s2s-relay is running.') ? true : start.exitCode !== null ? Promise.reject(new Error(output)) : undefined), 45_000);
    expect(output).toContain(`Temporal: nothing answers at ${address}; starting a dev server (data in ${path.join(dataDir, 'temporal.sqlite')})`);
    expect(output).toContain(`DRY RUN: deliveries go to the local vendor emulator at http://127.0.0.1:${emulatorPort}`);
    const server = await processesWith(`--port ${temporalPort}`);
    expect(server, 'the dev server runs').toHaveLength(1);
    const serverPgid = Number(server[0]?.trim().split(/\s+/)[1]);
    expect(serverPgid, 'the dev server has a process group of its own').not.toBe(pgid);

    // A signup and a purchase through the binary, as the banner suggests: both vendors get it.
    const s2s = (...args: string[]) => run(process.execPath, [path.join(PROJECT_ROOT, 'bin', 's2s.js'), ...args], { env });
    const userId = `start-${Date.now()}`;
    const installedAt = new Date(Date.now() - 3_600_000).toISOString();
    await s2s('signup', JSON.stringify({ userId, app: 'demo-ios', platform: 'ios', installedAt, deviceIds: { idfa: 'D2CADB5F-410F-4963-AC0C-2A78534BDF1E' }, appsflyerId: '1234567890123-1234567', osVersion: '17.1' }));
    const tracked = await s2s('track', JSON.stringify({ userId, eventId: 'evt_1', name: 'purchase', occurredAt: new Date().toISOString(), revenue: '4.99', currency: 'USD' }));
    expect(tracked.stdout).toMatch(/^event evt_1: accepted/);
    const relay = await RelayClient.connect(readTemporalSettings(env));
    const history = async () => (await relay.handle(userId).fetchHistory()).events ?? [];
    await waitFor(
      'both sends completed in the history',
      async () => {
        const events = await history();
        return activities(events, 'sendToAdjust').completed === 1 && activities(events, 'sendToAppsflyer').completed === 1 ? true : undefined;
      },
      20_000,
    );

    // Adjust answers the next request after 4 s; Ctrl-C while that send is in flight.
    const emulator = `http://127.0.0.1:${emulatorPort}/__emulator`;
    await fetch(`${emulator}/faults`, { method: 'POST', body: JSON.stringify({ adjust: { slow: 1, slowMs: 4000, count: 1 } }) });
    await relay.track({ userId, eventId: 'evt_2', name: 'purchase', occurredAt: new Date().toISOString(), revenue: '1.99', currency: 'USD' });
    await waitFor('the slow Adjust request in flight', async () => {
      const stats = (await (await fetch(`${emulator}/stats`)).json()) as { faults: { adjust: { slow: number } } };
      return stats.faults.adjust.slow === 1 ? true : undefined;
    }, 15_000);
    await relay.close();
    process.kill(-pgid, 'SIGINT');
    expect(await exited(start, 30_000)).toEqual({ code: 0, signal: null });

    const lines = output.split('\n');
    const at = (text: string) => lines.findIndex((l) => l.startsWith(text));
    const order = ['stopping (SIGINT)', '  worker stopped', '  vendor emulator stopped', '  Temporal dev server stopped', 'stopped.'].map(at);
    expect(order.every((i) => i >= 0), output).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const drained = lines.findIndex((l) => l.includes('"msg":"s2s delivered"') && l.includes('"eventId":"evt_2"') && l.includes('"vendor":"adjust"'));
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
      const events = (await new Client({ connection }).workflow.getHandle(`s2s-user-${userId}`).fetchHistory()).events ?? [];
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
    const child = spawn(process.execPath, [TSX, script], { cwd: PROJECT_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
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
