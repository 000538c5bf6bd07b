// The Temporal floor measured like the relay: the same users and messages, the same client calls
// (signal-with-start per purchase, signal per refund) and the same driver, against the minimal
// workflow of bench/floor (one no-op activity per message) in its own worker process. Throughput ends at
// the last workflow's completion; latency is signal sent to no-op activity completed (from the histories).
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Driver, type DriveOptions } from './driver';
import { buildFloorBundle } from './floor/bundle';
import { historyTotals, listRuns, mapLimit, type PhaseHistories } from './histories';
import { ProcSampler } from './proc-sampler';
import { timestampMs } from './timestamp';
import { spawnTsx, type Cleanup } from './processes';
import { Progress } from './progress';
import type { PhaseResult } from './relay-phase';
import { untilPolling, type TemporalEndpoint } from './stack';
import { ratePerSecond, summarize } from './stats';
import { distinctMessages, planUserMessages, rngFor, type MixOptions, type PlannedGroup } from './workload';

export interface FloorPhaseSpec {
  runDir: string;
  runId: string;
  users: number;
  eventsPerUser: number;
  mix: MixOptions;
  seed: number;
  drive: DriveOptions;
  workerEnv: Record<string, string>;
  stallMs: number;
}

const E = temporal.api.enums.v1.EventType;

export async function runFloorPhase(
  ctx: { cleanup: Cleanup; temporal: TemporalEndpoint; client: Client },
  spec: FloorPhaseSpec,
): Promise<{ result: PhaseResult; histories: PhaseHistories }> {
  const bundle = path.join(spec.runDir, 'floor-workflow-bundle.js');
  if (!fs.existsSync(bundle)) fs.writeFileSync(bundle, await buildFloorBundle());
  const taskQueue = `bench-${spec.runId}-floor`;
  const worker = spawnTsx({
    name: 'floor-worker',
    script: 'bench/floor/worker.ts',
    logFile: path.join(spec.runDir, 'floor-worker.log'),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: ctx.temporal.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      FLOOR_WORKFLOW_BUNDLE: bundle,
      ...spec.workerEnv,
    },
  });
  ctx.cleanup.add('floor-worker', () => worker.stop(), worker.pid);
  await untilPolling(
    worker,
    ctx.temporal.address,
    [
      { name: taskQueue, kind: 'workflow' },
      { name: taskQueue, kind: 'activity' },
    ],
    path.join(spec.runDir, 'floor-worker.log'),
  );

  const rng = rngFor(spec.seed);
  const userIds = Array.from({ length: spec.users }, (_, i) => `${spec.runId}-floor-u${i}`);
  const plans: PlannedGroup[][] = userIds.map((id) => planUserMessages(rng, id, spec.eventsPerUser, spec.mix));
  const counts = plans.map((p) => distinctMessages(p).length);
  const workflowId = (i: number) => `bench-floor-${userIds[i]}`;
  const starting = new Progress('floor start', userIds.length, 'workflows');
  let started = 0;
  await mapLimit(
    userIds.map((_, i) => i),
    32,
    async (i) => {
      await ctx.client.workflow.start('floorWorkflow', { workflowId: workflowId(i), taskQueue, args: [counts[i] as number] });
      starting.update((started += 1));
    },
  );
  starting.done();

  const sentAt: number[][] = userIds.map(() => []);
  const events = counts.reduce((a, b) => a + b, 0);
  const workerSampler = new ProcSampler(() => (worker.running() ? worker.pid : undefined)).start();
  const serverSampler = ctx.temporal.server ? new ProcSampler(() => ctx.temporal.server?.process.pid).start() : undefined;
  const cpuBefore = process.cpuUsage();
  const driver = new Driver(
    plans,
    (g) => g.length,
    async (user, group) => {
      for (const m of group) {
        if (m.kind === 'duplicate') continue;
        (sentAt[user] as number[]).push(Date.now());
        if (m.kind === 'event') {
          await ctx.client.workflow.signalWithStart('floorWorkflow', {
            workflowId: workflowId(user),
            taskQueue,
            args: [counts[user] as number],
            signal: 'track',
            signalArgs: [{ id: m.id }],
          });
        } else {
          await ctx.client.workflow.getHandle(workflowId(user)).signal('refund', { id: m.id });
        }
      }
    },
    spec.drive,
  );
  const driving = driver.run();
  let driveError: unknown;
  driving.catch((error: unknown) => (driveError = error));
  const progress = new Progress('floor', userIds.length, 'workflows done');
  const query = `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Completed'`;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    if (driveError) throw driveError;
    const { count } = await ctx.client.workflow.count(query);
    progress.update(count);
    if (count >= userIds.length) break;
    if (count !== last) {
      last = count;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > spec.stallMs)
      throw new Error(`floor: no workflow completed for ${Math.round(spec.stallMs / 1000)} s (${count}/${userIds.length} done)`);
    await new Promise((r) => setTimeout(r, 300));
  }
  const drive = await driving;
  progress.done();
  const workerUsage = workerSampler.stop();
  const server = serverSampler?.stop();
  const cpu = process.cpuUsage(cpuBefore);
  await worker.stop();
  ctx.cleanup.remove('floor-worker');

  // Histories: actions, and per user the i-th no-op completion answers the i-th message sent.
  const runs = await listRuns(ctx.client, taskQueue, userIds.length);
  const index = new Map(userIds.map((id, i) => [`bench-floor-${id}`, i]));
  let endedAtMs = drive.startedAtMs;
  const latencies: number[] = [];
  const perRun = await mapLimit(runs, 16, async ({ workflowId: id, runId }) => {
    const events_ = (await ctx.client.workflow.getHandle(id, runId).fetchHistory()).events ?? [];
    const sent = sentAt[index.get(id) ?? -1] ?? [];
    let k = 0;
    for (const e of events_) {
      if (e.eventType !== E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) continue;
      const at = timestampMs(e.eventTime) ?? 0;
      endedAtMs = Math.max(endedAtMs, at);
      const s = sent[k++];
      if (s !== undefined) latencies.push(at - s);
    }
    return { events: events_ };
  });
  return {
    result: {
      name: 'floor',
      taskQueue,
      users: spec.users,
      events,
      deliveries: events,
      startedAtMs: drive.startedAtMs,
      endedAtMs,
      drive: {
        mode: spec.drive.mode,
        ...(spec.drive.mode === 'closed' ? { concurrency: spec.drive.concurrency } : { ratePerSecond: spec.drive.ratePerSecond as number }),
        sendMs: drive.endedAtMs - drive.startedAtMs,
        retries: drive.retries,
      },
      eventsPerSecond: ratePerSecond(events, drive.startedAtMs, endedAtMs),
      deliveriesPerSecond: ratePerSecond(events, drive.startedAtMs, endedAtMs),
      latencyMs: summarize(latencies),
      worker: workerUsage,
      ...(server ? { server } : {}),
      harnessCpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
    },
    histories: { runs: runs.length, ...historyTotals(perRun) },
  };
}
