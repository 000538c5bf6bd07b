// Reads every workflow run a phase left on its task queue (all runs, so continue-as-new chains count) and
// adds up their billable actions (actions.ts), history events and history size (protobuf bytes, as stored).
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { isEncrypted } from '../codec/aes-gcm-codec';
import { payloadSlots } from '../codec/history-payloads';
import { addCounts, countActions, emptyCounts, workflowTaskTimes, type ActionCounts } from './actions';

export interface PhaseHistories {
  runs: number;
  historyEvents: number;
  /** The histories' size as protobuf (what the server stores, payloads included). */
  historyBytes: number;
  /** Payloads stored encrypted (binary/encrypted) in the histories. */
  encryptedPayloads: number;
  actions: ActionCounts;
  /** Workflow tasks completed, and their mean time in the worker (started to completed). */
  workflowTasks: number;
  workflowTaskMeanMs: number;
}

export function historyTotals(perRun: ReadonlyArray<{ events: readonly unknown[] }>): Omit<PhaseHistories, 'runs'> {
  let historyEvents = 0;
  let historyBytes = 0;
  let encryptedPayloads = 0;
  let actions = emptyCounts();
  let tasks = 0;
  let taskMs = 0;
  for (const run of perRun) {
    const events = run.events as Parameters<typeof countActions>[0];
    historyEvents += events.length;
    historyBytes += temporal.api.history.v1.History.encode({ events: run.events as temporal.api.history.v1.IHistoryEvent[] }).finish().length;
    encryptedPayloads += payloadSlots(run.events).filter((slot) => isEncrypted(slot.payload)).length;
    actions = addCounts(actions, countActions(events));
    const times = workflowTaskTimes(events as Parameters<typeof workflowTaskTimes>[0]);
    tasks += times.tasks;
    taskMs += times.totalMs;
  }
  return {
    historyEvents,
    historyBytes,
    encryptedPayloads,
    actions,
    workflowTasks: tasks,
    workflowTaskMeanMs: tasks > 0 ? Math.round((taskMs / tasks) * 10) / 10 : 0,
  };
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

/** Every run on `taskQueue` (visibility is eventually consistent: waits until it lists `minRuns`). */
export async function listRuns(client: Client, taskQueue: string, minRuns: number): Promise<Array<{ workflowId: string; runId: string }>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const runs: Array<{ workflowId: string; runId: string }> = [];
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'`, pageSize: 1000 }))
      runs.push({ workflowId: wf.workflowId, runId: wf.runId });
    if (runs.length >= minRuns || Date.now() > deadline) return runs;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function phaseHistories(client: Client, taskQueue: string, minRuns: number): Promise<PhaseHistories> {
  const runs = await listRuns(client, taskQueue, minRuns);
  const perRun = await mapLimit(runs, 16, async ({ workflowId, runId }) => ({
    events: (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [],
  }));
  return { runs: runs.length, ...historyTotals(perRun) };
}
