// The cost-at-scale regimes of `npm run bench` (issue 14), relay and floor alternating on the same server:
//   1. relay, worker cache large enough for every user: warm-up users (signed up, one event), RSS; the
//      measured users signed up and left idle, RSS again (memory per cached workflow); then `sparse`: one
//      event per user, open loop at a fixed rate, production settle window;
//   2. the floor the same way (its workflows started and idle, then one signal each);
//   3. relay on a fresh worker whose cache is smaller than the user count: `cache_miss`, the same users, more
//      events each at the same rate, so every event's first workflow task replays the user's history (the
//      cache holds what the rate touches while one event runs, as a production worker's does: RegimesPlan);
//   4. the floor the same way.
// Each phase is measured between two quiet points (worker and server idle), so the CPU of a phase is the
// work its events caused; the actions and workflow tasks come from what the phase added to the histories.
// Workers expose Temporal Core's metrics (sticky cache hits and misses, replays) on a port of their own.
import fs from 'node:fs';
import path from 'node:path';
import { RelayClient } from '../client/relay-client';
import type { RelayConfigInput } from '../domain/config';
import type { Signup } from '../domain/contract/install';
import { userWorkflowId } from '../domain/ids';
import { freePort } from '../worker/net';
import type { RegimesPlan } from './bench-options';
import { DeliveryWatch } from './delivery-watch';
import { Driver } from './driver';
import { buildFloorBundle } from './floor/bundle';
import { mapLimit } from './histories';
import { replayCostApart } from './replay-cost';
import { ProcSampler, sampleTree } from './proc-sampler';
import { spawnTsx, type ManagedChild } from './processes';
import { Progress, say } from './progress';
import {
  cacheCounts,
  cacheDelta,
  eventTimeMs,
  historyShape,
  historyWindow,
  parsePrometheus,
  windowCosts,
  type CacheCounts,
  type MemoryMeasure,
  type RegimeRun,
  type RegimesInputs,
  type TimedEvent,
} from './regime-report';
import type { HarnessRunSpec, RelayPhaseContext } from './relay-phase';
import { relaySender, SentLog } from './relay-sender';
import { startRelayWorker, untilPolling } from './stack';
import { benchUser, deliveryIdsFor, rngFor, type PlannedGroup } from './workload';
import { temporal } from '@temporalio/proto';

export interface RegimesSpec extends HarnessRunSpec {
  appConfig: RelayConfigInput;
  plan: RegimesPlan;
  /** Extra node flags for the relay workers (--worker-node-args), e.g. --cpu-prof. */
  workerNodeArgs?: string[];
}

interface Worker {
  child: ManagedChild;
  metricsPort: number;
}

const E = temporal.api.enums.v1.EventType;
/** Users per side whose histories the direct replay measure replays (each round). */
const REPLAY_SAMPLE = 40;

/** Waits until the processes are idle (below `maxCores` together for `forMs`), at most `timeoutMs`. */
export async function waitQuiet(
  pids: ReadonlyArray<() => number | undefined>,
  opts: { maxCores?: number; forMs?: number; timeoutMs?: number } = {},
): Promise<boolean> {
  const maxCores = opts.maxCores ?? 0.25;
  const forMs = opts.forMs ?? 3_000;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const cpu = () => pids.reduce((sum, pid) => sum + (pid() !== undefined ? sampleTree(pid() as number).cpuSeconds : 0), 0);
  let quietSince = Date.now();
  let last = cpu();
  let lastAt = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const now = cpu();
    const at = Date.now();
    const cores = (now - last) / ((at - lastAt) / 1000);
    last = now;
    lastAt = at;
    if (cores > maxCores) quietSince = at;
    else if (at - quietSince >= forMs) return true;
  }
  return false;
}

async function scrape(port: number): Promise<CacheCounts | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    return cacheCounts(parsePrometheus(await response.text()));
  } catch {
    return undefined;
  }
}

/** What one measured window of a phase saw, before its histories are read. */
interface Window {
  fromMs: number;
  toMs: number;
  worker: ReturnType<ProcSampler['stop']>;
  server?: ReturnType<ProcSampler['stop']>;
  cache?: CacheCounts;
  sentAtMs: Map<string, number>;
  /** Relay: when both vendors accepted each event (the floor's come from its histories). */
  doneAtMs: Map<string, number>;
  offeredPerSecond: number;
}

export async function runRegimes(ctx: RelayPhaseContext, spec: RegimesSpec): Promise<RegimesInputs> {
  const { plan } = spec;
  const serverPid = () => ctx.temporal.server?.process.pid;
  // After a phase the quiet stretch outlasts the sticky queue's 5 s schedule-to-start timeout, so a task that
  // waited it out still counts in the phase (the same idle stretch for relay and floor).
  const quiet = async (worker: ManagedChild, label: string, forMs = 3_000) => {
    if (!(await waitQuiet([() => (worker.running() ? worker.pid : undefined), serverPid], { forMs })))
      say(`bench: ${label}: worker and server not idle after 60 s; measuring anyway`);
  };

  // One measured window: quiet, samplers and metrics on, drive, wait, quiet, off.
  const measure = async (
    worker: Worker,
    label: string,
    offeredPerSecond: number,
    drive: () => Promise<{ sentAtMs: Map<string, number>; doneAtMs: Map<string, number> }>,
  ): Promise<Window> => {
    await quiet(worker.child, label);
    const before = await scrape(worker.metricsPort);
    const workerSampler = new ProcSampler(() => (worker.child.running() ? worker.child.pid : undefined)).start();
    const serverSampler = ctx.temporal.server ? new ProcSampler(serverPid).start() : undefined;
    const fromMs = Date.now();
    const { sentAtMs, doneAtMs } = await drive();
    await quiet(worker.child, label, 6_000);
    const toMs = Date.now();
    const workerUsage = workerSampler.stop();
    const server = serverSampler?.stop();
    const after = await scrape(worker.metricsPort);
    return {
      fromMs,
      toMs,
      worker: workerUsage,
      ...(server ? { server } : {}),
      ...(before && after ? { cache: cacheDelta(before, after) } : {}),
      sentAtMs,
      doneAtMs,
      offeredPerSecond,
    };
  };

  const rng = rngFor(spec.seed + 14);
  const installedAtMs = Date.now() - 2 * 3_600_000;
  const all: Signup[] = Array.from({ length: plan.warmupUsers + plan.users }, (_, i) => benchUser(rng, `${spec.runId}-rg-u${i}`, installedAtMs));
  for (const u of all)
    ctx.emulator.registerInstall({
      deviceIds: u.deviceIds as Record<string, string>,
      appsflyerId: u.appsflyerId,
      installedAt: u.installedAt,
      processingDelayMs: 0,
    });
  const warmup = all.slice(0, plan.warmupUsers);
  const users = all.slice(plan.warmupUsers);
  const relayQueue = `bench-${spec.runId}-regimes`;
  const floorQueue = `bench-${spec.runId}-regimes-floor`;
  const relay = new RelayClient(ctx.client, { taskQueue: relayQueue });

  const relayWorker = async (name: string, cacheSize: number): Promise<Worker> => {
    const metricsPort = await freePort();
    const child = await startRelayWorker(ctx.cleanup, {
      runDir: spec.runDir,
      name,
      temporalAddress: ctx.temporal.address,
      taskQueue: relayQueue,
      appConfig: spec.appConfig,
      bundlePath: spec.bundlePath,
      env: { ...spec.workerEnv, S2S_MAX_CACHED_WORKFLOWS: String(cacheSize), S2S_METRICS_PORT: String(metricsPort), S2S_VISIBILITY_METRICS_INTERVAL: '0' },
      ...(spec.workerNodeArgs ? { nodeArgs: spec.workerNodeArgs } : {}),
    });
    return { child, metricsPort };
  };

  const floorBundle = path.join(spec.runDir, 'floor-workflow-bundle.js');
  if (!fs.existsSync(floorBundle)) fs.writeFileSync(floorBundle, await buildFloorBundle());
  const floorWorker = async (name: string, cacheSize: number): Promise<Worker & { doneLog: string }> => {
    const metricsPort = await freePort();
    const doneLog = path.join(spec.runDir, `${name}.done`);
    const logFile = path.join(spec.runDir, `${name}.log`);
    const child = spawnTsx({
      name,
      script: 'bench/floor/worker.ts',
      logFile,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TEMPORAL_ADDRESS: ctx.temporal.address,
        TEMPORAL_TASK_QUEUE: floorQueue,
        FLOOR_WORKFLOW_BUNDLE: floorBundle,
        ...spec.workerEnv,
        S2S_MAX_CACHED_WORKFLOWS: String(cacheSize),
        FLOOR_METRICS_PORT: String(metricsPort),
        FLOOR_DONE_LOG: doneLog,
      },
    });
    ctx.cleanup.add(name, () => child.stop(), child.pid);
    await untilPolling(
      child,
      ctx.temporal.address,
      [
        { name: floorQueue, kind: 'workflow' },
        { name: floorQueue, kind: 'activity' },
      ],
      logFile,
    );
    return { child, metricsPort, doneLog };
  };
  const stop = async (worker: Worker) => {
    await worker.child.stop(30_000);
    ctx.cleanup.remove(worker.child.name);
  };

  // ---- relay: sends `perUser` events to each user at `rate`, resolves once both vendors accepted each ----
  let eventSeq = 0;
  const relayEvents = async (label: string, who: readonly Signup[], perUser: number, rate: number) => {
    const tag = `x${(eventSeq += 1)}e`;
    const plans: PlannedGroup[][] = who.map((u) =>
      Array.from({ length: perUser }, (_, k) => [{ kind: 'event' as const, id: `${u.userId}.${tag}${k}`, revenue: '4.99', offsetMs: 0 }]),
    );
    const expected = new Map<string, string>();
    who.forEach((u, i) => {
      for (const [m] of plans[i] as PlannedGroup[]) {
        if (m?.kind !== 'event') continue;
        const ids = deliveryIdsFor(u.userId, m);
        expected.set(ids.adjust, m.id);
        expected.set(ids.appsflyer, m.id);
      }
    });
    const watch = new DeliveryWatch(ctx.emulator, new Set(expected.keys()));
    watch.poll();
    const log = new SentLog();
    const driver = new Driver(
      plans,
      (g) => g.length,
      relaySender(
        relay,
        who.map((u) => u.userId),
        'signal',
        log,
      ),
      { mode: 'open', concurrency: 32, ratePerSecond: rate },
    );
    const driving = driver.run();
    let driveError: unknown;
    driving.catch((error: unknown) => (driveError = error));
    const progress = new Progress(label, expected.size, 'deliveries');
    await watch.waitAll({
      label,
      stallMs: spec.stallMs,
      onPoll: (n) => {
        if (driveError) throw driveError;
        progress.update(n);
      },
    });
    await driving;
    progress.done();
    const sentAtMs = new Map<string, number>();
    const doneAtMs = new Map<string, number>();
    for (const [deliveryId, messageId] of expected) {
      const at = watch.accepted.get(deliveryId)?.receivedAtMs ?? 0;
      doneAtMs.set(messageId, Math.max(doneAtMs.get(messageId) ?? 0, at));
      const sent = log.messages.get(messageId)?.sentAtMs;
      if (sent !== undefined) sentAtMs.set(messageId, sent);
    }
    return { sentAtMs, doneAtMs };
  };
  const signupAll = async (label: string, who: readonly Signup[]) => {
    const progress = new Progress(label, who.length, 'users');
    let n = 0;
    await mapLimit(who, 16, async (u) => {
      await relay.signup(u);
      progress.update((n += 1));
    });
    progress.done();
  };

  // ---- floor: idle workflows (one per user), signals at `rate`, done when the no-op activities ran ----
  const floorId = (u: Signup) => `bench-floor-${u.userId}`;
  const floorEvents = async (label: string, worker: Worker & { doneLog: string }, who: readonly Signup[], perUser: number, rate: number) => {
    const tag = `x${(eventSeq += 1)}e`;
    const plans: string[][] = who.map((u) => Array.from({ length: perUser }, (_, k) => `${u.userId}.${tag}${k}`));
    const sentAtMs = new Map<string, number>();
    const total = who.length * perUser;
    const doneBefore = fs.existsSync(worker.doneLog) ? fs.readFileSync(worker.doneLog, 'utf8').split('\n').filter(Boolean).length : 0;
    const driver = new Driver(
      plans,
      () => 1,
      async (user, id) => {
        sentAtMs.set(id, Date.now());
        await ctx.client.workflow.signalWithStart('floorWorkflow', {
          workflowId: floorId(who[user] as Signup),
          taskQueue: floorQueue,
          args: [1],
          signal: 'track',
          signalArgs: [{ id }],
        });
      },
      { mode: 'open', concurrency: 32, ratePerSecond: rate },
    );
    const driving = driver.run();
    let driveError: unknown;
    driving.catch((error: unknown) => (driveError = error));
    const progress = new Progress(label, total, 'events');
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      if (driveError) throw driveError;
      const done = (fs.existsSync(worker.doneLog) ? fs.readFileSync(worker.doneLog, 'utf8').split('\n').filter(Boolean).length : 0) - doneBefore;
      progress.update(done);
      if (done >= total) break;
      if (done !== last) {
        last = done;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > spec.stallMs)
        throw new Error(`${label}: no floor activity ran for ${Math.round(spec.stallMs / 1000)} s (${done}/${total})`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await driving;
    progress.done();
    return { sentAtMs, doneAtMs: new Map<string, number>() };
  };
  const startFloorWorkflows = async (label: string, who: readonly Signup[], expected: number) => {
    const progress = new Progress(label, who.length, 'workflows');
    let n = 0;
    await mapLimit(who, 16, async (u) => {
      await ctx.client.workflow.start('floorWorkflow', { workflowId: floorId(u), taskQueue: floorQueue, args: [expected] });
      progress.update((n += 1));
    });
    progress.done();
  };

  const rss = (worker: Worker) => sampleTree(worker.child.pid).rssBytes;
  const warmRate = Math.max(plan.ratePerSecond, 50);
  const E_ = plan.cacheMissEventsPerUser;

  // 1. relay, all cached: memory per cached workflow, then sparse.
  say(`bench: regimes: ${plan.users} idle users (+${plan.warmupUsers} warm-up), events at ${plan.ratePerSecond}/s, settle window ${plan.settleWindowMs} ms`);
  const relayA = await relayWorker('worker-sparse', plan.sparseCacheSize);
  await signupAll('warm-up signup', warmup);
  await relayEvents('warm-up', warmup, 1, warmRate);
  await quiet(relayA.child, 'relay memory');
  const relayMemory: MemoryMeasure = { warmupWorkflows: warmup.length, workflows: users.length, beforeRssBytes: rss(relayA), afterRssBytes: 0 };
  const half = Math.floor(users.length / 2);
  await signupAll('idle signup', users.slice(0, half));
  await quiet(relayA.child, 'relay memory');
  Object.assign(relayMemory, { midWorkflows: half, midRssBytes: rss(relayA) });
  await signupAll('idle signup', users.slice(half));
  await quiet(relayA.child, 'relay memory');
  relayMemory.afterRssBytes = rss(relayA);
  const relaySparse = await measure(relayA, 'sparse', plan.ratePerSecond, () => relayEvents('sparse relay', users, 1, plan.ratePerSecond));
  await stop(relayA);

  // 2. the floor, the same way.
  const floorA = await floorWorker('floor-sparse', plan.sparseCacheSize);
  await startFloorWorkflows('warm-up floor', warmup, 2);
  await floorEvents('warm-up floor', floorA, warmup, 1, warmRate);
  await quiet(floorA.child, 'floor memory');
  const floorMemory: MemoryMeasure = { warmupWorkflows: warmup.length, workflows: users.length, beforeRssBytes: rss(floorA), afterRssBytes: 0 };
  await startFloorWorkflows('idle floor', users.slice(0, half), 1 + E_);
  await quiet(floorA.child, 'floor memory');
  Object.assign(floorMemory, { midWorkflows: half, midRssBytes: rss(floorA) });
  await startFloorWorkflows('idle floor', users.slice(half), 1 + E_);
  await quiet(floorA.child, 'floor memory');
  floorMemory.afterRssBytes = rss(floorA);
  const floorSparse = await measure(floorA, 'sparse floor', plan.ratePerSecond, () => floorEvents('sparse floor', floorA, users, 1, plan.ratePerSecond));
  await stop(floorA);

  // 3. relay, cache far below the user count: cache_miss.
  const relayB = await relayWorker('worker-cache-miss', plan.cacheMissCacheSize);
  await relayEvents('warm-up', warmup, 1, warmRate);
  const relayMiss = await measure(relayB, 'cache_miss', plan.ratePerSecond, () => relayEvents('cache_miss relay', users, E_, plan.ratePerSecond));
  await stop(relayB);

  // 4. the floor, the same way.
  const floorB = await floorWorker('floor-cache-miss', plan.cacheMissCacheSize);
  await floorEvents('warm-up floor', floorB, warmup, 1, warmRate);
  const floorMiss = await measure(floorB, 'cache_miss floor', plan.ratePerSecond, () => floorEvents('cache_miss floor', floorB, users, E_, plan.ratePerSecond));
  await stop(floorB);

  // Histories: what each window added.
  say('bench: regimes: reading the histories ...');
  const relayHistories = await mapLimit(
    users,
    16,
    async (u) => ((await ctx.client.workflow.getHandle(userWorkflowId(u.userId)).fetchHistory()).events ?? []) as TimedEvent[],
  );
  const floorHistories = await mapLimit(
    users,
    16,
    async (u) => ((await ctx.client.workflow.getHandle(floorId(u)).fetchHistory()).events ?? []) as TimedEvent[],
  );

  // Each window's history runs from its start to the start of the next phase of the same side (a quiet worker
  // can still owe a task that waits out a sticky queue's timeout); nothing touches these users afterwards.
  relaySparse.toMs = relayMiss.fromMs;
  floorSparse.toMs = floorMiss.fromMs;
  relayMiss.toMs = Number.POSITIVE_INFINITY;
  floorMiss.toMs = Number.POSITIVE_INFINITY;
  const relayRun = (w: Window): RegimeRun => {
    const ids = [...w.sentAtMs.keys()];
    return {
      events: ids.length,
      offeredPerSecond: w.offeredPerSecond,
      sentAtMs: ids.map((id) => w.sentAtMs.get(id) as number),
      doneAtMs: ids.map((id) => w.doneAtMs.get(id) ?? 0),
      worker: w.worker,
      ...(w.server ? { server: w.server } : {}),
      costs: windowCosts(relayHistories, w.fromMs, w.toMs),
      ...(w.cache ? { cache: w.cache } : {}),
    };
  };
  // The floor's k-th activity completion in a window answers the user's k-th signal of that window.
  const floorRun = (w: Window): RegimeRun => {
    const sentAtMs: number[] = [];
    const doneAtMs: number[] = [];
    const byUser = new Map<string, number[]>();
    for (const [id, at] of w.sentAtMs) {
      const user = id.slice(0, id.lastIndexOf('.'));
      byUser.set(user, [...(byUser.get(user) ?? []), at]);
    }
    users.forEach((u, i) => {
      const sent = (byUser.get(u.userId) ?? []).sort((a, b) => a - b);
      const completions = historyWindow(floorHistories[i] as TimedEvent[], w.fromMs, w.toMs)
        .filter((e) => e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
        .map((e) => eventTimeMs(e) as number);
      sent.forEach((s, k) => {
        sentAtMs.push(s);
        doneAtMs.push(completions[k] ?? s);
      });
    });
    return {
      events: sentAtMs.length,
      offeredPerSecond: w.offeredPerSecond,
      sentAtMs,
      doneAtMs,
      worker: w.worker,
      ...(w.server ? { server: w.server } : {}),
      costs: windowCosts(floorHistories, w.fromMs, w.toMs),
      ...(w.cache ? { cache: w.cache } : {}),
    };
  };

  // A cache miss's replay, measured directly: the users' histories replayed in a fresh process, relay and floor in turns.
  say('bench: regimes: replaying histories (relay and floor in turns) ...');
  const sample = (histories: TimedEvent[][]) =>
    histories.slice(0, REPLAY_SAMPLE).map((events) => ({ events: events as temporal.api.history.v1.IHistoryEvent[] }));
  const replay = await replayCostApart(
    spec.runDir,
    { relay: { bundlePath: spec.bundlePath, histories: sample(relayHistories) }, floor: { bundlePath: floorBundle, histories: sample(floorHistories) } },
    spec.workerEnv,
  ).catch((error: unknown) => {
    say(`bench: regimes: the direct replay measure failed, left out: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  });

  const lone = historyShape(historyWindow(relayHistories[0] ?? [], relaySparse.fromMs, relaySparse.toMs));
  const setup = (cache: number, perUser: number) => ({
    users: plan.users,
    events_per_user: perUser,
    worker_cache_size: cache,
    settle_window_ms: plan.settleWindowMs,
    load: `open loop, ${plan.ratePerSecond} events/s, each user's events ${Math.round(plan.users / plan.ratePerSecond)} s apart`,
  });
  return {
    sparse: {
      setup: { ...setup(plan.sparseCacheSize, 1), users_state: 'signed up, idle, cached' },
      relay: relayRun(relaySparse),
      floor: floorRun(floorSparse),
      loneEvent: { userHistory: lone },
    },
    cacheMiss: {
      setup: { ...setup(plan.cacheMissCacheSize, E_), users_state: 'signed up with one event delivered, fresh worker' },
      relay: relayRun(relayMiss),
      floor: floorRun(floorMiss),
    },
    memory: { relay: relayMemory, floor: floorMemory },
    replay,
  };
}
