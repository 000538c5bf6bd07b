// `npm run chaos`: a bounded run of real users, purchases, refunds, repeats and out-of-order arrivals while
// the worker is SIGKILLed at random, the Temporal dev server is restarted on its database file and the
// emulator injects faults; then the invariants are checked against the emulator's record. Exit 1 if broken.
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { RelayClient } from '../client/relay-client';
import { fnv1a64 } from '../domain/ids';
import type { InstallContextInput } from '../domain/install';
import { CHAOS_ATTEMPT_TIMEOUT_MS, CHAOS_HELP, CHAOS_HTTP, ChaosOptions, chaosPlan, faultMix, type ChaosPlan } from './chaos-options';
import { ChaosMonkey } from './chaos-monkey';
import { chaosJson, chaosText, type ChaosFacts } from './chaos-report';
import { parseOptions } from './cli-args';
import { DeliveryWatch } from './delivery-watch';
import { Driver } from './driver';
import { mapLimit } from './histories';
import { checkInvariants, type AmbiguityWindow, type ExpectedDelivery } from './invariants';
import { Cleanup } from './processes';
import { Progress, say } from './progress';
import { relaySender, SentLog, type SendApi } from './relay-sender';
import { benchAppConfig, makeRunDir, startBenchEmulator, startTemporal, writeRelayBundle } from './stack';
import { WorkerSupervisor } from './worker-supervisor';
import { benchUser, deliveryIdsFor, distinctMessages, planUserMessages, rngFor, type PlannedGroup } from './workload';

type ChaosGroup = { signup: number } | PlannedGroup;

const CHAOS_MIX = { refundRate: 0.1, duplicateRate: 0.1, outOfOrderRate: 0.15, outOfOrderMs: 500 };

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const options = parseOptions(ChaosOptions, argv);
  if (options.help) {
    process.stdout.write(CHAOS_HELP);
    return 0;
  }
  const plan = chaosPlan(options);
  const cleanup = new Cleanup();
  cleanup.installSignalHandlers();
  const runDir = makeRunDir('chaos');
  const runId = Date.now().toString(36);
  const startedAt = Date.now();
  say(`chaos: run directory ${path.relative(process.cwd(), runDir)}`);
  try {
    const temporal = await startTemporal(cleanup, runDir, undefined, true);
    const emulator = await startBenchEmulator(cleanup, 4_000_000);
    const bundlePath = await writeRelayBundle(runDir);
    const policy = {
      postInstallDelay: plan.postInstallDelayMs,
      settleWindow: plan.settleWindowMs,
      retry: { initialInterval: '500ms', maximumInterval: '5s', attemptTimeout: CHAOS_ATTEMPT_TIMEOUT_MS },
    };
    const appConfig = benchAppConfig(emulator.url, policy, CHAOS_HTTP);
    const taskQueue = `chaos-${runId}`;
    const supervisor = new WorkerSupervisor(cleanup, { runDir, temporalAddress: temporal.address, taskQueue, appConfig, bundlePath, env: { S2S_SHUTDOWN_GRACE: '10s' } });
    await supervisor.start();
    const connection = await Connection.connect({ address: temporal.address });
    cleanup.add('client', () => connection.close());
    const client = new Client({ connection });
    const relay = new RelayClient(client, { taskQueue });

    // Workload: per user a signup, then messages (the signup stamps installedAt: the gate is 4 s ahead).
    const rng = rngFor(options.seed);
    const userIds = Array.from({ length: plan.users }, (_, i) => `${runId}-u${i}`);
    const plans = userIds.map((id) => planUserMessages(rng, id, plan.eventsPerUser, CHAOS_MIX));
    const groups: ChaosGroup[][] = plans.map((p, i) => [{ signup: i }, ...p]);
    const installs = new Map<number, InstallContextInput>();
    const log = new SentLog();
    // One message in ten goes as an update (answered once the workflow recorded it), the rest as signals.
    const apiFor = (id: string): SendApi => (parseInt(fnv1a64(id).slice(0, 4), 16) % 10 === 0 ? 'update' : 'signal');
    const sendMessages = relaySender(relay, userIds, apiFor, log);
    const size = (g: ChaosGroup) => ('signup' in g ? 1 : g.length);
    const totalSends = groups.reduce((n, g) => n + g.reduce((m, x) => m + size(x), 0), 0);
    let sent = 0;
    const driver = new Driver<ChaosGroup>(groups, size, async (user, group) => {
      if ('signup' in group) {
        let install = installs.get(user);
        if (!install) {
          install = benchUser(rng, userIds[user] as string, Date.now() - 2_000);
          installs.set(user, install);
          emulator.registerInstall({ deviceIds: install.deviceIds as Record<string, string>, appsflyerId: install.appsflyerId, installedAt: install.installedAt, processingDelayMs: 0 });
        }
        await relay.signup(install);
      } else await sendMessages(user, group);
    }, { mode: 'open', concurrency: 64, ratePerSecond: totalSends / (plan.durationMs / 1000), retryForMs: 300_000, onProgress: (n) => (sent = n) });

    const expectedIds = new Set(plans.flatMap((p, i) => distinctMessages(p).flatMap((m) => Object.values(deliveryIdsFor(userIds[i] as string, m)))));
    const watch = new DeliveryWatch(emulator, expectedIds, true);
    emulator.setFaults(faultMix(plan.faultRate, options.seed));
    const monkey = new ChaosMonkey(rngFor(options.seed + 1), {
      killMinMs: plan.killMinMs,
      killMaxMs: plan.killMaxMs,
      serverRestartsAtMs: Array.from({ length: plan.serverRestarts }, (_, i) => Math.round((plan.durationMs * (i + 1)) / (plan.serverRestarts + 1))),
    }, supervisor, temporal, cleanup, driver as Driver<unknown>);
    say(`chaos: ${plan.users} users, ${expectedIds.size / 2} messages (${totalSends} client calls with signups and repeats) over ${plan.durationMs / 1000} s; faults on ${Math.round(plan.faultRate * 100)}% of vendor requests`);
    monkey.start();
    const progress = new Progress('chaos', expectedIds.size, 'deliveries');
    let driveDone = false;
    const driving = driver.run().finally(() => (driveDone = true));
    const ticker = setInterval(() => progress.update(watch.poll(), `sent ${sent}/${totalSends}${driveDone ? ' (all)' : ''} · kills ${supervisor.kills.length} · server restarts ${monkey.serverRestarts.length}`), 500);
    const drive = await driving;
    await monkey.stop();
    const faultsAt = emulator.getFaults();
    emulator.setFaults({});
    say('chaos: all messages sent; monkey and faults stopped, waiting for the relay to finish ...');
    const complete = await watch.waitAll({ label: 'chaos', stallMs: plan.stallMs, giveUp: 'return', onPoll: (n) => progress.update(n, 'draining') });
    // Late resends (a batch retried after its answer was lost) come up to one attempt timeout later.
    await new Promise((r) => setTimeout(r, CHAOS_ATTEMPT_TIMEOUT_MS + 3_000));
    watch.poll();
    clearInterval(ticker);
    progress.done();

    const statuses = await mapLimit(userIds, 16, (id) => relay.status(id).catch(() => undefined));
    const facts: ChaosFacts = {
      command: `npm run chaos -- ${argv.join(' ')}`.trim(),
      plan,
      policy: { ...policy, http: CHAOS_HTTP, faults: faultsAt.adjust?.spec ?? null },
      durationMs: Date.now() - startedAt,
      drive,
      complete,
      kills: supervisor.kills,
      crashes: supervisor.crashes,
      serverRestarts: monkey.serverRestarts,
      faults: emulator.stats().faults,
      duplicatesSent: log.duplicatesSent,
      relay: {
        deadLetters: statuses.reduce((n, s) => n + (s?.deadLetters.length ?? 0), 0),
        pending: statuses.reduce((n, s) => n + (s?.pending ?? 0), 0),
        rejectedMessages: statuses.reduce((n, s) => n + (s?.counters.rejectedMessages ?? 0), 0),
        duplicateMessages: statuses.reduce((n, s) => n + (s?.counters.duplicateMessages ?? 0), 0),
        unreachable: statuses.filter((s) => s === undefined).length,
      },
      check: checkInvariants({ expected: expectedDeliveries(plans, userIds, installs, log, plan), records: watch.records, windows: ambiguityWindows(supervisor, monkey, plan) }),
    };
    const json = chaosJson(facts);
    fs.writeFileSync(path.join(runDir, 'chaos.json'), `${JSON.stringify(json, null, 2)}\n`);
    if (options.json) fs.writeFileSync(options.json, `${JSON.stringify(json, null, 2)}\n`);
    process.stdout.write(`${chaosText(json)}\n`);
    await supervisor.stop();
    return json.passed ? 0 : 1;
  } finally {
    await cleanup.stopAll();
  }
}

function expectedDeliveries(plans: PlannedGroup[][], userIds: string[], installs: Map<number, InstallContextInput>, log: SentLog, plan: ChaosPlan): ExpectedDelivery[] {
  const out: ExpectedDelivery[] = [];
  plans.forEach((p, i) => {
    const userId = userIds[i] as string;
    const install = installs.get(i);
    const gateAtMs = install ? Date.parse(install.installedAt) + plan.postInstallDelayMs : 0;
    for (const m of distinctMessages(p)) {
      const sent = log.messages.get(m.id);
      const ids = deliveryIdsFor(userId, m);
      const purchase = m.kind === 'refund' ? planPurchase(p, m.purchaseId, userId) : undefined;
      for (const vendor of ['adjust', 'appsflyer'] as const) {
        out.push({
          deliveryId: ids[vendor],
          userId,
          vendor,
          kind: m.kind,
          sourceId: m.id,
          occurredAtMs: sent?.occurredAtMs ?? 0,
          gateAtMs,
          ...(purchase ? { purchaseDeliveryId: purchase[vendor], purchaseMustBeAccepted: vendor === 'appsflyer' } : {}),
        });
      }
    }
  });
  return out;
}

function planPurchase(groups: PlannedGroup[], purchaseId: string, userId: string) {
  const purchase = distinctMessages(groups).find((m) => m.id === purchaseId);
  return purchase ? deliveryIdsFor(userId, purchase) : undefined;
}

function ambiguityWindows(supervisor: WorkerSupervisor, monkey: ChaosMonkey, plan: ChaosPlan): AmbiguityWindow[] {
  return [
    ...supervisor.kills.map((k) => ({ fromMs: k.killedAtMs - plan.killWindowMs, toMs: k.killedAtMs + 100, why: k.crashed ? 'worker crash' : 'worker SIGKILL' })),
    ...monkey.serverRestarts.map((r) => ({ fromMs: r.stoppedAtMs - plan.killWindowMs, toMs: (r.readyAtMs ?? r.stoppedAtMs) + plan.killWindowMs, why: 'server restart' })),
  ];
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`chaos: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
