// The stale clock (docs/fault-tolerance.md, "The stale clock"), shown on a real server with a probe workflow
// that records the time it decided at. A query made while the workflow's worker is dead waits in the server;
// events that arrive meanwhile (here a signal) are then applied by whichever worker answers the query first,
// rebuilding the workflow from its history at the time of its last workflow task, and the next task's command
// carries that old time. The settle question (activities/settle.ts) is withdrawn when its attempt stops
// waiting for it; a withdrawn query is not answered later, and the next task decides at its own time.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { readPayloadEncryption } from '../../../codec/payload-encryption';
import { within } from '../../../activities/own-workflow';
import { decodedHistory } from '../../helpers/histories';
import { timestampMs } from '../../../bench/timestamp';
import { quietRuntime, waitFor } from '../../helpers/relay';
import type { Decision } from './stale-clock-probe-workflow';

const encryption = readPayloadEncryption();
let dir: string;
let codePath: string;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  quietRuntime();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stale-clock-'));
  const noop = () => undefined;
  const logger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'stale-clock-probe-workflow.ts'), logger });
  codePath = path.join(dir, 'bundle.js');
  fs.writeFileSync(codePath, code);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, dataConverter: encryption.dataConverter });
});

afterAll(async () => {
  await connection?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** When the second signal is sent, and when a withdrawn query is withdrawn, after the first worker's kill. */
const SIGNAL_AT_MS = 4_000;
const WITHDRAWN_AT_MS = 6_000;

/** Starts the first worker in a process of its own; resolves once it runs, with a way to kill it. */
async function workerProcess(taskQueue: string): Promise<{ kill(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'stale-clock-probe-worker.ts'), inject('temporalAddress'), taskQueue, codePath],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the probe worker exited (${code}) before it ran`)));
  });
  return {
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Each `note` the run scheduled: how long before its workflow task started the workflow decided on it. */
async function staleness(handle: WorkflowHandle): Promise<number[]> {
  const events = (await decodedHistory(client, handle.workflowId)).events ?? [];
  const out: number[] = [];
  let taskStartedMs = 0;
  for (const e of events) {
    const atMs = timestampMs(e.eventTime) ?? 0;
    if (e.workflowTaskStartedEventAttributes) taskStartedMs = atMs;
    const input = e.activityTaskScheduledEventAttributes?.input?.payloads?.[0];
    if (input) out.push(taskStartedMs - defaultPayloadConverter.fromPayload<Decision>(input).decidedAtMs);
  }
  return out;
}

/**
 * One run: a signal handled by the first worker, which is then killed; a query made with no worker alive (left
 * waiting, or withdrawn), a second signal, then a new worker. Returns each note's staleness.
 */
async function scenario(kind: 'left waiting' | 'withdrawn'): Promise<number[]> {
  const taskQueue = `stale-clock-${randomUUID()}`;
  // The next worker is made ready before anything happens, so it starts polling at once when it is run.
  const secondConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const second = await Worker.create({
    connection: secondConnection,
    taskQueue,
    workflowBundle: { codePath },
    activities: { note: async () => undefined },
    dataConverter: encryption.dataConverter,
  });
  const first = await workerProcess(taskQueue);
  const handle = await client.workflow.start('staleClockProbe', { taskQueue, workflowId: taskQueue });
  await handle.signal('go');
  await waitFor('the first note scheduled and its result handled', async () => {
    const events = (await handle.fetchHistory()).events ?? [];
    const result = events.findIndex((e) => e.activityTaskCompletedEventAttributes);
    return result >= 0 && events.slice(result).some((e) => e.workflowTaskCompletedEventAttributes) && !!events.at(-1)?.workflowTaskCompletedEventAttributes;
  });
  await first.kill();

  // The timeline, from the kill: the query at 0 and the signal at SIGNAL_AT_MS both wait on the dead worker's
  // queue, each for the 10 s the worker set (stale-clock-probe-worker.ts), so the query reaches the new worker
  // 4 s before the task the signal made. The query must also reach the server before the signal (had the signal
  // come first, the query would wait for that task instead): nothing observable marks either, hence fixed times.
  // Withdrawn, the query is cancelled as the settle question is (activities/settle.ts), after the signal and
  // before the new worker could meet it.
  const question = new AbortController();
  const asked = client.withAbortSignal(question.signal, () => handle.query<number>('signalled'));
  const answer = kind === 'left waiting' ? asked : within(asked, WITHDRAWN_AT_MS).catch((error: Error) => (question.abort(), error.message));
  await new Promise((resolve) => setTimeout(resolve, SIGNAL_AT_MS));
  await handle.signal('go');
  if (kind === 'withdrawn') expect(await answer).toBe(`no answer within ${WITHDRAWN_AT_MS} ms`);

  try {
    return await second.runUntil(async () => {
      if (kind === 'left waiting') expect(await answer).toBe(2);
      await waitFor(
        'the second note scheduled',
        async () => {
          const notes = await staleness(handle);
          return notes.length >= 2 ? notes : undefined;
        },
        60_000,
      );
      const notes = await staleness(handle);
      await handle.terminate('test done');
      return notes;
    });
  } catch (error) {
    await handle.terminate('test failed').catch(() => undefined);
    throw error;
  } finally {
    await secondConnection.close();
  }
}

describe('the stale clock', () => {
  it('a query left waiting through a worker crash makes the next task decide at an old time; a withdrawn one does not', async () => {
    const leftWaiting = await scenario('left waiting');
    expect(leftWaiting[0]).toBeLessThan(1_000);
    expect(leftWaiting[1], 'the second note was decided at the time of the task before the crash').toBeGreaterThan(2_000);
    const withdrawn = await scenario('withdrawn');
    expect(withdrawn, 'each note decided at the time of its own task').toEqual([expect.any(Number), expect.any(Number)]);
    expect(Math.max(...withdrawn)).toBeLessThan(1_000);
  }, 180_000);
});
