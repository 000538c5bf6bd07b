// `npm run bench -- --scale` (issue 14 item 5): open users at scale on the dev server with its database on
// disk. Signs up --scale-users users (idle afterwards) in chunks, recording progress in the run directory so
// `--resume DIR` continues where it stopped; then one event each for --scale-events users picked at random.
// Reports signups/s, database bytes per idle user, the worker's RSS over time (bounded by its cache), and
// events/s, latency and CPU per event in that state, with actions per event from a sample of the histories.
import fs from 'node:fs';
import path from 'node:path';
import { RelayClient } from '../client/relay-client';
import type { Signup } from '../domain/contract/install';
import { userWorkflowId } from '../domain/ids';
import { freePort } from '../worker/net';
import type { ScalePlan } from './bench-options';
import { machine } from './bench-report';
import { DeliveryWatch } from './delivery-watch';
import { Driver } from './driver';
import { mapLimit } from './histories';
import { ProcSampler, sampleTree } from './proc-sampler';
import { Progress, say } from './progress';
import { cacheCounts, cacheDelta, historyWindow, parsePrometheus, windowCosts, type CacheCounts, type TimedEvent } from './regime-report';
import type { HarnessRunSpec, RelayPhaseContext } from './relay-phase';
import { relaySender, SentLog } from './relay-sender';
import { scaleJson, scaleText, type RssPoint, type ScaleState } from './scale-report';
import { benchAppConfig, startRelayWorker } from './stack';
import { waitQuiet } from './regimes';
import { benchUser, deliveryIdsFor, rngFor, type PlannedGroup } from './workload';

export interface ScaleSpec extends HarnessRunSpec {
  plan: ScalePlan;
  command: string;
}

const CHUNK = 1_000;
const HISTORY_SAMPLE = 200;

/** Bytes of the dev server's database: the SQLite file and its WAL and shared-memory files. */
export function databaseBytes(dbFile: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const suffix of ['', '-wal', '-shm']) {
    const file = `${dbFile}${suffix}`;
    if (fs.existsSync(file)) out[path.basename(file)] = fs.statSync(file).size;
  }
  return out;
}

async function scrape(port: number): Promise<CacheCounts | undefined> {
  try {
    return cacheCounts(parsePrometheus(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()));
  } catch {
    return undefined;
  }
}

export async function runScale(ctx: RelayPhaseContext, spec: ScaleSpec): Promise<{ json: Record<string, unknown>; text: string }> {
  const { plan } = spec;
  const dbFile = ctx.temporal.dbFile;
  if (!dbFile) throw new Error('--scale needs the dev server with its database in a file (the harness starts it)');
  const stateFile = path.join(spec.runDir, 'scale-state.json');
  const state: ScaleState = fs.existsSync(stateFile)
    ? (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as ScaleState)
    : {
        taskQueue: `bench-${spec.runId}-scale`,
        userPrefix: `${spec.runId}-sc`,
        seed: spec.seed,
        targetUsers: plan.users,
        signedUp: 0,
        signupSeconds: 0,
        signupWorkerCpuSeconds: 0,
        signupServerCpuSeconds: 0,
        emptyDatabaseBytes: Object.values(databaseBytes(dbFile)).reduce((a, b) => a + b, 0),
        rss: [],
      };
  if (state.signedUp > 0) say(`bench: scale: resuming, ${state.signedUp} of ${state.targetUsers} users signed up before`);
  state.targetUsers = Math.max(state.targetUsers, plan.users);
  const save = () => fs.writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  save();

  const rng = rngFor(state.seed);
  const installedAtMs = Date.now() - 2 * 3_600_000;
  const users: Signup[] = Array.from({ length: state.targetUsers }, (_, i) => benchUser(rng, `${state.userPrefix}-u${i}`, installedAtMs));
  for (const u of users)
    ctx.emulator.registerInstall({
      deviceIds: u.deviceIds as Record<string, string>,
      appsflyerId: u.appsflyerId,
      installedAt: u.installedAt,
      processingDelayMs: 0,
    });
  const appConfig = benchAppConfig(ctx.emulator.url, { settleWindow: plan.settleWindowMs });
  const metricsPort = await freePort();
  const worker = await startRelayWorker(ctx.cleanup, {
    runDir: spec.runDir,
    name: `worker-scale-${spec.runId}`,
    temporalAddress: ctx.temporal.address,
    taskQueue: state.taskQueue,
    appConfig,
    bundlePath: spec.bundlePath,
    env: { ...spec.workerEnv, S2S_MAX_CACHED_WORKFLOWS: String(plan.cacheSize), S2S_METRICS_PORT: String(metricsPort), S2S_VISIBILITY_METRICS_INTERVAL: '0' },
  });
  const serverPid = () => ctx.temporal.server?.process.pid;
  const workerPid = () => (worker.running() ? worker.pid : undefined);
  const started = Date.now();
  const rssPoint = (phase: RssPoint['phase']): RssPoint => ({
    at: new Date().toISOString(),
    phase,
    signed_up: state.signedUp,
    worker_rss_mb: Math.round(sampleTree(worker.pid).rssBytes / 2 ** 20),
    server_rss_mb: serverPid() ? Math.round(sampleTree(serverPid() as number).rssBytes / 2 ** 20) : null,
  });
  let phase: RssPoint['phase'] = 'signup';
  const rssTimer = setInterval(() => state.rss.push(rssPoint(phase)), 5_000);
  rssTimer.unref();
  const relay = new RelayClient(ctx.client, { taskQueue: state.taskQueue });

  try {
    // ---- signups, in chunks, progress saved after each ----
    if (state.signedUp < state.targetUsers) {
      const progress = new Progress('scale signup', state.targetUsers, 'users');
      while (state.signedUp < state.targetUsers) {
        const chunk = users.slice(state.signedUp, Math.min(state.targetUsers, state.signedUp + CHUNK));
        const w0 = sampleTree(worker.pid).cpuSeconds;
        const s0 = serverPid() ? sampleTree(serverPid() as number).cpuSeconds : 0;
        const t0 = Date.now();
        await mapLimit(chunk, 32, async (u) => {
          await relay.signup(u);
        });
        state.signupSeconds += (Date.now() - t0) / 1000;
        state.signupWorkerCpuSeconds += sampleTree(worker.pid).cpuSeconds - w0;
        state.signupServerCpuSeconds += serverPid() ? sampleTree(serverPid() as number).cpuSeconds - s0 : 0;
        state.signedUp += chunk.length;
        save();
        const last = state.rss.at(-1);
        progress.update(state.signedUp, `${Math.round(state.signedUp / state.signupSeconds)} signups/s · worker RSS ${last?.worker_rss_mb ?? '?'} MB`, true);
      }
      progress.done();
    }
    phase = 'idle';
    await waitQuiet([workerPid, serverPid], { timeoutMs: 120_000 });
    state.rss.push(rssPoint('idle'));
    state.idleDatabase = databaseBytes(dbFile);
    save();

    // ---- one event each for `events` users picked at random ----
    phase = 'events';
    const picked = [...users.keys()];
    for (let i = picked.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [picked[i], picked[j]] = [picked[j] as number, picked[i] as number];
    }
    const chosen = picked.slice(0, Math.min(plan.events, users.length)).map((i) => users[i] as Signup);
    const tag = `s${spec.runId}e`;
    const plans: PlannedGroup[][] = chosen.map((u) => [[{ kind: 'event' as const, id: `${u.userId}.${tag}`, revenue: '4.99', offsetMs: 0 }]]);
    const expected = new Map<string, string>();
    chosen.forEach((u) => {
      const m = { kind: 'event' as const, id: `${u.userId}.${tag}`, revenue: '4.99', offsetMs: 0 };
      const ids = deliveryIdsFor(u.userId, m);
      expected.set(ids.adjust, m.id);
      expected.set(ids.appsflyer, m.id);
    });
    const watch = new DeliveryWatch(ctx.emulator, new Set(expected.keys()));
    watch.poll();
    const before = await scrape(metricsPort);
    const workerSampler = new ProcSampler(workerPid).start();
    const serverSampler = new ProcSampler(serverPid).start();
    const fromMs = Date.now();
    const log = new SentLog();
    const drive =
      plan.mode === 'open'
        ? { mode: 'open' as const, concurrency: plan.concurrency, ratePerSecond: plan.ratePerSecond as number }
        : { mode: 'closed' as const, concurrency: plan.concurrency };
    const driver = new Driver(
      plans,
      (g) => g.length,
      relaySender(
        relay,
        chosen.map((u) => u.userId),
        'signal',
        log,
      ),
      drive,
    );
    const driving = driver.run();
    let driveError: unknown;
    driving.catch((error: unknown) => (driveError = error));
    const progress = new Progress('scale events', expected.size, 'deliveries');
    await watch.waitAll({
      label: 'scale events',
      stallMs: spec.stallMs,
      onPoll: (n) => {
        if (driveError) throw driveError;
        const secs = (Date.now() - fromMs) / 1000;
        progress.update(n, `${secs > 0 ? Math.round(n / 2 / secs) : 0} events/s`);
      },
    });
    await driving;
    progress.done();
    await waitQuiet([workerPid, serverPid], { timeoutMs: 120_000 });
    const toMs = Date.now();
    const workerUsage = workerSampler.stop();
    const serverUsage = serverSampler.stop();
    const after = await scrape(metricsPort);
    phase = 'done';
    state.rss.push(rssPoint('done'));
    const doneAt = new Map<string, number>();
    for (const [deliveryId, messageId] of expected)
      doneAt.set(messageId, Math.max(doneAt.get(messageId) ?? 0, watch.accepted.get(deliveryId)?.receivedAtMs ?? 0));
    const ids = [...doneAt.keys()];
    const sentAtMs = ids.map((id) => log.messages.get(id)?.sentAtMs ?? fromMs);
    const doneAtMs = ids.map((id) => doneAt.get(id) as number);

    say(`bench: scale: reading ${Math.min(HISTORY_SAMPLE, chosen.length)} sampled histories ...`);
    const sample = chosen.slice(0, HISTORY_SAMPLE);
    const histories = await mapLimit(
      sample,
      16,
      async (u) => ((await ctx.client.workflow.getHandle(userWorkflowId(u.userId)).fetchHistory()).events ?? []) as TimedEvent[],
    );
    const costs = windowCosts(
      histories.map((h) => historyWindow(h, fromMs, toMs)),
      fromMs,
      toMs,
    );
    const finalDatabase = databaseBytes(dbFile);
    save();
    const json = scaleJson({
      date: new Date().toISOString(),
      command: spec.command,
      machine: machine(),
      plan,
      state,
      finalDatabase,
      events: {
        count: ids.length,
        sentAtMs,
        doneAtMs,
        fromMs,
        toMs,
        worker: workerUsage,
        server: serverUsage,
        ...(before && after ? { cache: cacheDelta(before, after) } : {}),
        sampledHistories: sample.length,
        costs,
      },
      elapsedSeconds: Math.round((Date.now() - started) / 1000),
    });
    fs.writeFileSync(path.join(spec.runDir, 'scale.json'), `${JSON.stringify(json, null, 2)}\n`);
    return { json, text: scaleText(json) };
  } finally {
    clearInterval(rssTimer);
    save();
    await worker.stop(30_000);
    ctx.cleanup.remove(worker.name);
  }
}
