// What one replay (a cache miss) costs in worker CPU, measured directly: the SDK's replayer
// (Worker.runReplayHistories) rebuilds recorded histories in this process, as a worker rebuilds an evicted
// workflow, and the process CPU between two results is one replay. Two sides (the relay and the floor) are
// measured in alternating rounds, so a busy moment of the machine lands on both; each side's figure is the
// median over all its measured replays. The first replays of each round warm the JIT and are left out. The
// bench runs it in a process of its own (`replayCostApart`), away from the harness's own work and heap.
import fs from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { readPayloadEncryption } from '../codec/payload-encryption';
import { spawnTsx } from './processes';
import { replayAnatomy, type ReplayAnatomy } from './replay-anatomy';
import { median, round } from './stats';

type History = temporal.api.history.v1.IHistory;

export interface ReplaySide {
  /** The workflow bundle the side's worker runs. */
  bundlePath: string;
  /** Histories to replay (a sample of the side's users), each as fetched. */
  histories: History[];
}

export interface ReplayCost {
  /** Median CPU ms of one replay. */
  ms: number;
  replays: number;
  /** Median length of the replayed histories (events) and their workflow tasks. */
  history_events: number;
  workflow_tasks: number;
  /** What replaying the side's first history is made of, counted (bench/replay-anatomy.ts). */
  anatomy?: ReplayAnatomy;
}

type Sides = { relay: ReplaySide; floor: ReplaySide };

const WARM_UP = 3;

/** Installs a quiet Core runtime unless one is already installed in this process. */
export function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // a runtime is already installed in this process
  }
}

/** CPU ms of each replay of `histories` (one replayer, all in a row), the first WARM_UP left out. */
export async function replayCpuMs(bundlePath: string, histories: History[], label: string, dataConverter?: DataConverter): Promise<number[]> {
  const warmUp = histories.length > 0 ? Array.from({ length: WARM_UP }, (_, i) => histories[i % histories.length] as History) : [];
  const runs = [...warmUp, ...histories].map((history, i) => ({ workflowId: `${label}-replay-${i}`, history }));
  const perReplay: number[] = [];
  let last = process.cpuUsage();
  let seen = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: bundlePath }, ...(dataConverter ? { dataConverter } : {}) }, runs)) {
    if (result.error) throw new Error(`replay of a ${label} history (${result.workflowId}) failed: ${result.error.message}`);
    const used = process.cpuUsage(last);
    last = process.cpuUsage();
    if ((seen += 1) > WARM_UP) perReplay.push((used.user + used.system) / 1000);
  }
  return perReplay;
}

function shape(histories: History[]): Pick<ReplayCost, 'history_events' | 'workflow_tasks'> {
  const events = histories.map((h) => h.events?.length ?? 0);
  const tasks = histories.map((h) => (h.events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes).length);
  return { history_events: median(events), workflow_tasks: median(tasks) };
}

/** Both sides' replay cost, measured in `rounds` alternating rounds (relay, floor, relay, ...). */
export async function pairedReplayCost(sides: Sides, rounds = 3, dataConverter?: DataConverter): Promise<{ relay: ReplayCost; floor: ReplayCost }> {
  quietRuntime();
  const cpu = { relay: [] as number[], floor: [] as number[] };
  for (let r = 0; r < rounds; r++)
    for (const side of ['relay', 'floor'] as const)
      cpu[side].push(...(await replayCpuMs(sides[side].bundlePath, sides[side].histories, `${side}-${r}`, dataConverter)));
  // Counted after the timed rounds: the counting slows the replay down.
  const anatomy: Partial<Record<'relay' | 'floor', ReplayAnatomy>> = {};
  for (const side of ['relay', 'floor'] as const) {
    const first = sides[side].histories[0];
    if (first) anatomy[side] = await replayAnatomy(sides[side].bundlePath, first, dataConverter);
  }
  const cost = (side: 'relay' | 'floor'): ReplayCost => ({
    ms: round(median(cpu[side]), 2),
    replays: cpu[side].length,
    ...shape(sides[side].histories),
    ...(anatomy[side] ? { anatomy: anatomy[side] } : {}),
  });
  return { relay: cost('relay'), floor: cost('floor') };
}

const SCRIPT = 'bench/replay-cost.ts';

/**
 * `pairedReplayCost` in a fresh process: the histories go through files in `runDir`, the answer comes back as JSON.
 * `env`: S2S_PAYLOAD_KEYS when the workers encrypted the payloads (the replay decrypts them as a worker does).
 */
export async function replayCostApart(runDir: string, sides: Sides, env: NodeJS.ProcessEnv = {}): Promise<{ relay: ReplayCost; floor: ReplayCost }> {
  const file = (name: string) => path.join(runDir, name);
  for (const side of ['relay', 'floor'] as const)
    fs.writeFileSync(file(`replay-sample-${side}.json`), JSON.stringify({ bundlePath: sides[side].bundlePath, histories: sides[side].histories }));
  const child = spawnTsx({
    name: 'replay-cost',
    script: SCRIPT,
    args: [file('replay-sample-relay.json'), file('replay-sample-floor.json'), file('replay-cost.json')],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...(env.S2S_PAYLOAD_KEYS ? { S2S_PAYLOAD_KEYS: env.S2S_PAYLOAD_KEYS } : {}) },
    logFile: file('replay-cost.log'),
  });
  const exit = await child.exited;
  if (exit !== 'exited with code 0') throw new Error(`the replay measure ${exit}; see ${file('replay-cost.log')}`);
  return JSON.parse(fs.readFileSync(file('replay-cost.json'), 'utf8')) as { relay: ReplayCost; floor: ReplayCost };
}

/** A sample file written by replayCostApart, read back (histories as protobuf JSON). */
function readSide(file: string): ReplaySide {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { bundlePath: string; histories: object[] };
  return { bundlePath: raw.bundlePath, histories: raw.histories.map((h) => temporal.api.history.v1.History.fromObject(h)) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(SCRIPT)) {
  const [relayFile, floorFile, outFile] = process.argv.slice(2) as [string, string, string];
  const encryption = readPayloadEncryption();
  void pairedReplayCost({ relay: readSide(relayFile), floor: readSide(floorFile) }, 3, encryption.enabled ? encryption.dataConverter : undefined).then(
    (cost) => fs.writeFileSync(outFile, JSON.stringify(cost)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
