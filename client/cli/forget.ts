// `s2s forget <userId> [--reason TEXT]`: erases a user with RelayClient.forget (client/forget.ts): stops the
// workflow (whose worker deletes the user's delivery ledger entries), deletes every run, appends the audit record
// (S2S_AUDIT_LOG). The input is checked before connecting.
import { openLedger, parseLedgerUrl } from '../../worker/ledger';
import { auditLogPath } from '../audit-log';
import { EXIT, type ExitCode } from '../errors';
import type { ForgetResult } from '../forget';
import { checkInput, type RelayClient } from '../relay-client';
import { inputError, tooMany, userIdArg, type Parsed } from './args';
import { withWorker, type CliIo, type Output } from './io';

export async function runForget(parsed: Parsed, io: CliIo, connect: () => Promise<RelayClient>, out: Output): Promise<ExitCode> {
  tooMany(parsed.args, 1, 'forget');
  const userId = userIdArg(parsed.args[0], 'forget');
  checkInput('forget', { userId, ...(parsed.reason !== undefined ? { reason: parsed.reason } : {}) });
  let auditLog: string;
  try {
    auditLog = auditLogPath(io.env ?? process.env);
  } catch (error) {
    throw inputError((error as Error).message);
  }
  const client = await connect();
  const timeoutMs = io.answerTimeoutMs ?? 20_000;
  const result = await client.forget(userId, {
    auditLog,
    ...ledgerHook(io.env ?? process.env),
    ...(parsed.reason !== undefined ? { reason: parsed.reason } : {}),
    onProgress: (step) => io.err(`forget: ${step}`),
    callUpdate: (fn) => withWorker(client, timeoutMs, { action: `forget of user ${userId}`, update: { subject: 'the forget', userId, started: false } }, fn),
  });
  out.print(result, formatForget(userId, result));
  return EXIT.ok;
}

/**
 * For a workflow that was already closed (its worker deleted nothing): a PostgreSQL ledger named by S2S_LEDGER_URL
 * is opened here. An embedded ledger belongs to its worker process and cannot be opened beside it.
 */
function ledgerHook(env: NodeJS.ProcessEnv): { forgetLedgerEntries?: (userHash: string) => Promise<number> } {
  const setting = env.S2S_LEDGER_URL ? parseLedgerUrl(env.S2S_LEDGER_URL.trim()) : undefined;
  if (typeof setting !== 'object' || setting.kind !== 'postgres') return {};
  return {
    forgetLedgerEntries: async (userHash) => {
      const ledger = await openLedger(setting, console);
      try {
        return await ledger.forgetUser(userHash);
      } finally {
        await ledger.close();
      }
    },
  };
}

export function formatForget(userId: string, r: ForgetResult): string {
  const stopped = r.workflowWasRunning
    ? `its workflow stopped (${r.dropped} queued or held deliver${r.dropped === 1 ? 'y' : 'ies'} dropped, ${r.inFlight} send${r.inFlight === 1 ? '' : 's'} in flight ended first)`
    : 'its workflow was already closed';
  return [
    `forgot user ${userId} (${r.userHash}) in ${(r.durationMs / 1000).toFixed(1)} s: ${stopped}; ${r.runsDeleted} run${r.runsDeleted === 1 ? '' : 's'} deleted, visibility finds none`,
    `delivery ledger: ${r.ledgerEntriesDeleted === null ? 'none configured' : `${r.ledgerEntriesDeleted} entries deleted`}`,
    `audit record (user hash only) appended to ${r.auditLog}`,
    "the vendors still hold what they were sent: erasure there is the app's duty (Adjust's GDPR forget-device endpoint, AppsFlyer's OpenGDPR API; see docs/operations.md)",
  ].join('\n');
}
