// `npm run chaos`: a bounded run of real users, purchases, renewals and trials in several currencies,
// partial and full refunds, repeats, out-of-order arrivals and bad messages, while the worker is SIGKILLed
// at random, the Temporal server (dev or PostgreSQL-backed) is restarted on its database (the driver keeps sending) and the
// emulator injects faults; then the verdict checks the emulator's record against what the harness sent.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { RelayClient } from '../client/relay-client';
import { readPayloadEncryption } from '../codec/payload-encryption';
import { fnv1a64 } from '../domain/ids';
import type { Signup } from '../domain/contract/install';
import type { UserStatus } from '../domain/status';
import { readAttemptLog } from './attempt-log';
import { checkRefusals, intendedDeliveries } from './chaos-expected';
import { CHAOS_ATTEMPT_TIMEOUT_MS, CHAOS_HELP, CHAOS_HTTP, CHAOS_SLOW_MS, ChaosOptions, chaosPlan, faultMix } from './chaos-options';
import { ChaosMonkey } from './chaos-monkey';
import { chaosJson, chaosText, type ChaosFacts } from './chaos-report';
import { planChaosMessages, sendBad, type SentBad } from './chaos-workload';
import { parseOptions } from './cli-args';
import { DeliveryWatch } from './delivery-watch';
import { Driver } from './driver';
import { mapLimit } from './histories';
import { writeHistoryFile } from './history-file';
import { historyOutline } from './history-outline';
import { readChaosHistories } from './chaos-histories';
import { checkInvariants } from './invariants';
import { Cleanup } from './processes';
import { Progress, say } from './progress';
import { relaySender, SentLog, type SendApi } from './relay-sender';
import { benchAppConfig, makeRunDir, sharedLedgerDatabase, startBenchEmulator, startTemporal, writeRelayBundle } from './stack';
import { WorkerSupervisor } from './worker-supervisor';
import { benchUser, deliveryIdsFor, distinctMessages, rngFor, type PlannedGroup } from './workload';

type ChaosGroup = { signup: number } | PlannedGroup;

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
  let ticker: NodeJS.Timeout | undefined;
  try {
    const temporal = await startTemporal(cleanup, runDir, undefined, true, plan.server);
    say(
      `chaos: ${plan.server === 'postgres' ? 'Temporal server on PostgreSQL' : 'Temporal dev server'} at ${temporal.address}, ${plan.replicas} worker replica(s)`,
    );
    const emulator = await startBenchEmulator(cleanup, 4_000_000);
    const bundlePath = await writeRelayBundle(runDir);
    const policy = {
      postInstallDelay: plan.postInstallDelayMs,
      settleWindow: plan.settleWindowMs,
      firstSendAttempt: plan.firstSendAttempt,
      idleContinueAsNewEvents: plan.idleContinueAsNewEvents,
      retry: { initialInterval: '500ms', maximumInterval: '5s', attemptTimeout: CHAOS_ATTEMPT_TIMEOUT_MS },
    };
    const appConfig = benchAppConfig(emulator.url, policy, CHAOS_HTTP);
    const taskQueue = `chaos-${runId}`;
    // --codec: the workers and the client encrypt payloads with a key of this run's own.
    const payloadKeys = options.codec ? `chaos:${randomBytes(32).toString('base64')}` : undefined;
    const attemptLog = path.join(runDir, 'attempts.jsonl');
    // One worker: the embedded ledger in the run directory. Several replicas share one ledger, as in production:
    // a PostgreSQL database of the run's own (the embedded ledger serves one process only).
    const ledger = options.ledger ?? (plan.replicas > 1 ? await sharedLedgerDatabase(cleanup) : undefined);
    const workerEnv = {
      S2S_SHUTDOWN_GRACE: '10s',
      S2S_CHAOS_ATTEMPT_LOG: attemptLog,
      ...(plan.workerCache !== undefined ? { S2S_MAX_CACHED_WORKFLOWS: String(plan.workerCache) } : {}),
      ...(ledger ? { S2S_LEDGER_URL: ledger } : {}),
      ...(payloadKeys ? { S2S_PAYLOAD_KEYS: payloadKeys } : {}),
    };
    const supervisor = new WorkerSupervisor(
      cleanup,
      { runDir, temporalAddress: temporal.address, taskQueue, appConfig, bundlePath, script: 'bench/chaos-worker.ts', env: workerEnv },
      plan.replicas,
    );
    await supervisor.start();
    const connection = await Connection.connect({ address: temporal.address });
    cleanup.add('client', () => connection.close());
    const client = new Client({ connection, dataConverter: readPayloadEncryption(payloadKeys ? { S2S_PAYLOAD_KEYS: payloadKeys } : {}).dataConverter });
    const relay = new RelayClient(client, { taskQueue });

    // Workload: per user a signup, then messages (the signup stamps installedAt: the gate is 4 s ahead).
    const rng = rngFor(options.seed);
    const userIds = Array.from({ length: plan.users }, (_, i) => `${runId}-u${i}`);
    const plans = userIds.map((id) => planChaosMessages(rng, id, plan.eventsPerUser));
    const groups: ChaosGroup[][] = plans.map((p, i) => [{ signup: i }, ...p]);
    const installs = new Map<string, Signup>();
    const log = new SentLog();
    const sentBad = new Map<string, SentBad>();
    // One message in ten goes as an update (answered once the workflow recorded it), the rest as signals.
    const apiFor = (id: string): SendApi => (parseInt(fnv1a64(id).slice(0, 4), 16) % 10 === 0 ? 'update' : 'signal');
    const sendValid = relaySender(relay, userIds, apiFor, log);
    const refunded = (purchaseId: string) =>
      [...log.accepted].reduce((sum, id) => {
        const p = log.messages.get(id)?.payload;
        return p?.kind === 'refund' && p.refund.purchaseEventId === purchaseId ? (Number(sum) + Number(p.refund.amount)).toFixed(2) : sum;
      }, '0');
    const sendMessages = async (user: number, group: PlannedGroup) => {
      for (const m of group) {
        if (m.kind === 'bad') await sendBad(relay, log, userIds[user] as string, m, sentBad, refunded);
        else await sendValid(user, [m]);
      }
    };
    const size = (g: ChaosGroup) => ('signup' in g ? 1 : g.length);
    const totalSends = groups.reduce((n, g) => n + g.reduce((m, x) => m + size(x), 0), 0);
    let sent = 0;
    const driver = new Driver<ChaosGroup>(
      groups,
      size,
      async (user, group) => {
        if ('signup' in group) {
          let install = installs.get(userIds[user] as string);
          if (!install) {
            install = benchUser(rng, userIds[user] as string, Date.now() - 2_000);
            installs.set(install.userId, install);
            emulator.registerInstall({
              deviceIds: install.deviceIds as Record<string, string>,
              appsflyerId: install.appsflyerId,
              installedAt: install.installedAt,
              processingDelayMs: 0,
            });
          }
          await relay.signup(install);
        } else await sendMessages(user, group);
      },
      { mode: 'open', concurrency: 64, ratePerSecond: totalSends / (plan.durationMs / 1000), retryForMs: 300_000, onProgress: (n) => (sent = n) },
    );

    const expectedIds = new Set(plans.flatMap((p, i) => distinctMessages(p).flatMap((m) => Object.values(deliveryIdsFor(userIds[i] as string, m)))));
    const watch = new DeliveryWatch(emulator, expectedIds, true);
    emulator.setFaults(faultMix(plan.faultRate, options.seed));
    const monkey = new ChaosMonkey(
      rngFor(options.seed + 1),
      {
        killMinMs: plan.killMinMs,
        killMaxMs: plan.killMaxMs,
        serverRestartsAtMs: Array.from({ length: plan.serverRestarts }, (_, i) => Math.round((plan.durationMs * (i + 1)) / (plan.serverRestarts + 1))),
      },
      supervisor,
      temporal,
      cleanup,
    );
    const badPlanned = plans.reduce((n, p) => n + p.flat().filter((m) => m.kind === 'bad').length, 0);
    say(
      `chaos: ${plan.users} users, ${expectedIds.size / 2} messages and ${badPlanned} bad ones (${totalSends} client calls with signups and repeats) over ${plan.durationMs / 1000} s; faults on ${Math.round(plan.faultRate * 100)}% of vendor requests; ledger ${ledger ? ledger.replace(/^(postgres(?:ql)?:\/\/)[^@/]*@/, '$1') : 'embedded (run directory)'}`,
    );
    monkey.start();
    const progress = new Progress('chaos', expectedIds.size, 'deliveries');
    let driveDone = false;
    const driving = driver.run().finally(() => (driveDone = true));
    ticker = setInterval(
      () =>
        progress.update(
          watch.poll(),
          `sent ${sent}/${totalSends}${driveDone ? ' (all)' : ''} · kills ${supervisor.kills.length} · server restarts ${monkey.serverRestarts.length}`,
        ),
      500,
    );
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

    const statusList = await mapLimit(userIds, 16, (id) => relay.status(id).catch(() => undefined));
    const statuses = new Map<string, UserStatus | undefined>(userIds.map((id, i) => [id, statusList[i]]));
    const intended = intendedDeliveries(log, installs, appConfig.apps, plan.postInstallDelayMs);
    const histories = await readChaosHistories(client, taskQueue, userIds.length, bundlePath);
    const evidence = {
      attempts: readAttemptLog(attemptLog),
      kills: monkey.killLog,
      serverDowntimes: monkey.serverRestarts.map((r) => ({ fromMs: r.stoppedAtMs, toMs: r.readyAtMs ?? Date.now() })),
      slowAnswerMs: CHAOS_SLOW_MS,
      enteredAtMs: histories.enteredAtMs,
      settleWindowMs: plan.settleWindowMs,
    };
    const facts: ChaosFacts = {
      command: `npm run chaos -- ${argv.join(' ')}`.trim(),
      plan,
      policy: { ...policy, http: CHAOS_HTTP, faults: faultsAt.adjust?.spec ?? null, payload_encryption: payloadKeys !== undefined },
      ledger: ledger ? (ledger.startsWith('postgres') ? 'postgres (shared by the replicas)' : ledger) : 'embedded',
      durationMs: Date.now() - startedAt,
      drive,
      complete,
      kills: supervisor.kills,
      crashes: supervisor.crashes,
      serverRestarts: monkey.serverRestarts,
      faults: emulator.stats().faults,
      duplicatesSent: log.duplicatesSent,
      messagesAccepted: log.accepted.size,
      refusals: checkRefusals(sentBad, statuses),
      relay: {
        deadLetters: statusList.reduce((n, s) => n + (s?.deadLetters.length ?? 0), 0),
        pending: statusList.reduce((n, s) => n + (s?.pending ?? 0), 0),
        rejectedMessages: statusList.reduce((n, s) => n + (s?.counters.rejectedMessages ?? 0), 0),
        duplicateMessages: statusList.reduce((n, s) => n + (s?.counters.duplicateMessages ?? 0), 0),
        unreachable: statusList.filter((s) => s === undefined).length,
      },
      check: checkInvariants({ intended, records: watch.records, evidence }),
      replayFailures: histories.replayFailures,
    };
    // The raw material of the verdict, for a look afterwards: the emulator's record, the attempt log is beside it.
    fs.writeFileSync(path.join(runDir, 'records.jsonl'), watch.records.map((r) => JSON.stringify(r)).join('\n'));
    const json = chaosJson(facts);
    fs.writeFileSync(path.join(runDir, 'chaos.json'), `${JSON.stringify(json, null, 2)}\n`);
    if (options.json) fs.writeFileSync(options.json, `${JSON.stringify(json, null, 2)}\n`);
    process.stdout.write(`${chaosText(json)}\n`);
    // A run that stopped replaying: its history beside the report (replay it with `npm run replay -- FILE`), and
    // its outline in the log, since a CI log is all that is left of a clean-clone run.
    for (const run of histories.failedRuns) {
      const file = path.join(runDir, `replay-failure-${run.workflowId}-${run.runId}.json`);
      writeHistoryFile(file, run.history);
      process.stdout.write(`\nhistory of ${run.workflowId} (run ${run.runId}), which did not replay; saved as ${path.relative(process.cwd(), file)}:\n`);
      process.stdout.write(`${historyOutline(run.history.events ?? [])}\n`);
    }
    await supervisor.stop();
    return json.passed ? 0 : 1;
  } finally {
    clearInterval(ticker); // also when the run ends in an error: a live interval would keep the harness up
    await cleanup.stopAll();
  }
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
