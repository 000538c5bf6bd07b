// What the chaos verdict reads from the workflow histories once the run is over (every run on the task queue,
// payloads decoded with the client's codec): when each message first entered its user's workflow
// (bench/message-entries.ts), every workflow task that failed on nondeterminism (bench/replay-failures.ts), and
// then every run replayed on the run's workflow bundle: a history that a cached worker wrote but no worker had
// to replay yet fails there, not only one that already stopped its user.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { fetchDecodedHistory } from '../client/user-runs';
import { listRuns, mapLimit } from './histories';
import { addEntries } from './message-entries';
import { hasCompletedTask, replayFailures, type ReplayFailure } from './replay-failures';

type History = temporal.api.history.v1.IHistory;

export interface ChaosHistories {
  enteredAtMs: Map<string, number>;
  replayFailures: ReplayFailure[];
  /** The whole history of every run that recorded a replay failure (the evidence: the server is gone after the run). */
  failedRuns: Array<{ workflowId: string; runId: string; history: History }>;
}

/** `bundlePath`: the workers' workflow bundle, to replay every run on after the live failures are read. */
export async function readChaosHistories(client: Client, taskQueue: string, minRuns: number, bundlePath: string): Promise<ChaosHistories> {
  const runs = await listRuns(client, taskQueue, minRuns);
  const histories = await mapLimit(runs, 16, async (run) => ({
    workflowId: run.workflowId,
    runId: run.runId,
    history: await fetchDecodedHistory({ client }, run),
  }));
  const result: ChaosHistories = { enteredAtMs: new Map(), replayFailures: [], failedRuns: [] };
  for (const { workflowId, runId, history } of histories) {
    const events = history.events ?? [];
    addEntries(events, result.enteredAtMs);
    const failures = replayFailures(workflowId, events);
    result.replayFailures.push(...failures);
    if (failures.length > 0) result.failedRuns.push({ workflowId, runId, history });
  }
  const replayable = histories.filter((h) => !result.failedRuns.some((f) => f.runId === h.runId) && hasCompletedTask(h.history));
  for await (const replay of Worker.runReplayHistories({ workflowBundle: { codePath: bundlePath } }, replayable)) {
    if (!replay.error) continue;
    const run = replayable.find(
      (h) =>
        h.workflowId === replay.workflowId &&
        (h.runId === replay.runId || h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId === replay.runId),
    );
    result.replayFailures.push({ workflowId: replay.workflowId, message: `on replay after the run: ${replay.error.message}`.slice(0, 300) });
    if (run) result.failedRuns.push(run);
  }
  return result;
}
