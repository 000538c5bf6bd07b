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
      staticSummary: install ? `user ${userId} · ${install.app} (${install.platform}) · installed ${install.installedAt}` : `user ${userId}`,
      staticDetails: `s2s-relay user workflow for **${userId}**. Query \`status\` or run \`s2s status ${userId}\` for lanes, dead letters and counters.`,
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

/** Users whose workflows hold dead letters (visibility query `S2SDeadLetters > 0`), newest first. */
export async function usersWithDeadLetters(relay: RelayClient, limit = 100): Promise<DeadLetterUser[]> {
  const users: DeadLetterUser[] = [];
  const query = `${SA.deadLetters.name} > 0 AND ExecutionStatus = 'Running'`;
  for await (const wf of relay.client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
    const attrs = wf.typedSearchAttributes;
    users.push({
      userId: attrs.get(SA.userId) ?? wf.workflowId,
      workflowId: wf.workflowId,
      deadLetters: attrs.get(SA.deadLetters) ?? 0,
      ...(attrs.get(SA.state) !== undefined ? { state: attrs.get(SA.state) as string } : {}),
      ...(attrs.get(SA.app) !== undefined ? { app: attrs.get(SA.app) as string } : {}),
    });
    if (users.length >= limit) break;
  }
  return users;
}
