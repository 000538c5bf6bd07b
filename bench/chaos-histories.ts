// What the chaos verdict reads from the workflow histories once the run is over (every run on the task queue,
// payloads decoded with the client's codec): when each message first entered its user's workflow
// (bench/message-entries.ts) and every workflow task that failed on nondeterminism (bench/replay-failures.ts).
import type { Client } from '@temporalio/client';
import { fetchDecodedHistory } from '../client/user-runs';
import { listRuns, mapLimit } from './histories';
import { addEntries } from './message-entries';
import { replayFailures, type ReplayFailure } from './replay-failures';

export interface ChaosHistories {
  enteredAtMs: Map<string, number>;
  replayFailures: ReplayFailure[];
}

export async function readChaosHistories(client: Client, taskQueue: string, minRuns: number): Promise<ChaosHistories> {
  const runs = await listRuns(client, taskQueue, minRuns);
  const histories = await mapLimit(runs, 16, async (run) => ({
    workflowId: run.workflowId,
    events: (await fetchDecodedHistory({ client }, run)).events ?? [],
  }));
  const result: ChaosHistories = { enteredAtMs: new Map(), replayFailures: [] };
  for (const { workflowId, events } of histories) {
    addEntries(events, result.enteredAtMs);
    result.replayFailures.push(...replayFailures(workflowId, events));
  }
  return result;
}
