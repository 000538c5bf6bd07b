// `npm run bench`: throughput, latency, Temporal actions per event and resource use of s2s-relay on this
// machine, next to the Temporal floor and the raw undici ceiling, all against one embedded stack that the
// harness starts (or reuses with --temporal) and stops again, also on Ctrl-C and on failure. With --codec,
// also what payload encryption costs per event (codec-cost.ts). Instead of the comparison: --scale (open users
// at scale, scale.ts), --replay-lengths (replay cost by run length, replay-lengths.ts), --ramp (rate-limit demo).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { readPayloadEncryption } from '../codec/payload-encryption';
import { BENCH_HELP, BenchOptions, benchPlan, regimesPlan, replayLengthsPlan, scalePlan, type BenchPlan } from './bench-options';
import { benchJson, benchText, machine } from './bench-report';
import { parseOptions } from './cli-args';
import { codecComparison, measureCodecAlone, type CodecComparison, type MeasuredPhase } from './codec-cost';
import type { DriveOptions } from './driver';
import { runFloorPhase } from './floor-phase';
import { phaseHistories } from './histories';
import { Cleanup } from './processes';
import { say } from './progress';
import { runRamp } from './ramp-demo';
import { runRawPhase } from './raw-phase';
import { regimesJson, regimesText } from './regime-report';
import { runRegimes } from './regimes';
import { runReplayLengths } from './replay-lengths';
import { runScale } from './scale';
import { runRelayPhase, type RelayPhaseContext } from './relay-phase';
import { benchAppConfig, makeRunDir, startBenchEmulator, startTemporal, writeRelayBundle } from './stack';
import { BENCH_MIX } from './workload';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseOptions(BenchOptions, argv);
  if (options.help) {
    process.stdout.write(BENCH_HELP);
    return;
  }
  const plan = benchPlan(options);
  const regimes = regimesPlan(options);
  const scale = scalePlan(options);
  const replayLengths = replayLengthsPlan(options);
  const cleanup = new Cleanup();
  cleanup.installSignalHandlers();
  const runDir = scale?.resumeDir ? path.resolve(scale.resumeDir) : makeRunDir(scale ? 'scale' : 'bench');
  const runId = Date.now().toString(36);
  say(`bench: run directory ${path.relative(process.cwd(), runDir)}`);
  try {
    const temporal = await startTemporal(cleanup, runDir, options.temporal, options.db === 'file' || scale !== undefined, options.server);
    say(
      `bench: Temporal at ${temporal.address}${temporal.server ? ` (${options.server === 'postgres' ? 'server on PostgreSQL' : 'dev server'} started by the harness)` : ' (existing server)'}`,
    );
    const emulator = await startBenchEmulator(cleanup, 4_000_000);
    const bundlePath = await writeRelayBundle(runDir);
    const connection = await Connection.connect({ address: temporal.address });
    cleanup.add('client', () => connection.close());
    const client = new Client({ connection });
    const ctx: RelayPhaseContext = { cleanup, temporal, client, emulator };
    const workerEnv = options.workerEnv ?? {};
    const workerNodeArgs = options.workerNodeArgs ? { workerNodeArgs: options.workerNodeArgs.split(/\s+/).filter(Boolean) } : {};

    if (scale) {
      const result = await runScale(
        { cleanup, temporal, client, emulator },
        { runDir, runId, bundlePath, workerEnv, seed: options.seed, plan: scale, stallMs: plan.stallMs, command: `npm run bench -- ${argv.join(' ')}`.trim() },
      );
      if (options.json) fs.writeFileSync(options.json, `${JSON.stringify(result.json, null, 2)}\n`);
      process.stdout.write(`${result.text}\n`);
      return;
    }

    if (replayLengths) {
      const appConfig = benchAppConfig(emulator.url, {
        settleWindow: replayLengths.settleWindowMs,
        idleContinueAsNewEvents: replayLengths.idleContinueAsNewEvents,
      });
      const result = await runReplayLengths(ctx, {
        runDir,
        runId,
        bundlePath,
        appConfig,
        workerEnv,
        seed: options.seed,
        plan: replayLengths,
        stallMs: plan.stallMs,
        command: `npm run bench -- ${argv.join(' ')}`.trim(),
      });
      fs.writeFileSync(path.join(runDir, 'bench.json'), `${JSON.stringify(result.json, null, 2)}\n`);
      if (options.json) fs.writeFileSync(options.json, `${JSON.stringify(result.json, null, 2)}\n`);
      process.stdout.write(`${result.text}\n`);
      return;
    }

    const runRegimesNow = async () => {
      if (!regimes) return undefined;
      const regimeConfig = benchAppConfig(emulator.url, {
        settleWindow: regimes.settleWindowMs,
        settleLoneEvents: regimes.settleLoneEvents,
        firstSendAttempt: regimes.firstSendAttempt,
        maxBatchSize: plan.maxBatchSize,
      });
      return regimesJson(
        await runRegimes(
          { cleanup, temporal, client, emulator },
          { runDir, runId, bundlePath, appConfig: regimeConfig, workerEnv, seed: options.seed, plan: regimes, stallMs: plan.stallMs, ...workerNodeArgs },
        ),
      );
    };
    const store = options.temporal
      ? 'existing server'
      : options.server === 'postgres'
        ? 'Temporal server on PostgreSQL'
        : options.db === 'file'
          ? 'dev server, SQLite file'
          : 'dev server, in memory';
    if (options.regimesOnly) {
      const only = await runRegimesNow();
      const json = {
        date: new Date().toISOString(),
        command: `npm run bench -- ${argv.join(' ')}`.trim(),
        machine: machine(),
        policy: policyReport(plan, options.api, workerEnv, store),
        ...only,
      };
      fs.writeFileSync(path.join(runDir, 'bench.json'), `${JSON.stringify(json, null, 2)}\n`);
      if (options.json) fs.writeFileSync(options.json, `${JSON.stringify(json, null, 2)}\n`);
      if (only) process.stdout.write(`${regimesText(only).join('\n')}\n`);
      return;
    }

    if (options.ramp) {
      const result = await runRamp(ctx, {
        runDir,
        runId,
        bundlePath,
        workerEnv,
        ...(options.rampSpec ? { spec: options.rampSpec } : {}),
        ...(options.rampStep ? { stepMs: options.rampStep } : {}),
        quick: plan.quick,
        settleWindowMs: plan.settleWindowMs,
      });
      if (options.json) fs.writeFileSync(options.json, `${JSON.stringify(result.json, null, 2)}\n`);
      process.stdout.write(`${result.text}\n`);
      return;
    }

    const policy = {
      settleWindow: plan.settleWindowMs,
      settleLoneEvents: plan.settleLoneEvents,
      firstSendAttempt: plan.firstSendAttempt,
      maxBatchSize: plan.maxBatchSize,
    };
    const appConfig = benchAppConfig(emulator.url, policy);
    const mix = { ...BENCH_MIX, refundRate: plan.refundRate };
    const drive: DriveOptions =
      plan.mode === 'closed'
        ? { mode: 'closed', concurrency: plan.concurrency }
        : { mode: 'open', concurrency: plan.concurrency, ratePerSecond: plan.ratePerSecond as number };
    const common = { runDir, runId, users: plan.users, eventsPerUser: plan.eventsPerUser, mix, seed: options.seed, stallMs: plan.stallMs };

    const floorRun = plan.floor ? await runFloorPhase({ cleanup, temporal, client }, { ...common, drive, workerEnv }) : undefined;
    const max = await runRelayPhase(ctx, { ...common, name: 'relay-max', drive, api: options.api, appConfig, bundlePath, workerEnv, ...workerNodeArgs });
    let codec: CodecComparison | undefined;
    let maxHistoriesEarly: Awaited<ReturnType<typeof phaseHistories>> | undefined;
    if (options.codec) {
      // The same workload with payload encryption (a key of this run's own), A-B-B-A with the plain max run.
      const keys = `bench:${randomBytes(32).toString('base64')}`;
      const encryption = readPayloadEncryption({ S2S_PAYLOAD_KEYS: keys });
      const encryptedCtx: RelayPhaseContext = { ...ctx, client: new Client({ connection, dataConverter: encryption.dataConverter }) };
      const measure = async (name: string, encrypted: boolean): Promise<MeasuredPhase> => {
        const result = await runRelayPhase(encrypted ? encryptedCtx : ctx, {
          ...common,
          name,
          drive,
          api: options.api,
          appConfig,
          bundlePath,
          workerEnv: encrypted ? { ...workerEnv, S2S_PAYLOAD_KEYS: keys } : workerEnv,
          ...workerNodeArgs,
        });
        return { result, histories: await phaseHistories(client, result.taskQueue, result.users) };
      };
      const encrypted = [await measure('relay-codec', true), await measure('relay-codec-2', true)];
      const plain2 = await measure('relay-plain-2', false);
      maxHistoriesEarly = await phaseHistories(client, max.taskQueue, max.users);
      codec = codecComparison([{ result: max, histories: maxHistoriesEarly }, plain2], encrypted, await measureCodecAlone());
    }
    const raw = plan.raw ? await runRawPhase(emulator, { ...common, drive, appConfig }) : undefined;
    // Latency at half the closed-loop maximum, as an open loop (even arrivals, each user's messages seconds
    // apart), offering about a minute of traffic (half a minute with --quick) whatever the user count.
    const halfRate = Math.max(1, Math.round(max.eventsPerSecond / 2));
    const halfPerUser = Math.max(1, Math.min(plan.eventsPerUser, Math.ceil((halfRate * (plan.quick ? 30 : 60)) / plan.users)));
    const half = plan.halfLoad
      ? await runRelayPhase(ctx, {
          ...common,
          eventsPerUser: halfPerUser,
          name: 'relay-half',
          drive: { mode: 'open', concurrency: plan.concurrency, ratePerSecond: halfRate },
          api: options.api,
          appConfig,
          bundlePath,
          workerEnv,
          ...workerNodeArgs,
        })
      : undefined;

    const regimeResults = await runRegimesNow();
    say('bench: counting actions from the histories ...');
    const maxHistories = maxHistoriesEarly ?? (await phaseHistories(client, max.taskQueue, max.users));
    const halfHistories = half ? await phaseHistories(client, half.taskQueue, half.users) : undefined;
    const json = benchJson({
      command: `npm run bench -- ${argv.join(' ')}`.trim(),
      policy: policyReport(plan, options.api, workerEnv, store),
      max,
      maxHistories,
      ...(half && halfHistories ? { half, halfHistories } : {}),
      ...(floorRun ? { floor: floorRun.result, floorHistories: floorRun.histories } : {}),
      ...(raw ? { raw } : {}),
      ...(codec ? { codec } : {}),
      ...(regimeResults ? { regimes: regimeResults } : {}),
    });
    fs.writeFileSync(path.join(runDir, 'bench.json'), `${JSON.stringify(json, null, 2)}\n`);
    if (options.json) fs.writeFileSync(options.json, `${JSON.stringify(json, null, 2)}\n`);
    process.stdout.write(`${benchText(json)}\n`);
  } finally {
    await cleanup.stopAll();
  }
}

function policyReport(plan: BenchPlan, api: string, workerEnv: Record<string, string>, db: string): Record<string, unknown> {
  return {
    settle_window_ms: plan.settleWindowMs,
    settle_lone_events: plan.settleLoneEvents,
    first_send_attempt: plan.firstSendAttempt,
    settle_window_note:
      plan.settleWindowMs === 2_000 ? 'production default (adds up to 2 s to every latency by design)' : 'smaller than the production default of 2 s',
    max_batch_size: plan.maxBatchSize,
    post_install_delay: 'past for every user (installs 2 h old)',
    client_api: api === 'signal' ? 'trackSignal / refundSignal (signal-with-start / signal)' : 'track / refund (updates)',
    load: plan.mode === 'closed' ? `closed loop, ${plan.concurrency} concurrent senders` : `open loop, ${plan.ratePerSecond} messages/s`,
    refund_share: plan.refundRate,
    worker_env: workerEnv,
    temporal_store: db,
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
