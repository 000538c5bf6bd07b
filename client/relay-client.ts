// The typed client library a backend imports: sign a user up (idempotent start), track events and
// refunds (as validated updates or fire-and-forget signals), and read status, timeline and dead letters.
// Every input is validated with zod here, at the edge, before anything reaches Temporal.
import { Client, Connection, WithStartWorkflowOperation, WorkflowNotFoundError, type WorkflowHandle, type WorkflowStartOptions } from '@temporalio/client';
import { Refund, TrackEvent, parseOrThrow, type RefundInput, type TrackEventInput } from '../domain/event';
import { userWorkflowId } from '../domain/ids';
import { InstallContext, type InstallContextInput } from '../domain/install';
import {
  installSignal, redriveUpdate, refundSignal, refundUpdate, signupUpdate, statusQuery, timelineQuery, trackSignal, trackUpdate, USER_WORKFLOW_TYPE,
} from '../domain/messages';
import { SA } from '../domain/search-attributes';
import { mdText, uiLines, uiQueryLink } from '../domain/ui-markdown';
import type { MessageAnswer, RedriveAnswer, SignupAnswer, TimelineEntry, UserStatus } from '../domain/status';
import type { userWorkflow } from '../workflows/user-workflow';
import { connectionOptions, readTemporalSettings, type TemporalSettings } from './connection';

export class UnknownUserError extends Error {
  constructor(readonly userId: string) {
    super(`no s2s-relay workflow for user "${userId}": sign the user up (or track an event) first`);
    this.name = 'UnknownUserError';
  }
}

export interface RelayClientOptions {
  taskQueue: string;
}

/**
 * The workflow's static summary (one line, fixed at start; the UI shows it under User Metadata): app, platform
 * and install time, never device ids. A workflow first started by an event (before the signup) does not know
 * them yet, and says where to look instead.
 */
export function staticSummary(userId: string, install?: InstallContext): string {
  return install
    ? `user ${userId} · ${install.app} (${install.platform}) · installed ${install.installedAt}`
    : `user ${userId} · started by an event before the signup: app and install time in Current Details`;
}

/** The workflow's static details (markdown): what this workflow is and where to look, with UI filter links. */
export function staticDetails(userId: string, install?: InstallContext): string {
  const quoted = `'${userId}'`; // user ids hold no quotes (domain/fields.ts)
  return uiLines([
    `s2s-relay user workflow of **${mdText(userId)}**${install ? ` · app ${mdText(install.app)} (${install.platform}) · installed ${install.installedAt}` : ''}`,
    'Send activities are summarised as "vendor event id amount"; their results hold the vendor\'s answer. Current Details show each lane.',
    `CLI: \`s2s status ${userId}\` · \`s2s history ${userId}\` · \`s2s redrive ${userId}\``,
    `${uiQueryLink('all runs of this user', `${SA.userId.name} = ${quoted}`)} · ${uiQueryLink('users with dead letters', `${SA.deadLetters.name} > 0`)} · ${uiQueryLink('users with pending deliveries', `${SA.pending.name} > 0`)}`,
  ]);
}

export class RelayClient {
  constructor(
    readonly client: Client,
    readonly options: RelayClientOptions,
  ) {}

  /** Connects with the environment's settings (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, ...). */
  static async connect(settings: TemporalSettings = readTemporalSettings()): Promise<RelayClient> {
    const connection = await Connection.connect({ ...connectionOptions(settings), connectTimeout: 5_000 });
    return new RelayClient(new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE }), { taskQueue: settings.TEMPORAL_TASK_QUEUE });
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }

  handle(userId: string): WorkflowHandle<typeof userWorkflow> {
    return this.client.workflow.getHandle<typeof userWorkflow>(userWorkflowId(userId));
  }

  private startOptions(userId: string, install?: InstallContext): WorkflowStartOptions<typeof userWorkflow> & { workflowIdConflictPolicy: 'USE_EXISTING' } {
    return {
      workflowId: userWorkflowId(userId),
      taskQueue: this.options.taskQueue,
      args: [{ userId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: SA.userId, value: userId },
        ...(install ? [{ key: SA.app, value: install.app }] : []),
      ],
      staticSummary: staticSummary(userId, install),
      staticDetails: staticDetails(userId, install),
    };
  }

  private startOperation(userId: string, install?: InstallContext): WithStartWorkflowOperation<typeof userWorkflow> {
    return new WithStartWorkflowOperation<typeof userWorkflow>(USER_WORKFLOW_TYPE, this.startOptions(userId, install));
  }

  /** Starts the user's workflow if needed and records the install context. A second signup is not an error. */
  async signup(input: InstallContextInput): Promise<SignupAnswer> {
    const install = parseOrThrow(InstallContext, input, 'signup');
    return this.client.workflow.executeUpdateWithStart(signupUpdate, {
      args: [install],
      startWorkflowOperation: this.startOperation(install.userId, install),
    });
  }

  /** Signal form of signup: signal-with-start, fire and forget. */
  async signupSignal(input: InstallContextInput): Promise<void> {
    const install = parseOrThrow(InstallContext, input, 'signup');
    await this.signalWithStart(install.userId, installSignal.name, install, install);
  }

  /** Records an event and answers once the workflow accepted it (or found it a duplicate). */
  async track(input: TrackEventInput): Promise<MessageAnswer> {
    const event = parseOrThrow(TrackEvent, input, 'track event');
    return this.client.workflow.executeUpdateWithStart(trackUpdate, {
      args: [event],
      startWorkflowOperation: this.startOperation(event.userId),
    });
  }

  /** Fire-and-forget form of track: signal-with-start, so an event racing the signup is never lost. */
  async trackSignal(input: TrackEventInput): Promise<void> {
    const event = parseOrThrow(TrackEvent, input, 'track event');
    await this.signalWithStart(event.userId, trackSignal.name, event);
  }

  /** Records a refund; rejected at once when the purchase is unknown or the amount exceeds what remains. */
  async refund(input: RefundInput): Promise<MessageAnswer> {
    const refund = parseOrThrow(Refund, input, 'refund');
    return this.existing(refund.userId, () => this.handle(refund.userId).executeUpdate(refundUpdate, { args: [refund] }));
  }

  /** Fire-and-forget refund. A refund for a purchase not known yet is held for a while, then dead-lettered. */
  async refundSignal(input: RefundInput): Promise<void> {
    const refund = parseOrThrow(Refund, input, 'refund');
    await this.existing(refund.userId, () => this.handle(refund.userId).signal(refundSignal, refund));
  }

  async status(userId: string): Promise<UserStatus> {
    return this.existing(userId, () => this.handle(userId).query(statusQuery));
  }

  async timeline(userId: string): Promise<TimelineEntry[]> {
    return this.existing(userId, () => this.handle(userId).query(timelineQuery));
  }

  async redrive(userId: string, deliveryIds: string[] = []): Promise<RedriveAnswer> {
    return this.existing(userId, () => this.handle(userId).executeUpdate(redriveUpdate, { args: [{ deliveryIds }] }));
  }

  private async signalWithStart(userId: string, signal: string, arg: unknown, install?: InstallContext): Promise<void> {
    const { workflowIdConflictPolicy: _always, ...options } = this.startOptions(userId, install);
    await this.client.workflow.signalWithStart<typeof userWorkflow, [unknown]>(USER_WORKFLOW_TYPE, {
      ...options,
      args: [{ userId }],
      signal,
      signalArgs: [arg],
    });
  }

  private async existing<T>(userId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new UnknownUserError(userId);
      throw error;
    }
  }
}

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

/**
 * The visibility queries operators use, in the Temporal UI's filter box as in scripts. Visibility is
 * eventually consistent: a change shows up within about a second.
 */
export const OPS_QUERIES = {
  deadLetters: `${SA.deadLetters.name} > 0`,
  pending: `${SA.pending.name} > 0`,
  laneStopped: `${SA.state.name} = 'lane stopped'`,
  waitingForInstall: `${SA.state.name} = 'waiting for install'`,
  user: (userId: string) => `${SA.userId.name} = '${userId}'`,
  /** Everything that needs attention: dead letters, a stopped lane, or deliveries not finished. */
  needsAttention: `${SA.deadLetters.name} > 0 OR ${SA.state.name} = 'lane stopped' OR ${SA.pending.name} > 0`,
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
  return users.map(({ userId, workflowId, deadLetters, state, app }) => ({ userId, workflowId, deadLetters, ...(state !== undefined ? { state } : {}), ...(app !== undefined ? { app } : {}) }));
}
