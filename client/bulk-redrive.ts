// Bulk redrive: every user with dead letters on one task queue (optionally of one app, or matching a visibility
// query), each redriven with the `redrive` update, a bounded number of users at a time. With a reason filter
// each user's dead letters are read first (the status query) and only the matching ids are redriven; a dry
// run reads them and changes nothing. The user list is read whole before the first redrive, so the users a
// redrive takes out of the visibility query never shift the pages still to be read.
import { LIMITS } from '../domain/contract/limits';
import { SA } from '../domain/search-attributes';
import type { DeadLetterView, RedriveAnswer } from '../domain/status';
import { userWorkflowId } from '../domain/ids';
import type { RelayClient } from './relay-client';

export interface BulkRedriveTarget {
  userId: string;
  /** Dead letters as visibility counted them when the list was read. */
  deadLetters: number;
  app?: string;
}

export interface BulkRedriveFilter {
  taskQueue: string;
  app?: string;
  /** An operator's visibility query, ANDed with the others. */
  query?: string;
}

/** What happened to one user (one NDJSON line of `s2s redrive --all --json`). */
export interface UserRedriveResult {
  userId: string;
  app?: string;
  redriven: string[];
  notFound: string[];
  refused: string[];
  /** Dry run: the dead letters that would be redriven. */
  wouldRedrive?: DeadLetterView[];
  /** With a reason filter: how many of the user's dead letters matched it. */
  matched?: number;
  /** Why the user could not be handled (no worker answered, the workflow closed, ...). */
  error?: string;
}

export interface BulkRedriveSummary {
  query: string;
  dryRun: boolean;
  reason?: string;
  /** Users the query found. */
  users: number;
  /** Users with at least one dead letter redriven (or that would be, in a dry run). */
  usersRedriven: number;
  /** Dead letters redriven (or that would be). */
  deadLetters: number;
  /** Kept: refunds the refund rules still refuse. */
  refused: number;
  /** Asked for but gone by then (redriven meanwhile by someone else). */
  notFound: number;
  /** Users none of whose dead letters matched the reason filter. */
  noMatch: number;
  /** Users that could not be handled. */
  failures: number;
  durationMs: number;
}

/** The visibility query of the users a bulk redrive handles. Quotes cannot occur in app keys (checked by the CLI). */
export function deadLetterQuery(filter: BulkRedriveFilter): string {
  const parts = [`${SA.deadLetters.name} > 0`, `ExecutionStatus = 'Running'`, `TaskQueue = '${filter.taskQueue}'`];
  if (filter.app) parts.push(`${SA.app.name} = '${filter.app}'`);
  if (filter.query) parts.push(`(${filter.query})`);
  return parts.join(' AND ');
}

/**
 * A dead-letter filter from `--reason`: `/regex/flags` is a regular expression, anything else a case-insensitive
 * substring; either is matched against the reason and the vendor's answer. Throws on an invalid regex.
 */
export function reasonMatcher(text: string): (letter: DeadLetterView) => boolean {
  const regex = /^\/(.+)\/([dgimsuvy]*)$/.exec(text);
  let test: (s: string) => boolean;
  if (regex) {
    let re: RegExp;
    try {
      re = new RegExp(regex[1] as string, (regex[2] as string).replace(/g|y/g, ''));
    } catch (error) {
      throw new Error(`--reason ${text} is not a valid regular expression: ${(error as Error).message}`);
    }
    test = (s) => re.test(s);
  } else {
    const needle = text.toLowerCase();
    test = (s) => s.toLowerCase().includes(needle);
  }
  return (d) => test(d.reason) || (d.vendorMessage !== undefined && test(d.vendorMessage)) || (d.status !== undefined && test(String(d.status)));
}

/** Every user the query finds, read whole (pages of 1,000) before anything changes. */
export async function listRedriveTargets(relay: RelayClient, query: string): Promise<BulkRedriveTarget[]> {
  const targets: BulkRedriveTarget[] = [];
  const seen = new Set<string>();
  for await (const wf of relay.client.workflow.list({ query, pageSize: 1000 })) {
    if (seen.has(wf.workflowId)) continue;
    seen.add(wf.workflowId);
    const attrs = wf.typedSearchAttributes;
    const app = attrs.get(SA.app);
    const userId = attrs.get(SA.userId) ?? wf.workflowId;
    // Only the relay's user workflows: the id scheme must hold (a query could reach other workflow types).
    if (wf.workflowId !== userWorkflowId(userId)) continue;
    targets.push({ userId, deadLetters: attrs.get(SA.deadLetters) ?? 0, ...(app !== undefined ? { app } : {}) });
  }
  return targets;
}

export interface BulkRedriveOptions {
  concurrency: number;
  dryRun: boolean;
  /** `--reason` as given (for the summary) and its matcher. */
  reason?: { text: string; match: (letter: DeadLetterView) => boolean };
  /** Runs one call that needs a worker's answer, bounded in time (the CLI's withWorker). */
  call?: <T>(action: string, update: boolean, userId: string, fn: () => Promise<T>) => Promise<T>;
  /** After each user, in completion order. */
  onUser?: (result: UserRedriveResult, summary: BulkRedriveSummary) => void;
  describeError?: (error: unknown) => string;
  now?: () => number;
}

/** Redrives (or, dry, reads) every target, `concurrency` users at a time; never stops at a failed user. */
export async function bulkRedrive(relay: RelayClient, query: string, targets: BulkRedriveTarget[], options: BulkRedriveOptions): Promise<BulkRedriveSummary> {
  const now = options.now ?? Date.now;
  const started = now();
  const call: NonNullable<BulkRedriveOptions['call']> = options.call ?? (<T>(_action: string, _update: boolean, _userId: string, fn: () => Promise<T>) => fn());
  const describe = options.describeError ?? ((e: unknown) => (e instanceof Error ? e.message : String(e)));
  const summary: BulkRedriveSummary = {
    query,
    dryRun: options.dryRun,
    ...(options.reason ? { reason: options.reason.text } : {}),
    users: targets.length,
    usersRedriven: 0,
    deadLetters: 0,
    refused: 0,
    notFound: 0,
    noMatch: 0,
    failures: 0,
    durationMs: 0,
  };

  const one = async (target: BulkRedriveTarget): Promise<UserRedriveResult> => {
    const base = {
      userId: target.userId,
      ...(target.app !== undefined ? { app: target.app } : {}),
      redriven: [] as string[],
      notFound: [] as string[],
      refused: [] as string[],
    };
    const { userId } = target;
    let ids: string[] | undefined;
    let letters: DeadLetterView[] | undefined;
    if (options.dryRun || options.reason) {
      const status = await call(`status of user ${userId}`, false, userId, () => relay.status(userId));
      letters = options.reason ? status.deadLetters.filter(options.reason.match) : status.deadLetters;
      ids = letters.map((d) => d.id);
      if (options.dryRun) return { ...base, wouldRedrive: letters, ...(options.reason ? { matched: letters.length } : {}) };
      if (ids.length === 0) return { ...base, matched: 0 };
    }
    // All of the user's dead letters ({}), or the matching ids in updates of at most LIMITS.redriveIds each.
    const wanted = ids;
    const chunks: string[][] =
      wanted === undefined
        ? [[]]
        : Array.from({ length: Math.ceil(wanted.length / LIMITS.redriveIds) }, (_, i) => wanted.slice(i * LIMITS.redriveIds, (i + 1) * LIMITS.redriveIds));
    const result: UserRedriveResult = { ...base, ...(letters ? { matched: letters.length } : {}) };
    for (const chunk of chunks) {
      const answer: RedriveAnswer = await call(`redrive for user ${userId}`, true, userId, () => relay.redrive(userId, chunk));
      result.redriven.push(...answer.redriven);
      result.notFound.push(...answer.notFound);
      result.refused.push(...(answer.refused ?? []));
    }
    return result;
  };

  const record = (result: UserRedriveResult) => {
    if (result.error !== undefined) summary.failures += 1;
    else if (result.matched === 0) summary.noMatch += 1;
    const count = result.wouldRedrive ? result.wouldRedrive.length : result.redriven.length;
    if (count > 0) summary.usersRedriven += 1;
    summary.deadLetters += count;
    summary.refused += result.refused.length;
    summary.notFound += result.notFound.length;
    summary.durationMs = now() - started;
    options.onUser?.(result, summary);
  };

  let next = 0;
  const lane = async () => {
    while (next < targets.length) {
      const target = targets[next++] as BulkRedriveTarget;
      let result: UserRedriveResult;
      try {
        result = await one(target);
      } catch (error) {
        result = {
          userId: target.userId,
          ...(target.app !== undefined ? { app: target.app } : {}),
          redriven: [],
          notFound: [],
          refused: [],
          error: describe(error),
        };
      }
      record(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, targets.length)) }, lane));
  summary.durationMs = now() - started;
  return summary;
}
