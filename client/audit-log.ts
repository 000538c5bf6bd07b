// The audit log of erasures: one JSON object per line, appended (never rewritten) to the file S2S_AUDIT_LOG
// names (default .data/audit/forget.jsonl under the working directory), created with owner-only permissions
// and flushed to disk before the command reports success. A record names the user by userHash (domain/ids.ts)
// only: the log outlives the erasure, so it must not hold the user id, device ids or anything else personal.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { describeZod } from '../domain/contract/issues';

export const DEFAULT_AUDIT_LOG = path.join('.data', 'audit', 'forget.jsonl');

export const AuditEnv = z.object({
  /** Where `s2s forget` (RelayClient.forget) appends its audit records. */
  S2S_AUDIT_LOG: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z
      .string()
      .refine(
        (p) => !p.endsWith('/') && !p.endsWith(path.sep),
        'must be the path of a file (JSON lines), e.g. /var/log/s2s-relay/forget.jsonl, not a directory',
      )
      .default(DEFAULT_AUDIT_LOG),
  ),
});

/** The audit log's path as the environment sets it (relative paths: to the working directory). */
export function auditLogPath(env: NodeJS.ProcessEnv = process.env): string {
  const result = AuditEnv.safeParse(env);
  if (!result.success) throw new Error(`invalid audit log setting: ${describeZod(result.error)}`);
  return path.resolve(result.data.S2S_AUDIT_LOG);
}

/** What an erasure leaves behind: counts and times, the user id's hash, never the id itself. */
export interface ForgetAuditRecord {
  event: 'user-forgotten' | 'user-forget-failed';
  at: string;
  userHash: string;
  reason?: string;
  namespace: string;
  taskQueue: string;
  /** The Temporal client identity that ran it (process@host). */
  by: string;
  workflowWasRunning: boolean;
  /** Queued or held deliveries that will never be sent. */
  dropped: number;
  /** Sends in flight that were let finish or cancelled before the workflow completed. */
  inFlight: number;
  runsDeleted: number;
  /** Delivery-ledger entries deleted (null: no ledger configured). */
  ledgerEntriesDeleted: number | null;
  durationMs: number;
  /** Why it failed (the user id replaced by its hash). */
  error?: string;
}

/** Appends one record and flushes it to disk; the directory and file are created owner-only when missing. */
export function appendAuditRecord(file: string, record: ForgetAuditRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const fd = fs.openSync(file, 'a', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(record)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
