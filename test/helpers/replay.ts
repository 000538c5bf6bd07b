// Determinism check for every test that runs the relay: the histories its user workflows wrote (all runs,
// continue-as-new included, whether finished or still running) replay on the current workflow bundle with
// the SDK's replayer. A replay that diverges means the workflow code is not deterministic.
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { USER_WORKFLOW_TYPE } from '../../domain/messages';

export interface ReplayReport {
  replayed: number;
  failures: string[];
}

export async function replayTaskQueue(temporal: Client, taskQueue: string, bundlePath: string): Promise<ReplayReport> {
  const histories = [];
  for await (const run of temporal.workflow.list({ query: `TaskQueue = '${taskQueue}' AND WorkflowType = '${USER_WORKFLOW_TYPE}'` })) {
    histories.push({ workflowId: run.workflowId, history: await temporal.workflow.getHandle(run.workflowId, run.runId).fetchHistory() });
  }
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: bundlePath } }, histories)) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return { replayed, failures };
}
