// The operator's commands: status, history, dead-letters and recover (redrive, explain and forget have modules
// of their own). Queries and updates wait for a worker at most S2S_CLI_TIMEOUT; listings come from the
// visibility store and need none. With --json, lists print one item per line (NDJSON).
import type { DeadLetterView, TimelineEntry } from '../../domain/status';
import { EXIT, type ExitCode } from '../errors';
import { usersWithDeadLetters, type DeadLetterUser } from '../ops-queries';
import type { RelayClient } from '../relay-client';
import { inputError, tooMany, userIdArg, type Parsed } from './args';
import { runExplain } from './explain';
import { runForget } from './forget';
import { formatDeadLetter, formatRecover, formatStatus, formatTimeline } from './format';
import { describeError, withWorker, type CliIo, type Output } from './io';
import { runRedrive } from './redrive';

export interface DeadLetterReport extends DeadLetterUser {
  letters: DeadLetterView[];
  /** Why the letters could not be read (e.g. no worker answered the status query). */
  problem?: string;
}

export const OPERATIONS = ['status', 'history', 'dead-letters', 'redrive', 'explain', 'forget', 'recover'];

export async function runOperation(parsed: Parsed, io: CliIo, connect: () => Promise<RelayClient>, out: Output): Promise<ExitCode> {
  const { args } = parsed;
  const command = parsed.command as string;
  const timeoutMs = io.answerTimeoutMs ?? 20_000;
  switch (command) {
    case 'status': {
      tooMany(args, 1, command);
      const userId = userIdArg(args[0], command);
      const client = await connect();
      const status = await withWorker(client, timeoutMs, { action: `status of user ${userId}` }, () => client.status(userId));
      out.print(status, formatStatus(status));
      return EXIT.ok;
    }
    case 'history': {
      const userId = userIdArg(args[0], command);
      const ids = args.slice(1);
      const client = await connect();
      const timeline = await withWorker(client, timeoutMs, { action: `history of user ${userId}` }, () => client.timeline(userId));
      const shown: TimelineEntry[] = ids.length ? timeline.filter((e) => ids.includes(e.messageId) || ids.includes(e.deliveryId)) : timeline;
      if (ids.length && shown.length === 0) throw inputError(`history: user ${userId} has no deliveries for ${ids.join(', ')}`);
      out.list(shown, formatTimeline(shown));
      return EXIT.ok;
    }
    case 'dead-letters': {
      tooMany(args, 0, command);
      const client = await connect();
      // This deployment's users only (TEMPORAL_TASK_QUEUE): others in the namespace have their own workers.
      const users = await usersWithDeadLetters(client, parsed.limit, { taskQueue: client.options.taskQueue });
      const reports: DeadLetterReport[] = await Promise.all(
        users.map(async (u) => {
          try {
            const status = await withWorker(client, timeoutMs, { action: `status of user ${u.userId}` }, () => client.status(u.userId));
            return { ...u, letters: status.deadLetters };
          } catch (error) {
            return { ...u, letters: [], problem: describeError(error) };
          }
        }),
      );
      out.list(reports, formatDeadLetterReports(reports, parsed.limit));
      return reports.some((r) => r.problem) ? EXIT.failure : EXIT.ok;
    }
    case 'redrive':
      return runRedrive(parsed, io, connect, out);
    case 'explain':
      return runExplain(parsed, io, connect, out);
    case 'forget':
      return runForget(parsed, io, connect, out);
    case 'recover': {
      tooMany(args, 1, command);
      const userId = userIdArg(args[0], command);
      const client = await connect();
      const answer = await withWorker(client, timeoutMs, { action: `recovery of user ${userId} (the closed run's snapshot query)` }, () =>
        client.recover(userId),
      );
      out.print(answer, formatRecover(answer));
      return EXIT.ok;
    }
    default:
      throw inputError(`unknown command "${command}"`);
  }
}

export function formatDeadLetterReports(reports: DeadLetterReport[], limit: number): string {
  if (reports.length === 0) return 'no users with dead letters';
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(`${r.userId} (${r.app ?? '?'}, ${r.state ?? '?'}): ${r.deadLetters} dead letter${r.deadLetters === 1 ? '' : 's'}`);
    if (r.problem) lines.push(`  (reasons unavailable: ${r.problem})`);
    for (const d of r.letters) lines.push(`  ${formatDeadLetter(d)}`);
  }
  if (reports.length >= limit) lines.push(`(first ${limit} users; --limit N for more)`);
  lines.push('', 'fix the cause, then: s2s redrive <userId> [id ...], or s2s redrive --all (--dry-run first) for every user');
  return lines.join('\n');
}
