// Several worker replicas: two real worker processes (`worker/main.ts`, configured only through the
// environment and an app config file) share one task queue on the test dev server and one delivery ledger
// (a database of their own on this machine's PostgreSQL, as replicas must). Both pick up work (their
// identities appear in the histories), every expected delivery reaches the emulator exactly once, and
// SIGTERM lets a send that is in flight finish before the process exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { RelayClient } from '../../../client/relay-client';
import { userWorkflowId } from '../../../domain/ids';
import { vendorTaskQueues } from '../../../domain/settings';
import { startEmulator, type Emulator } from '../../../emulator/server';
import { PROJECT_ROOT } from '../../../worker/paths';
import { DEMO_SECRETS, demoAppConfig, TEST_POLICY, waitFor } from '../../helpers/relay';
import { iosInstall, registerInstall } from '../../helpers/users';
import { readPayloadEncryption } from '../../../codec/payload-encryption';
import { testDatabase } from '../../helpers/ledger';

/** The activities that send: the combined first attempt of both vendors, and each vendor's send activity. */
const SEND_ACTIVITIES = ['sendFirstAttempts', 'sendToAdjust', 'sendToAppsflyer'];

interface WorkerProcess {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  raw: string[];
  identity?: string;
  exited: Promise<number | null>;
}

const USERS = 12;
let tmp: string;
let emulator: Emulator;
let connection: Connection;
let client: RelayClient;
let taskQueue: string;
const workers: WorkerProcess[] = [];
let ledgerDb: Awaited<ReturnType<typeof testDatabase>> | undefined;

function startWorker(env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'worker', 'main.ts')], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: WorkerProcess = { child, lines: [], raw: [], exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  let buffer = '';
  const take = (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts) {
      proc.raw.push(line);
      try {
        proc.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line (e.g. a startup error message)
      }
    }
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  return proc;
}

const tail = (p: WorkerProcess) => p.raw.slice(-20).join('\n');

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-relay-replicas-'));
  emulator = await startEmulator({ quiet: true });
  const appConfig = path.join(tmp, 'app-config.json');
  fs.writeFileSync(appConfig, JSON.stringify(demoAppConfig(emulator.url, TEST_POLICY), null, 2));
  taskQueue = `replicas-${randomUUID()}`;
  ledgerDb = await testDatabase('s2s_ledger_replicas');
  const env: NodeJS.ProcessEnv = {
    S2S_LEDGER_URL: ledgerDb.url,
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    S2S_APP_CONFIG: appConfig,
    S2S_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
    S2S_LOG_LEVEL: 'info',
    // The test run's payload key: the replicas encrypt like the client below.
    S2S_PAYLOAD_KEYS: process.env.S2S_PAYLOAD_KEYS,
    ...DEMO_SECRETS,
  };
  workers.push(startWorker(env), startWorker(env));
  for (const w of workers) {
    const running = await waitFor(
      'worker process running',
      () => w.lines.find((l) => l.msg === 's2s-relay worker running') ?? (w.child.exitCode !== null ? Promise.reject(new Error(tail(w))) : undefined),
      45_000,
    );
    w.identity = running.identity as string;
  }
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new RelayClient(new Client({ connection, dataConverter: readPayloadEncryption().dataConverter }), { taskQueue });
}, 90_000);

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await connection?.close();
  await emulator?.close();
  await ledgerDb?.drop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function pollerIdentities(queue: string, type: temporal.api.enums.v1.TaskQueueType): Promise<Set<string>> {
  const answer = await connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: queue }, taskQueueType: type });
  return new Set((answer.pollers ?? []).map((p) => p.identity ?? ''));
}

describe('two worker replicas on one task queue', () => {
  const expected = new Map<string, string>();
  const users: string[] = [];

  it('both processes poll every queue of the relay', async () => {
    const identities = workers.map((w) => w.identity);
    expect(new Set(identities).size).toBe(2);
    const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = temporal.api.enums.v1.TaskQueueType;
    const queues = vendorTaskQueues(taskQueue);
    for (const [queue, type] of [
      [taskQueue, TASK_QUEUE_TYPE_WORKFLOW],
      [queues.adjust, TASK_QUEUE_TYPE_ACTIVITY],
      [queues.appsflyer, TASK_QUEUE_TYPE_ACTIVITY],
    ] as const) {
      await waitFor(`both replicas polling ${queue}`, async () => {
        const seen = await pollerIdentities(queue, type);
        return identities.every((id) => seen.has(id as string)) ? true : undefined;
      });
    }
  });

  it('share the users and deliver each event exactly once', async () => {
    await Promise.all(
      Array.from({ length: USERS }, async (_, i) => {
        const install = iosInstall();
        registerInstall(emulator, install);
        users.push(install.userId);
        await client.signup(install);
        const answer = await client.track({
          userId: install.userId,
          eventId: `evt_rep_${i}`,
          name: 'purchase',
          occurredAt: new Date(Date.now() - 120_000).toISOString(),
          revenue: '3.49',
          currency: 'USD',
        });
        for (const d of answer.deliveries) expected.set(d.deliveryId, install.userId);
      }),
    );
    expect(expected.size).toBe(USERS * 2);

    await waitFor(
      'every delivery at the emulator',
      () => {
        const arrived = new Set(emulator.requests({}).map((r) => r.deliveryId));
        return [...expected.keys()].every((id) => arrived.has(id)) ? true : undefined;
      },
      45_000,
    );
    // Let any duplicate that might be in flight arrive before counting.
    await new Promise((r) => setTimeout(r, 500));
    const counts = new Map<string, number>();
    for (const r of emulator.requests({})) {
      if (r.deliveryId) counts.set(r.deliveryId, (counts.get(r.deliveryId) ?? 0) + 1);
    }
    for (const id of expected.keys()) expect(counts.get(id), `requests for ${id}`).toBe(1);
    expect([...counts.keys()].sort()).toEqual([...expected.keys()].sort());

    // Who did the work: the identity on every task-started event of every user's history.
    const activityBy = new Map<string, number>();
    const workflowBy = new Map<string, number>();
    let sendActivities = 0;
    for (const userId of users) {
      const history = await client.client.workflow.getHandle(userWorkflowId(userId)).fetchHistory();
      for (const e of history.events ?? []) {
        if (SEND_ACTIVITIES.includes(e.activityTaskScheduledEventAttributes?.activityType?.name ?? '')) sendActivities += 1;
        const a = e.activityTaskStartedEventAttributes?.identity;
        const w = e.workflowTaskStartedEventAttributes?.identity;
        if (a) activityBy.set(a, (activityBy.get(a) ?? 0) + 1);
        if (w) workflowBy.set(w, (workflowBy.get(w) ?? 0) + 1);
      }
    }
    const identities = workers.map((w) => w.identity as string).sort();
    expect([...activityBy.keys()].sort(), 'send activities ran on both replicas').toEqual(identities);
    expect([...workflowBy.keys()].every((id) => identities.includes(id))).toBe(true);
    // Each send activity (a combined first attempt, or a vendor's) started once: none was retried or repeated.
    expect(sendActivities).toBeGreaterThanOrEqual(USERS);
    expect([...activityBy.values()].reduce((a, b) => a + b, 0)).toBe(sendActivities);
  });

  it('SIGTERM lets the send in flight finish, then each process exits 0', async () => {
    const userId = users[0] as string;
    emulator.setFaults({ appsflyer: { slow: 1, slowMs: 3_000, count: 1 } });
    const answer = await client.track({
      userId,
      eventId: 'evt_rep_drain',
      name: 'purchase',
      occurredAt: new Date(Date.now() - 60_000).toISOString(),
      revenue: '9.99',
      currency: 'USD',
    });
    const appsflyer = answer.deliveries.find((d) => d.destination === 'appsflyer');
    expect(appsflyer).toBeDefined();
    const handle = client.client.workflow.getHandle(userWorkflowId(userId));
    await waitFor('the AppsFlyer send in flight', async () => {
      const { raw } = await handle.describe();
      return raw.pendingActivities?.some(
        (a) => SEND_ACTIVITIES.includes(a.activityType?.name ?? '') && a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
      )
        ? true
        : undefined;
    });

    const stoppedAt = Date.now();
    for (const w of workers) w.child.kill('SIGTERM');
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes, workers.map(tail).join('\n---\n')).toEqual([0, 0]);
    // One of them waited for the slow vendor answer instead of cancelling the send.
    expect(Date.now() - stoppedAt).toBeGreaterThan(1_000);
    for (const w of workers) expect(w.lines.some((l) => l.msg === 'shutting down: finishing in-flight sends')).toBe(true);

    const requests = emulator.requests({ deliveryId: appsflyer?.deliveryId as string });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.status).toBe(200);
    // Reported as completed: the activity is no longer pending. (Had the shutdown cancelled it, it would be
    // pending again for a retry, with the failure attached. The history may not show the completion yet: events
    // arriving while a workflow task is in flight are buffered until that task ends, and no worker is left.)
    const { raw } = await handle.describe();
    const pending = (raw.pendingActivities ?? []).filter((a) => SEND_ACTIVITIES.includes(a.activityType?.name ?? ''));
    expect(pending, JSON.stringify(pending)).toEqual([]);
  });
});
