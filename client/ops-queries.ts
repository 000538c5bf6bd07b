// The visibility queries operators use (in the Temporal UI's filter box as in scripts) and the listings the
// CLI builds on them: users by search attribute, no worker needed. Visibility is eventually consistent: a
// change shows up within about a second.
import { SA } from '../domain/search-attributes';
import type { RelayClient } from './relay-client';

export interface DeadLetterUser {
  userId: string;
  workflowId: string;
  deadLetters: number;
  state?: string;
  app?: string;
}

/** One user workflow as the visibility store (search attributes) sees it: no worker needed to read it. */
export interface UserListing extends DeadLetterUser {
  runId: string;
  pending: number;
  status: string;
}

export const OPS_QUERIES = {
  deadLetters: `${SA.deadLetters.name} > 0`,
  pending: `${SA.pending.name} > 0`,
  laneStopped: `${SA.state.name} = 'lane stopped'`,
  retrying: `${SA.state.name} = 'retrying'`,
  waitingForInstall: `${SA.state.name} = 'waiting for install'`,
  user: (userId: string) => `${SA.userId.name} = '${userId}'`,
  /** Everything that needs attention: dead letters, or a state other than `ok` (waiting for install, retrying, lane stopped). */
  needsAttention: `${SA.deadLetters.name} > 0 OR ${SA.state.name} != 'ok'`,
  /**
   * A query narrowed to one app. The query is parenthesised: AND binds tighter than OR, so
   * `A OR B AND S2SApp = 'x'` would keep every A of every app.
   */
  inApp: (query: string, app: string) => `(${query}) AND ${SA.app.name} = '${app}'`,
} as const;

/** User workflows matching a visibility query (e.g. OPS_QUERIES.deadLetters), newest first. */
export async function findUsers(relay: RelayClient, query: string, limit = 100): Promise<UserListing[]> {
  const users: UserListing[] = [];
  for await (const wf of relay.client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
    const attrs = wf.typedSearchAttributes;
    const state = attrs.get(SA.state);
    const app = attrs.get(SA.app);
    users.push({
      userId: attrs.get(SA.userId) ?? wf.workflowId,
      workflowId: wf.workflowId,
      runId: wf.runId,
      status: wf.status.name,
      deadLetters: attrs.get(SA.deadLetters) ?? 0,
      pending: attrs.get(SA.pending) ?? 0,
      ...(state !== undefined ? { state } : {}),
      ...(app !== undefined ? { app } : {}),
    });
    if (users.length >= limit) break;
  }
  return users;
}

/**
 * Users whose workflows hold dead letters (visibility query `S2SDeadLetters > 0`), newest first; with
 * `taskQueue`, only the users of the relay deployment on that task queue (a namespace may hold several).
 */
export async function usersWithDeadLetters(relay: RelayClient, limit = 100, options: { taskQueue?: string } = {}): Promise<DeadLetterUser[]> {
  const scope = options.taskQueue ? ` AND TaskQueue = '${options.taskQueue}'` : '';
  const users = await findUsers(relay, `${OPS_QUERIES.deadLetters} AND ExecutionStatus = 'Running'${scope}`, limit);
  return users.map(({ userId, workflowId, deadLetters, state, app }) => ({
    userId,
    workflowId,
    deadLetters,
    ...(state !== undefined ? { state } : {}),
    ...(app !== undefined ? { app } : {}),
  }));
}
