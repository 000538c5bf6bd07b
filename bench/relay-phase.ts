// One measured run of s2s-relay: a fresh worker process on its own task queue, users signed up (install
// times already past the gate, installs registered with the emulator), their purchases and refunds driven
// through the client, and the wait until the emulator has accepted every delivery. Measures throughput,
// signal-to-vendor latency, and the worker's and server's CPU and memory while it ran.
import type { Client } from '@temporalio/client';
import { RelayClient } from '../client/relay-client';
import type { RelayConfigInput } from '../domain/config';
import type { Destination } from '../domain/delivery';
import type { Signup } from '../domain/contract/install';
import type { Emulator } from '../emulator/server';
import { DeliveryWatch } from './delivery-watch';
import { Driver, type DriveOptions } from './driver';
import { mapLimit } from './histories';
import { ProcSampler, type ProcUsage } from './proc-sampler';
import type { Cleanup } from './processes';
import { Progress } from './progress';
import { relaySender, SentLog, type SendApi } from './relay-sender';
import { startRelayWorker, type TemporalEndpoint } from './stack';
import { ratePerSecond, summarize, type LatencySummary } from './stats';
import { benchUser, deliveryIdsFor, distinctMessages, planUserMessages, rngFor, type MixOptions, type PlannedGroup } from './workload';

export interface RelayPhaseSpec {
  name: string;
  runDir: string;
  runId: string;
  users: number;
  eventsPerUser: number;
  mix: MixOptions;
  seed: number;
  drive: DriveOptions;
  api: SendApi;
  appConfig: RelayConfigInput;
  bundlePath: string;
  workerEnv: Record<string, string>;
  workerNodeArgs?: string[];
  stallMs: number;
}

export interface PhaseResult {
  name: string;
  taskQueue: string;
  users: number;
  events: number;
  deliveries: number;
  startedAtMs: number;
  endedAtMs: number;
  drive: { mode: string; concurrency?: number; ratePerSecond?: number; sendMs: number; retries: number };
  eventsPerSecond: number;
  deliveriesPerSecond: number;
  latencyMs: LatencySummary;
  latencyByVendorMs?: Record<Destination, LatencySummary>;
  worker: ProcUsage;
  server?: ProcUsage;
  harnessCpuSeconds: number;
  /** When the worker process reported it was running (its rate-limit schedules start about then). */
  workerReadyAtMs?: number;
  /** Per delivery: first acceptance time (relay phases), for ramp and rate analysis. */
  acceptedAtMs?: Array<{ vendor: Destination; atMs: number }>;
}

export interface RelayPhaseContext {
  cleanup: Cleanup;
  temporal: TemporalEndpoint;
  client: Client;
  emulator: Emulator;
}

/** What every run of the regimes, scale and replay-length harnesses starts from. */
export interface HarnessRunSpec {
  runDir: string;
  runId: string;
  bundlePath: string;
  workerEnv: Record<string, string>;
  seed: number;
  /** Fail when nothing progresses for this long. */
  stallMs: number;
}

export async function runRelayPhase(ctx: RelayPhaseContext, spec: RelayPhaseSpec): Promise<PhaseResult> {
  const taskQueue = `bench-${spec.runId}-${spec.name.replace(/[^A-Za-z0-9]+/g, '-')}`;
  const worker = await startRelayWorker(ctx.cleanup, {
    runDir: spec.runDir,
    name: `worker-${spec.name.replace(/[^A-Za-z0-9]+/g, '-')}`,
    temporalAddress: ctx.temporal.address,
    taskQueue,
    appConfig: spec.appConfig,
    bundlePath: spec.bundlePath,
    env: spec.workerEnv,
    ...(spec.workerNodeArgs ? { nodeArgs: spec.workerNodeArgs } : {}),
  });
  const workerReadyAtMs = Date.now();
  const relay = new RelayClient(ctx.client, { taskQueue });

  // Users, with installs the vendors already processed (the gate is long past).
  const rng = rngFor(spec.seed);
  const installedAtMs = Date.now() - 2 * 3_600_000;
  const users: Signup[] = Array.from({ length: spec.users }, (_, i) => benchUser(rng, `${spec.runId}-${spec.name}-u${i}`, installedAtMs));
  const plans: PlannedGroup[][] = users.map((u) => planUserMessages(rng, u.userId, spec.eventsPerUser, spec.mix));
  for (const u of users) {
    ctx.emulator.registerInstall({
      deviceIds: u.deviceIds as Record<string, string>,
      appsflyerId: u.appsflyerId,
      installedAt: u.installedAt,
      processingDelayMs: 0,
    });
  }
  const signup = new Progress(`${spec.name} signup`, users.length, 'users');
  let signedUp = 0;
  await mapLimit(users, 32, async (u) => {
    await relay.signup(u);
    signup.update((signedUp += 1));
  });
  signup.done();

  // What must arrive: two deliveries per distinct message.
  const expected = new Map<string, { messageId: string; vendor: Destination }>();
  plans.forEach((groups, i) => {
    for (const m of distinctMessages(groups)) {
      const ids = deliveryIdsFor((users[i] as Signup).userId, m);
      expected.set(ids.adjust, { messageId: m.id, vendor: 'adjust' });
      expected.set(ids.appsflyer, { messageId: m.id, vendor: 'appsflyer' });
    }
  });
  const events = expected.size / 2;
  const watch = new DeliveryWatch(ctx.emulator, new Set(expected.keys()));
  watch.poll();

  const workerSampler = new ProcSampler(() => (worker.running() ? worker.pid : undefined)).start();
  const serverSampler = ctx.temporal.server ? new ProcSampler(() => ctx.temporal.server?.process.pid).start() : undefined;
  const cpuBefore = process.cpuUsage();
  const log = new SentLog();
  const progress = new Progress(spec.name, expected.size, 'deliveries');
  let sentMessages = 0;
  const driver = new Driver(
    plans,
    (g) => g.length,
    relaySender(
      relay,
      users.map((u) => u.userId),
      spec.api,
      log,
    ),
    {
      ...spec.drive,
      onProgress: (n) => (sentMessages = n),
    },
  );
  const driving = driver.run();
  let driveError: unknown;
  driving.catch((error: unknown) => (driveError = error));
  const started = Date.now();
  await watch.waitAll({
    label: spec.name,
    stallMs: spec.stallMs,
    onPoll: (n) => {
      if (driveError) throw driveError;
      const secs = (Date.now() - started) / 1000;
      progress.update(n, `sent ${sentMessages} msgs · ${secs > 0 ? Math.round(n / 2 / secs) : 0} events/s`);
    },
  });
  const drive = await driving;
  progress.done();
  const worker_ = workerSampler.stop();
  const server = serverSampler?.stop();
  const cpu = process.cpuUsage(cpuBefore);
  await worker.stop(30_000);
  ctx.cleanup.remove(worker.name);

  const latencies: number[] = [];
  const byVendor: Record<Destination, number[]> = { adjust: [], appsflyer: [] };
  let endedAtMs = drive.startedAtMs;
  const acceptedAtMs: Array<{ vendor: Destination; atMs: number }> = [];
  for (const [id, info] of expected) {
    const acceptance = watch.accepted.get(id);
    const sent = log.messages.get(info.messageId);
    if (!acceptance || !sent) continue;
    const latency = acceptance.receivedAtMs - sent.sentAtMs;
    latencies.push(latency);
    byVendor[info.vendor].push(latency);
    endedAtMs = Math.max(endedAtMs, acceptance.receivedAtMs);
    acceptedAtMs.push({ vendor: info.vendor, atMs: acceptance.receivedAtMs });
  }
  return {
    name: spec.name,
    taskQueue,
    users: spec.users,
    events,
    deliveries: expected.size,
    startedAtMs: drive.startedAtMs,
    endedAtMs,
    drive: {
      mode: spec.drive.mode,
      ...(spec.drive.mode === 'closed' ? { concurrency: spec.drive.concurrency } : { ratePerSecond: spec.drive.ratePerSecond as number }),
      sendMs: drive.endedAtMs - drive.startedAtMs,
      retries: drive.retries,
    },
    eventsPerSecond: ratePerSecond(events, drive.startedAtMs, endedAtMs),
    deliveriesPerSecond: ratePerSecond(expected.size, drive.startedAtMs, endedAtMs),
    latencyMs: summarize(latencies),
    latencyByVendorMs: { adjust: summarize(byVendor.adjust), appsflyer: summarize(byVendor.appsflyer) },
    worker: worker_,
    ...(server ? { server } : {}),
    harnessCpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
    workerReadyAtMs,
    acceptedAtMs,
  };
}
