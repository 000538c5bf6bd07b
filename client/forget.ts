// Forgetting a user (RelayClient.forget, `s2s forget`): the `forget` update stops the workflow's deliveries
// (sends in flight finish or are cancelled, queued and held ones are dropped) and the workflow completes; then
// the delivery ledger's entries go (an optional hook, `forgetLedgerEntries`), then every run of the user's
// workflow is deleted (WorkflowService.DeleteWorkflowExecution) until visibility finds none, and an audit
// record with the user id's hash, never the id, is appended. Each step is safe to run again: a forget that
// stopped half way is finished by running it again.
import { WorkflowNotFoundError } from '@temporalio/client';
import { userHash as hashOf, userWorkflowId } from '../domain/ids';
import { SA } from '../domain/search-attributes';
import type { Forget } from '../domain/contract/messages';
import type { ForgetAnswer } from '../domain/status';
import { appendAuditRecord, auditLogPath, type ForgetAuditRecord } from './audit-log';
import { RelayClosedWorkflowError, RelayRejectedError, RelayUnknownUserError } from './errors';
import { listUserRuns, type TemporalAccess, type UserRun } from './user-runs';

/** What forgetting needs of the relay client (RelayClient.forget passes itself). */
export interface ForgetPort extends TemporalAccess {
  readonly options: { readonly taskQueue: string };
  check(name: 'forget', input: unknown): Forget;
  forgetUpdate(input: Forget): Promise<ForgetAnswer>;
}

export interface ForgetOptions {
  /** Kept in the audit record: never personal data. */
  reason?: string;
  /** The audit log (JSON lines); default S2S_AUDIT_LOG, else .data/audit/forget.jsonl. */
  auditLog?: string;
  /**
   * Deletes the user's entries in the delivery ledger, by user hash, and says how many. Absent: no ledger is
   * configured (the audit record says so with `ledgerEntriesDeleted: null`).
   */
  forgetLedgerEntries?: (userHash: string) => Promise<number>;
  /**
   * How long to wait for the workflow to complete, and then for its runs to be gone (default 120 s each). The
   * server deletes a run once its close has been processed, which on a default server takes up to about 30 s
   * after the run closed (history.transferProcessorUpdateAckInterval).
   */
  timeoutMs?: number;
  /** Told each step as it starts (the CLI prints them on stderr). */
  onProgress?: (step: string) => void;
  /** Runs the forget update (the CLI bounds its wait for a worker). */
  callUpdate?: <T>(fn: () => Promise<T>) => Promise<T>;
}

export interface ForgetResult {
  userHash: string;
  at: string;
  workflowWasRunning: boolean;
  dropped: number;
  inFlight: number;
  runsDeleted: number;
  ledgerEntriesDeleted: number | null;
  auditLog: string;
  durationMs: number;
}

const POLL_MS = 250;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function forgetUser(relay: ForgetPort, userId: string, options: ForgetOptions = {}): Promise<ForgetResult> {
  const request = relay.check('forget', { userId, ...(options.reason !== undefined ? { reason: options.reason } : {}) });
  const auditLog = options.auditLog ? options.auditLog : auditLogPath();
  const timeoutMs = options.timeoutMs ?? 120_000;
  const say = options.onProgress ?? (() => undefined);
  const started = Date.now();
  const hash = hashOf(userId);
  const record: ForgetAuditRecord = {
    event: 'user-forgotten',
    at: new Date(started).toISOString(),
    userHash: hash,
    ...(request.reason !== undefined ? { reason: request.reason } : {}),
    namespace: relay.client.options.namespace,
    taskQueue: relay.options.taskQueue,
    by: relay.client.options.identity,
    workflowWasRunning: false,
    dropped: 0,
    inFlight: 0,
    runsDeleted: 0,
    ledgerEntriesDeleted: null,
    durationMs: 0,
  };
  const runs = await userRunsAndTagged(relay, userId);
  if (runs.length === 0) throw new RelayUnknownUserError(userId);
  try {
    // 1. Stop the deliveries: the update answers once sends in flight have ended; the workflow then completes.
    if (runs.some((r) => r.status === 'RUNNING')) {
      record.workflowWasRunning = true;
      say('stopping the workflow (forget update): sends in flight end first');
      const answer = await stopWorkflow(relay, userId, request.reason, options);
      if (answer) {
        record.dropped = answer.dropped;
        record.inFlight = answer.inFlight;
        record.ledgerEntriesDeleted = answer.ledgerEntriesDeleted;
      }
      await waitFor(timeoutMs, `the workflow of user ${userId} to complete after the forget update`, async () => {
        const d = await relay.client.workflow
          .getHandle(userWorkflowId(userId))
          .describe()
          .catch((e: unknown) => (e instanceof WorkflowNotFoundError ? undefined : Promise.reject(e)));
        return d === undefined || d.status.name !== 'RUNNING';
      });
    }
    // 2. The delivery ledger: the workflow's worker deleted its entries before answering; for a workflow that was
    //    already closed, the hook does (a PostgreSQL ledger the caller can reach). Before the runs: a failure
    //    here leaves them to retry with.
    if (record.ledgerEntriesDeleted === null && options.forgetLedgerEntries) {
      say('deleting the delivery ledger entries');
      record.ledgerEntriesDeleted = await options.forgetLedgerEntries(hash);
    }
    // 3. Every run, found again now that the last one is closed; then until visibility shows none.
    say(
      `deleting ${runs.length} run${runs.length === 1 ? '' : 's'} and waiting until visibility finds none (the server deletes a run up to about 30 s after it closed)`,
    );
    const deleted = new Set<string>();
    await waitFor(timeoutMs, `visibility to show no run of user ${userId}`, async () => {
      const left = await userRunsAndTagged(relay, userId);
      for (const run of left) {
        const key = `${run.workflowId}/${run.runId}`;
        if (deleted.has(key)) continue; // deletion is asynchronous: visibility lists it for a moment longer
        deleted.add(key);
        if (await deleteRun(relay, run)) record.runsDeleted += 1;
      }
      return left.length === 0;
    });
  } catch (error) {
    record.event = 'user-forget-failed';
    record.durationMs = Date.now() - started;
    record.error = (error instanceof Error ? error.message : String(error)).split(userId).join(hash).slice(0, 1000);
    appendAuditRecord(auditLog, record);
    throw error;
  }
  record.durationMs = Date.now() - started;
  appendAuditRecord(auditLog, record);
  const { userHash, at, workflowWasRunning, dropped, inFlight, runsDeleted, ledgerEntriesDeleted, durationMs } = record;
  return { userHash, at, workflowWasRunning, dropped, inFlight, runsDeleted, ledgerEntriesDeleted, auditLog, durationMs };
}

/** Sends the forget update; a workflow already being forgotten (an earlier, interrupted forget) or closed meanwhile is fine. */
async function stopWorkflow(relay: ForgetPort, userId: string, reason: string | undefined, options: ForgetOptions): Promise<ForgetAnswer | undefined> {
  const call = options.callUpdate ?? ((fn) => fn());
  try {
    return await call(() => relay.forgetUpdate({ userId, ...(reason !== undefined ? { reason } : {}) }));
  } catch (error) {
    if (error instanceof RelayClosedWorkflowError || (error instanceof RelayRejectedError && error.reason === 'forgotten')) return undefined;
    throw error;
  }
}

/** Runs of the user's workflow id, and any workflow tagged with the user's id (S2SUserId), newest state. */
async function userRunsAndTagged(relay: ForgetPort, userId: string): Promise<Array<Pick<UserRun, 'workflowId' | 'runId' | 'status'>>> {
  const runs = new Map<string, Pick<UserRun, 'workflowId' | 'runId' | 'status'>>();
  for (const run of await listUserRuns(relay, userId)) runs.set(`${run.workflowId}/${run.runId}`, run);
  for await (const wf of relay.client.workflow.list({ query: `${SA.userId.name} = '${userId}'`, pageSize: 1000 })) {
    runs.set(`${wf.workflowId}/${wf.runId}`, { workflowId: wf.workflowId, runId: wf.runId, status: wf.status.name });
  }
  return [...runs.values()];
}

/** Deletes one run (a running one is terminated first by the server); true when this call deleted it. */
async function deleteRun(relay: ForgetPort, run: Pick<UserRun, 'workflowId' | 'runId'>): Promise<boolean> {
  try {
    await relay.client.workflowService.deleteWorkflowExecution({
      namespace: relay.client.options.namespace,
      workflowExecution: { workflowId: run.workflowId, runId: run.runId },
    });
    return true;
  } catch (error) {
    // Already deleted (the server deletes asynchronously; visibility may still list it for a moment).
    if ((error as { code?: number }).code === 5 /* NOT_FOUND */) return false;
    throw error;
  }
}

async function waitFor(timeoutMs: number, what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return;
    if (Date.now() > deadline)
      throw new Error(`forget: timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}; run the same forget again to finish it`);
    await sleep(POLL_MS);
  }
}
