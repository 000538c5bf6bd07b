// `s2s redrive`: one user's dead letters (all, or the ids given), or, without a userId (or with --all), every
// user's on this task queue, narrowed by app, visibility query or dead-letter reason, with bounded concurrency,
// progress on stderr, a dry run and a summary (client/bulk-redrive.ts does the work).
import { bulkRedrive, deadLetterQuery, listRedriveTargets, reasonMatcher, type BulkRedriveSummary, type UserRedriveResult } from '../bulk-redrive';
import { EXIT, type ExitCode } from '../errors';
import type { RelayClient } from '../relay-client';
import { inputError, userIdArg, type Parsed } from './args';
import { formatDeadLetter, formatRedrive } from './format';
import { describeError, grpcCode, GRPC_INVALID_ARGUMENT, toCliError, withWorker, type CliIo, type Output } from './io';
import { Progress } from './progress';

const BULK_ONLY = ['--all', '--app', '--query', '--reason', '--concurrency', '--dry-run'];

export async function runRedrive(parsed: Parsed, io: CliIo, connect: () => Promise<RelayClient>, out: Output): Promise<ExitCode> {
  const timeoutMs = io.answerTimeoutMs ?? 20_000;
  if (!parsed.all && parsed.args.length > 0) {
    const bulkOptions = parsed.given.filter((o) => BULK_ONLY.includes(o));
    if (bulkOptions.length > 0)
      throw inputError(`redrive: ${bulkOptions.join(', ')} apply to every user's dead letters: drop the userId (or see s2s redrive --help)`);
    const userId = userIdArg(parsed.args[0], 'redrive');
    const client = await connect();
    const answer = await withWorker(
      client,
      timeoutMs,
      { action: `redrive for user ${userId}`, update: { subject: 'the redrive', userId, started: false } },
      () => client.redrive(userId, parsed.args.slice(1)),
    );
    out.print(answer, formatRedrive(answer));
    const nothingRedriven = answer.redriven.length === 0 && (answer.notFound.length > 0 || (answer.refused?.length ?? 0) > 0);
    return nothingRedriven ? EXIT.invalidInput : EXIT.ok;
  }
  if (parsed.args.length > 0)
    throw inputError(`redrive --all takes no userId or ids (got ${parsed.args.join(' ')}): use s2s redrive <userId> [id ...] for one user`);
  let reason: { text: string; match: ReturnType<typeof reasonMatcher> } | undefined;
  if (parsed.reason !== undefined) {
    try {
      reason = { text: parsed.reason, match: reasonMatcher(parsed.reason) };
    } catch (error) {
      throw inputError((error as Error).message);
    }
  }

  const client = await connect();
  const query = deadLetterQuery({
    taskQueue: client.options.taskQueue,
    ...(parsed.app ? { app: parsed.app } : {}),
    ...(parsed.query ? { query: parsed.query } : {}),
  });
  const say = (text: string) => io.err(text);
  say(`${parsed.dryRun ? 'dry run: ' : ''}listing users: ${query}`);
  let targets;
  try {
    targets = await listRedriveTargets(client, query);
  } catch (error) {
    if (grpcCode(error) === GRPC_INVALID_ARGUMENT)
      throw inputError(`the server refused the visibility query${parsed.query ? ' (check --query)' : ''}: ${describeError(error)}`);
    throw error;
  }
  const progress = new Progress(parsed.dryRun ? 'dry run' : 'redrive', targets.length, {
    tty: io.errIsTTY === true,
    write: io.errWrite ?? ((t) => io.err(t.replace(/\n$/, ''))),
  });
  say(`${targets.length} user${targets.length === 1 ? '' : 's'} with dead letters${targets.length ? `, ${parsed.concurrency} at a time` : ''}`);
  let done = 0;
  const summary = await bulkRedrive(client, query, targets, {
    concurrency: parsed.concurrency,
    dryRun: parsed.dryRun,
    ...(reason ? { reason } : {}),
    call: (action, update, userId, fn) =>
      withWorker(client, timeoutMs, { action, ...(update ? { update: { subject: 'the redrive', userId, started: false } } : {}) }, fn),
    describeError: (error) => toCliError(error).message,
    onUser: (result, sum) => {
      done += 1;
      const human = formatUserResult(result, parsed.dryRun);
      if (out.json || human) progress.log(() => out.print(result, human ?? ''));
      progress.update(done, progressDetail(sum));
    },
  });
  if (targets.length > 0) progress.finish();
  out.print({ summary }, formatSummary(summary));
  return summary.failures > 0 ? EXIT.failure : EXIT.ok;
}

function progressDetail(s: BulkRedriveSummary): string {
  return `${s.deadLetters} dead letter${s.deadLetters === 1 ? '' : 's'} ${s.dryRun ? 'to redrive' : 'redriven'}, ${s.refused} refused, ${s.failures} failed`;
}

/** One user's line(s) in the human output: every user in a dry run, otherwise only users with something to say. */
export function formatUserResult(r: UserRedriveResult, dryRun: boolean): string | undefined {
  const who = `${r.userId}${r.app ? ` (${r.app})` : ''}`;
  if (r.error !== undefined) return `${who}: FAILED: ${r.error}`;
  if (dryRun) {
    const letters = r.wouldRedrive ?? [];
    if (letters.length === 0) return `${who}: no dead letter ${r.matched === 0 ? 'matches --reason' : 'left'}`;
    return [`${who}: would redrive ${letters.length}`, ...letters.map((d) => `  ${formatDeadLetter(d)}`)].join('\n');
  }
  const notes: string[] = [];
  if (r.refused.length) notes.push(`still dead-lettered (the refund rules refuse them): ${r.refused.join(', ')}`);
  if (r.notFound.length) notes.push(`no longer dead letters: ${r.notFound.join(', ')}`);
  return notes.length ? `${who}: redriven ${r.redriven.length}; ${notes.join('; ')}` : undefined;
}

export function formatSummary(s: BulkRedriveSummary): string {
  const seconds = (s.durationMs / 1000).toFixed(1);
  if (s.users === 0) return `no users with dead letters match (${s.query})`;
  if (s.dryRun) {
    return [
      `dry run, nothing changed: ${s.users} user${s.users === 1 ? '' : 's'} with dead letters; ${s.deadLetters} dead letter${s.deadLetters === 1 ? '' : 's'} of ${s.usersRedriven} user${s.usersRedriven === 1 ? '' : 's'} would be redriven` +
        `${s.reason !== undefined ? ` (--reason ${s.reason}: ${s.noMatch} user${s.noMatch === 1 ? '' : 's'} without a match)` : ''}${s.failures ? `; ${s.failures} could not be read` : ''}`,
      'run it again without --dry-run to redrive them',
    ].join('\n');
  }
  const parts = [
    `${s.users} user${s.users === 1 ? '' : 's'}`,
    `${s.deadLetters} dead letter${s.deadLetters === 1 ? '' : 's'} redriven (${s.usersRedriven} user${s.usersRedriven === 1 ? '' : 's'})`,
    `${s.refused} refused`,
    `${s.notFound} no longer dead-lettered`,
    ...(s.reason !== undefined ? [`${s.noMatch} without a dead letter matching --reason`] : []),
    `${s.failures} failure${s.failures === 1 ? '' : 's'}`,
  ];
  const lines = [`redrive summary: ${parts.join(' · ')} · ${seconds} s`];
  if (s.failures > 0) lines.push('the users that failed are listed above; run the same command again to retry them (a redrive is idempotent)');
  return lines.join('\n');
}
