// Workflow runs and their histories as the tests read them from the server (every run of a workflow id,
// continue-as-new included; as stored, or with the payloads decoded by the client's codec), and the
// determinism check every relay harness runs on stop: the histories its user workflows wrote replay on the
// current workflow bundle with the SDK's replayer (and the payload codec they were written with).
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { historyOutline } from '../../bench/history-outline';
import { hasCompletedTask } from '../../bench/replay-failures';
import { decodePayloadsInPlace } from '../../codec/history-payloads';
import { userWorkflowId } from '../../domain/ids';
import { USER_WORKFLOW_TYPE } from '../../domain/workflow-api';

export { hasCompletedTask, historyOutline };

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

/** The histories of the runs a visibility query finds that have something to replay (hasCompletedTask). */
export async function replayableHistories(client: Client, query: string): Promise<RunHistory[]> {
  const out = [];
  for (const run of await listRuns(client, query)) {
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    if (hasCompletedTask(history)) out.push({ workflowId: run.workflowId, history });
  }
  return out;
}

/** The client's payload codecs as one codec (decode runs them last to first, as the SDK does). */
export function clientCodec(client: Client): PayloadCodec {
  const codecs = client.options.loadedDataConverter.payloadCodecs;
  return {
    async encode(payloads: Payload[]) {
      for (const codec of codecs) payloads = await codec.encode(payloads);
      return payloads;
    },
    async decode(payloads: Payload[]) {
      for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
      return payloads;
    },
  };
}

/** A run's history with every payload decoded by the client's codec (fetchHistory returns them as stored). */
export async function decodedHistory(client: Client, workflowId: string, runId?: string): Promise<temporal.api.history.v1.IHistory> {
  return decodePayloadsInPlace(await client.workflow.getHandle(workflowId, runId).fetchHistory(), clientCodec(client));
}

export interface ReplayReport {
  replayed: number;
  failures: string[];
}

/** The user workflows of a task queue replayed on `bundlePath` (replayQuery). */
export function replayTaskQueue(client: Client, taskQueue: string, bundlePath: string, dataConverter?: DataConverter): Promise<ReplayReport> {
  return replayQuery(client, `TaskQueue = '${taskQueue}' AND WorkflowType = '${USER_WORKFLOW_TYPE}'`, bundlePath, dataConverter);
}

/** Replays on `bundlePath` every run a visibility query finds that has something to replay; each failure with its history's outline. */
export async function replayQuery(client: Client, query: string, bundlePath: string, dataConverter?: DataConverter): Promise<ReplayReport> {
  const histories = await replayableHistories(client, query);
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: bundlePath }, ...(dataConverter ? { dataConverter } : {}) }, histories)) {
    replayed += 1;
    // The history's outline goes with the failure: the run's server is gone once the test ends.
    const history = (
      histories.find((h) => h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId === result.runId) ?? histories[replayed - 1]
    )?.history;
    if (result.error) failures.push(`${result.workflowId} (run ${result.runId}): ${result.error.message}\n${historyOutline(history?.events ?? [])}`);
  }
  return { replayed, failures };
}

/** The ids of the patches a run asked for (`patched()`), from its core_patch markers in history order (decoded payloads). */
export function patchIds(events: readonly temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => (json(e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]) as { id: string }).id);
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** One send in a history: a vendor's send activity, or its part of the combined first attempt (activity or local activity). */
export interface SendInHistory {
  /** sendToAdjust or sendToAppsflyer (a combined part: its vendor's), or sendFirstAttempts when its input cannot be read. */
  activityType: string;
  /** A part of the combined first attempt (sendFirstAttempts). */
  combined: boolean;
  /** Run as a local activity (policy.firstSendAttempt `local`): recorded as a marker, no activity task. */
  local: boolean;
  /** The activity's scheduled event (a local activity: its marker). */
  eventId: number;
  /** The workflow task that scheduled it: reset here to send again. */
  workflowTaskCompletedEventId: number;
  /** Its result, when it returned one and the history's payloads are decoded (see decodedHistory). */
  result?: { receipts?: Array<{ deliveryId: string; fromLedger?: boolean; attempt?: number }> };
  /** It returned a result (a combined part: its own). */
  completed: boolean;
  failed: boolean;
}

const VENDOR_SENDS: Record<string, string> = { adjust: 'sendToAdjust', appsflyer: 'sendToAppsflyer' };

/** A JSON payload's value; undefined for anything else (e.g. still encrypted). */
function json(payload: Payload | null | undefined): unknown {
  const encoding = payload?.metadata?.encoding ? Buffer.from(payload.metadata.encoding).toString('utf8') : '';
  return payload?.data && encoding.startsWith('json/') ? JSON.parse(Buffer.from(payload.data).toString('utf8')) : undefined;
}

type Part = { ok: true; result: SendInHistory['result'] } | { ok: false };

/** A send's end from its activity's result (undefined: not decoded; a combined part reads its vendor's). */
function complete(done: SendInHistory, answer: Record<string, Part> | SendInHistory['result'] | undefined): void {
  if (!done.combined) {
    done.completed = true;
    if (answer) done.result = answer as SendInHistory['result'];
    return;
  }
  const vendor = Object.keys(VENDOR_SENDS).find((v) => VENDOR_SENDS[v] === done.activityType);
  const part = vendor && answer ? (answer as Record<string, Part>)[vendor] : undefined;
  if (!answer || done.activityType === 'sendFirstAttempts')
    done.completed = true; // undecoded: the activity completed
  else if (part?.ok) {
    done.completed = true;
    if (part.result) done.result = part.result;
  } else done.failed = true;
}

/** The sends of a run, in history order: vendors' send activities and the parts of combined first attempts. */
export function sendsIn(events: readonly HistoryEvent[]): SendInHistory[] {
  const sends: SendInHistory[] = [];
  const byScheduled = new Map<number, SendInHistory[]>();
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    const type = scheduled?.activityType?.name ?? '';
    if (scheduled && (type === 'sendToAdjust' || type === 'sendToAppsflyer' || type === 'sendFirstAttempts')) {
      const base = {
        combined: type === 'sendFirstAttempts',
        local: false,
        eventId: Number(e.eventId),
        workflowTaskCompletedEventId: Number(scheduled.workflowTaskCompletedEventId),
        completed: false,
        failed: false,
      };
      const input = base.combined ? (json(scheduled.input?.payloads?.[0]) as Record<string, unknown> | undefined) : undefined;
      const types = !base.combined
        ? [type]
        : input
          ? Object.keys(VENDOR_SENDS)
              .filter((v) => input[v])
              .map((v) => VENDOR_SENDS[v] as string)
          : [type];
      const group = types.map((activityType) => ({ ...base, activityType }));
      sends.push(...group);
      byScheduled.set(base.eventId, group);
    }
    // The combined first attempt as a local activity: scheduled and answered within one workflow task.
    const marker = e.markerRecordedEventAttributes;
    const local =
      marker?.markerName === 'core_local_activity' ? (json(marker.details?.data?.payloads?.[0]) as { activity_type?: string } | undefined) : undefined;
    if (marker && local?.activity_type === 'sendFirstAttempts') {
      const answer = json(marker.details?.result?.payloads?.[0]) as Record<string, Part> | undefined;
      const base = {
        combined: true,
        local: true,
        eventId: Number(e.eventId),
        workflowTaskCompletedEventId: Number(marker.workflowTaskCompletedEventId),
        completed: false,
        failed: false,
      };
      const vendors = answer ? Object.keys(VENDOR_SENDS).filter((v) => answer[v]) : [];
      const group =
        vendors.length > 0 ? vendors.map((v) => ({ ...base, activityType: VENDOR_SENDS[v] as string })) : [{ ...base, activityType: 'sendFirstAttempts' }];
      sends.push(...group);
      for (const done of group) {
        if (marker.failure) done.failed = true;
        else complete(done, answer);
      }
      continue;
    }
    const completed = e.activityTaskCompletedEventAttributes;
    for (const done of completed ? (byScheduled.get(Number(completed.scheduledEventId)) ?? []) : [])
      complete(done, json(completed?.result?.payloads?.[0]) as Record<string, Part> | SendInHistory['result'] | undefined);
    const failed = e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    for (const fail of failed ? (byScheduled.get(Number(failed.scheduledEventId)) ?? []) : []) fail.failed = true;
  }
  return sends;
}
