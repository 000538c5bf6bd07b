// Workflow runs and their histories as the tests read them from the server (every run of a workflow id,
// continue-as-new included), and the determinism check every relay harness runs on stop: the histories its
// user workflows wrote replay on the current workflow bundle with the SDK's replayer.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { userWorkflowId } from '../../domain/ids';
import { USER_WORKFLOW_TYPE } from '../../domain/messages';

export interface RunHistory {
  workflowId: string;
  history: temporal.api.history.v1.IHistory;
}

/** Every run a visibility query finds (finished or running). */
export async function listRuns(client: Client, query: string): Promise<WorkflowExecutionInfo[]> {
  const runs = [];
  for await (const run of client.workflow.list({ query })) runs.push(run);
  return runs;
}

/** Every run of one user's workflow. */
export function userRuns(client: Client, userId: string): Promise<WorkflowExecutionInfo[]> {
  return listRuns(client, `WorkflowId = '${userWorkflowId(userId)}'`);
}

/** The histories of the runs a visibility query finds. */
export async function runHistories(client: Client, query: string): Promise<RunHistory[]> {
  const out = [];
  for (const run of await listRuns(client, query)) out.push({ workflowId: run.workflowId, history: await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory() });
  return out;
}

export interface ReplayReport {
  replayed: number;
  failures: string[];
}

export async function replayTaskQueue(client: Client, taskQueue: string, bundlePath: string): Promise<ReplayReport> {
  const histories = await runHistories(client, `TaskQueue = '${taskQueue}' AND WorkflowType = '${USER_WORKFLOW_TYPE}'`);
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: bundlePath } }, histories)) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return { replayed, failures };
}
