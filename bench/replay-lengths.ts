// `npm run bench -- --replay-lengths 0,1,3,12,40` (issue 14): what a cache miss costs as a user's run grows.
// One user per length, signed up and given that many purchases one at a time (each delivered to both vendors
// before the next), on one relay worker with the given policy.idleContinueAsNewEvents; then each user's current
// run is replayed in this process with the SDK's replayer, as a worker rebuilds an evicted workflow, and the
// worker CPU per replay is reported next to the run's size and how many runs the user has had.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RelayClient } from '../client/relay-client';
import type { RelayConfigInput } from '../domain/config';
import type { Signup } from '../domain/contract/install';
import { userWorkflowId } from '../domain/ids';
import type { ReplayLengthsPlan } from './bench-options';
import { machine } from './bench-report';
import { Progress, say } from './progress';
import type { HarnessRunSpec, RelayPhaseContext } from './relay-phase';
import { relaySender, SentLog } from './relay-sender';
import { quietRuntime, replayCpuMs } from './replay-cost';
import { startRelayWorker } from './stack';
import { benchUser, rngFor } from './workload';
import { median, round } from './stats';

export interface ReplayLengthsSpec extends HarnessRunSpec {
  appConfig: RelayConfigInput;
  plan: ReplayLengthsPlan;
  command: string;
}

export interface ReplayLengthRow {
  /** Purchases the user was given (each delivered to both vendors). */
  events: number;
  /** The user's runs so far (more than 1: the workflow continued as new). */
  runs: number;
  /** The current run, the one a cache miss replays. */
  history_events: number;
  workflow_tasks: number;
  worker_cpu_ms_per_replay: number;
}

export async function runReplayLengths(ctx: RelayPhaseContext, spec: ReplayLengthsSpec): Promise<{ json: Record<string, unknown>; text: string }> {
  const { plan } = spec;
  quietRuntime();
  const taskQueue = `bench-${spec.runId}-replay-lengths`;
  await startRelayWorker(ctx.cleanup, {
    runDir: spec.runDir,
    name: 'worker-replay-lengths',
    temporalAddress: ctx.temporal.address,
    taskQueue,
    appConfig: spec.appConfig,
    bundlePath: spec.bundlePath,
    env: spec.workerEnv,
  });
  const relay = new RelayClient(ctx.client, { taskQueue });
  const rng = rngFor(spec.seed);
  const users: Array<{ events: number; signup: Signup }> = plan.lengths.map((events) => ({
    events,
    signup: benchUser(rng, `rl-${spec.runId}-${events}`, Date.now() - 2 * 3_600_000),
  }));
  for (const { signup } of users) {
    ctx.emulator.registerInstall({
      deviceIds: signup.deviceIds as Record<string, string>,
      appsflyerId: signup.appsflyerId,
      installedAt: signup.installedAt,
      processingDelayMs: 0,
    });
    await relay.signup(signup);
  }

  // Round k sends the k-th purchase to every user due one, then waits until each has both vendors' answers.
  const send = relaySender(
    relay,
    users.map((u) => u.signup.userId),
    'signal',
    new SentLog(),
  );
  const rounds = Math.max(0, ...plan.lengths);
  const progress = new Progress('replay-lengths', rounds, 'rounds');
  for (let k = 1; k <= rounds; k++) {
    const due = users.map((u, i) => ({ ...u, i })).filter((u) => u.events >= k);
    for (const u of due) await send(u.i, [{ kind: 'event', id: `${u.signup.userId}.e${k}`, revenue: '4.99', offsetMs: 0 }]);
    const deadline = Date.now() + spec.stallMs;
    for (const u of due) {
      for (;;) {
        const status = await relay.status(u.signup.userId);
        if (status.counters.delivered >= 2 * k && status.pending === 0) break;
        if (Date.now() > deadline)
          throw new Error(`replay-lengths: ${u.signup.userId} has ${status.counters.delivered} of ${2 * k} deliveries after ${spec.stallMs / 1000} s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    progress.update(k);
  }
  progress.done();

  // The task that recorded a user's last answer has completed (the status showed it), so a continue-as-new has
  // happened; wait for the current run's own task to finish, then read that run.
  const rows: ReplayLengthRow[] = [];
  for (const { events, signup } of users) {
    const workflowId = userWorkflowId(signup.userId);
    const deadline = Date.now() + spec.stallMs;
    while ((await ctx.client.workflow.getHandle(workflowId).describe()).raw.pendingWorkflowTask) {
      if (Date.now() > deadline) throw new Error(`replay-lengths: ${workflowId} still has a workflow task after ${spec.stallMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    let runs = 0;
    for await (const _ of ctx.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs += 1;
    const history = await ctx.client.workflow.getHandle(workflowId).fetchHistory();
    // Kept in the run directory, e.g. to profile one replay (`History.fromObject` reads it back).
    await writeFile(path.join(spec.runDir, `replay-history-${events}.json`), JSON.stringify(history));
    // One replay worker for all of them; the worker's start-up and the first replays (JIT warm-up) are left out.
    const perReplay = await replayCpuMs(
      spec.bundlePath,
      Array.from({ length: plan.repeats }, () => history),
      workflowId,
    );
    rows.push({
      events,
      runs,
      history_events: history.events?.length ?? 0,
      workflow_tasks: (history.events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes).length,
      worker_cpu_ms_per_replay: round(median(perReplay)),
    });
    say(`replay-lengths: ${events} events: ${rows.at(-1)?.worker_cpu_ms_per_replay} ms per replay`);
  }

  const json = {
    date: new Date().toISOString(),
    command: spec.command,
    machine: machine(),
    policy: { idle_continue_as_new_events: plan.idleContinueAsNewEvents, settle_window_ms: plan.settleWindowMs, payload_encryption: false },
    replay_measure:
      "this process's CPU between two results of the SDK's replayer (Worker.runReplayHistories) rebuilding the user's current run: the median over --replay-repeats replays, after 3 unmeasured (bench/replay-cost.ts)",
    replay_lengths: rows,
  };
  const text = [
    `replay cost by run length (policy.idleContinueAsNewEvents ${plan.idleContinueAsNewEvents}):`,
    '  events  runs  history events  workflow tasks  worker CPU per replay',
    ...rows.map(
      (r) =>
        `  ${String(r.events).padStart(6)}  ${String(r.runs).padStart(4)}  ${String(r.history_events).padStart(14)}  ${String(r.workflow_tasks).padStart(14)}  ${String(r.worker_cpu_ms_per_replay).padStart(17)} ms`,
    ),
  ].join('\n');
  return { json, text };
}
