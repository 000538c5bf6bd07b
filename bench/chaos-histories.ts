// What the chaos verdict reads from the workflow histories once the run is over (every run on the task queue,
// payloads decoded with the client's codec): when each message first entered its user's workflow
// (bench/message-entries.ts) and every workflow task that failed on nondeterminism (bench/replay-failures.ts).
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { decodePayloadsInPlace } from '../codec/history-payloads';
import { listRuns, mapLimit } from './histories';
import { addEntries } from './message-entries';
import { replayFailures, type ReplayFailure } from './replay-failures';

export interface ChaosHistories {
  enteredAtMs: Map<string, number>;
  replayFailures: ReplayFailure[];
}

export async function readChaosHistories(client: Client, taskQueue: string, minRuns: number): Promise<ChaosHistories> {
  const runs = await listRuns(client, taskQueue, minRuns);
  const codecs = client.options.loadedDataConverter.payloadCodecs;
  const codec = {
    encode: (payloads: Payload[]) => Promise.resolve(payloads),
    async decode(payloads: Payload[]) {
      for (const c of [...codecs].reverse()) payloads = await c.decode(payloads);
      return payloads;
    },
  };
  const histories = await mapLimit(runs, 16, async ({ workflowId, runId }) => ({
    workflowId,
    events: (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [],
  }));
  const result: ChaosHistories = { enteredAtMs: new Map(), replayFailures: [] };
  for (const { workflowId, events } of histories) {
    addEntries(await decodePayloadsInPlace(events, codec), result.enteredAtMs);
    result.replayFailures.push(...replayFailures(workflowId, events));
  }
  return result;
}
