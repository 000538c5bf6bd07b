// Every run of one user's workflow (continue-as-new makes a new run; a closed run stays until the namespace's
// retention), found by the visibility query `WorkflowId = 's2s-user-<userId>'` plus describe() for a run
// visibility has not indexed yet, and each run's history with its payloads decoded by the client's codecs
// (decrypted when payload keys are configured). Used by `s2s explain` (reads them) and forget (deletes them).
import type { temporal } from '@temporalio/proto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { userWorkflowId } from '../domain/ids';
import { decodePayloadsInPlace } from '../codec/history-payloads';

/** What reading a user's runs needs of the relay client: its Temporal client (with the payload codec). */
export interface TemporalAccess {
  readonly client: Client;
}

export type History = temporal.api.history.v1.IHistory;

export interface UserRun {
  workflowId: string;
  runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, CONTINUED_AS_NEW, TERMINATED, ... */
  status: string;
  startMs: number;
  closeMs?: number;
  taskQueue: string;
}

/** The visibility query of every run of a user's workflow. User ids hold no quotes (the contract's UserId). */
export function userRunsQuery(userId: string): string {
  return `WorkflowId = '${userWorkflowId(userId)}'`;
}

/** Every run of the user's workflow, oldest first (empty when there is none). */
export async function listUserRuns(relay: TemporalAccess, userId: string): Promise<UserRun[]> {
  const runs = new Map<string, UserRun>();
  for await (const wf of relay.client.workflow.list({ query: userRunsQuery(userId), pageSize: 1000 })) {
    runs.set(wf.runId, {
      workflowId: wf.workflowId,
      runId: wf.runId,
      status: wf.status.name,
      startMs: wf.startTime.getTime(),
      ...(wf.closeTime ? { closeMs: wf.closeTime.getTime() } : {}),
      taskQueue: wf.taskQueue,
    });
  }
  // The latest run, which visibility may not list yet (it is eventually consistent).
  try {
    const d = await relay.client.workflow.getHandle(userWorkflowId(userId)).describe();
    runs.set(d.runId, {
      workflowId: d.workflowId,
      runId: d.runId,
      status: d.status.name,
      startMs: d.startTime.getTime(),
      ...(d.closeTime ? { closeMs: d.closeTime.getTime() } : {}),
      taskQueue: d.taskQueue,
    });
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  return [...runs.values()].sort((a, b) => a.startMs - b.startMs || a.runId.localeCompare(b.runId));
}

/** A run's history with every payload decoded by the client's codecs (payloads they did not encode pass through). */
export async function fetchDecodedHistory(relay: TemporalAccess, run: Pick<UserRun, 'workflowId' | 'runId'>): Promise<History> {
  const history = await relay.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
  const codecs = relay.client.options.loadedDataConverter.payloadCodecs;
  for (const codec of [...codecs].reverse()) await decodePayloadsInPlace(history, codec);
  return history;
}

/** The value of the first payload of a decoded `{payloads: [...]}` (undefined when there is none or it does not convert). */
export function payloadValue(relay: TemporalAccess, payloads: { payloads?: Payload[] | null } | null | undefined, index = 0): unknown {
  const payload = payloads?.payloads?.[index];
  if (!payload) return undefined;
  try {
    return relay.client.options.loadedDataConverter.payloadConverter.fromPayload(payload);
  } catch {
    return undefined;
  }
}
