// The typed client a backend imports: sign a user up, track events, refunds and ad revenue (as answered
// updates or fire-and-forget signals), read a user's status and timeline, redrive dead letters, and recover
// a closed workflow. Every message is checked against the contract here, before anything reaches Temporal;
// what the workflow refuses comes back as the same typed errors (client/errors.ts).
import {
  Client,
  Connection,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, type DataConverter } from '@temporalio/common';
import { readPayloadEncryption } from '../codec/payload-encryption';
import { checkMessage, type MessageName, type MessageOf, type RuleContext } from '../domain/contract';
import type { AdRevenue, Forget, Redrive, Refund, Track } from '../domain/contract/messages';
import type { Signup } from '../domain/contract/install';
import { DEFAULT_POLICY, publicAppConfig, type RelayConfig } from '../domain/config';
import type { RefusalDetails } from '../domain/errors';
import { SA, type PublishedState } from '../domain/search-attributes';
import type { UserSnapshot } from '../domain/snapshot';
import type { ForgetAnswer, MessageAnswer, RedriveAnswer, SignupAnswer, TimelineEntry, UserStatus } from '../domain/status';
import { queries, signals, updates, userWorkflowId, USER_WORKFLOW_TYPE, type UserWorkflowInput } from '../domain/workflow-api';
import { connectionOptions, readTemporalSettings, type TemporalSettings } from './connection';
import {
  RelayClosedWorkflowError,
  RelayInputError,
  RelayNotClosedError,
  RelayRejectedError,
  RelayUnknownUserError,
  RelayWorkflowNotReadyError,
} from './errors';
import { forgetUser, type ForgetOptions, type ForgetResult } from './forget';
import { staticDetails, staticSummary } from './workflow-metadata';

type UserWorkflow = (input: UserWorkflowInput) => Promise<void>;

export interface RelayClientOptions {
  taskQueue: string;
  /**
   * The relay configuration, when this process has it: signups are then also checked against their app's rules
   * (known app, platform, identifiers, osVersion, AppsFlyer's size limit) before they are sent. Without it the
   * workflow checks them and answers the same errors.
   */
  config?: RelayConfig;
  /** The clock the time rules use (tests). */
  now?: () => number;
  /** Deletes the user's delivery-ledger entries by user hash when a user is forgotten (see forget()); absent: no ledger. */
  forgetLedgerEntries?: (userHash: string) => Promise<number>;
}

export interface RecoverAnswer {
  userId: string;
  closedRunId: string;
  closedStatus: string;
  runId: string;
  /** What the new run starts with. */
  carried: { pending: number; deadLetters: number; dedupEntries: number };
}

/**
 * Checks a message against the contract with what the caller knows: the clock always, and the app's rules
 * when the relay configuration is given. Throws RelayInputError naming every field and rule broken.
 */
export function checkInput<K extends MessageName>(name: K, input: unknown, options: Pick<RelayClientOptions, 'config' | 'now'> = {}): MessageOf<K> {
  const config = options.config;
  const ctx: RuleContext = { nowMs: (options.now ?? Date.now)(), policy: config?.policy ?? DEFAULT_POLICY };
  const appKey = name === 'signup' && typeof input === 'object' && input !== null ? (input as { app?: unknown }).app : undefined;
  if (config && typeof appKey === 'string') {
    ctx.appKey = appKey;
    const app = config.apps[appKey];
    if (app) ctx.app = publicAppConfig(app);
    else ctx.appProblem = `app "${appKey}" is not in the relay configuration (configured: ${Object.keys(config.apps).join(', ')})`;
  }
  const result = checkMessage(name, input, ctx);
  if (!result.ok) throw new RelayInputError(name, result.issues);
  return result.value;
}

export class RelayClient {
  constructor(
    readonly client: Client,
    readonly options: RelayClientOptions,
  ) {}

  /**
   * Connects with the environment's settings (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, ...). Payloads are
   * encrypted like the workers' when S2S_PAYLOAD_KEYS (or S2S_PAYLOAD_KEYS_FILE) is set (docs/privacy.md).
   */
  static async connect(
    settings: TemporalSettings = readTemporalSettings(),
    options: Partial<RelayClientOptions> & { dataConverter?: DataConverter } = {},
  ): Promise<RelayClient> {
    const { dataConverter = readPayloadEncryption().dataConverter, ...clientOptions } = options;
    const connection = await Connection.connect({ ...connectionOptions(settings), connectTimeout: 5_000 });
    return new RelayClient(new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE, dataConverter }), {
      taskQueue: settings.TEMPORAL_TASK_QUEUE,
      ...clientOptions,
    });
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }

  handle(userId: string, runId?: string): WorkflowHandle<UserWorkflow> {
    return this.client.workflow.getHandle<UserWorkflow>(userWorkflowId(userId), runId);
  }

  /** Checks a message against the contract with what this process knows (the clock; the app's rules when configured). */
  check<K extends MessageName>(name: K, input: unknown): MessageOf<K> {
    return checkInput(name, input, this.options);
  }

  // ---- messages ----

  /** Starts the user's workflow if needed and records the install context; a repeat fills in missing optional fields. */
  async signup(input: Signup): Promise<SignupAnswer> {
    const signup = this.check('signup', input);
    return this.call(signup.userId, 'signup', () =>
      this.client.workflow.executeUpdateWithStart(updates.signup, { args: [signup], startWorkflowOperation: this.startOperation(signup.userId, signup) }),
    );
  }

  /** Signal form of signup (signal-with-start): fire and forget; a refused signup is recorded in the user's status. */
  async signupSignal(input: Signup): Promise<void> {
    const signup = this.check('signup', input);
    await this.signalWithStart(signup.userId, signals.signup.name, signup, signup);
  }

  /** Records an event; answers once the workflow accepted it (or found it a duplicate). */
  async track(input: Track): Promise<MessageAnswer> {
    const track = this.check('track', input);
    return this.call(track.userId, 'track', () =>
      this.client.workflow.executeUpdateWithStart(updates.track, { args: [track], startWorkflowOperation: this.startOperation(track.userId) }),
    );
  }

  /** Fire-and-forget track (signal-with-start), so an event that races the signup is never lost. */
  async trackSignal(input: Track): Promise<void> {
    const track = this.check('track', input);
    await this.signalWithStart(track.userId, signals.track.name, track);
  }

  /** Records an ad-revenue report for Adjust's /ad_revenue (the app must enable adjust.adRevenue). */
  async adRevenue(input: AdRevenue): Promise<MessageAnswer> {
    const ad = this.check('adRevenue', input);
    return this.call(ad.userId, 'adRevenue', () =>
      this.client.workflow.executeUpdateWithStart(updates.adRevenue, { args: [ad], startWorkflowOperation: this.startOperation(ad.userId) }),
    );
  }

  async adRevenueSignal(input: AdRevenue): Promise<void> {
    const ad = this.check('adRevenue', input);
    await this.signalWithStart(ad.userId, signals.adRevenue.name, ad);
  }

  /** Records a refund; refused at once (RelayRejectedError) for an unknown purchase, another currency or too much. */
  async refund(input: Refund): Promise<MessageAnswer> {
    const refund = this.check('refund', input);
    return this.call(refund.userId, 'refund', () => this.handle(refund.userId).executeUpdate(updates.refund, { args: [refund] }));
  }

  /** Fire-and-forget refund; one for a purchase not known yet is held for a while, then dead-lettered. */
  async refundSignal(input: Refund): Promise<void> {
    const refund = this.check('refund', input);
    await this.call(refund.userId, 'refund', () => this.handle(refund.userId).signal(signals.refund, refund));
  }

  // ---- operations ----

  /**
   * The user's status (a query). With no worker alive to answer, the server holds a query (about 30 s here); bound it
   * (`client.connection.withDeadline`, as the CLI does): a query left waiting through a worker crash can make the
   * workflow's next task decide on a stale clock (docs/fault-tolerance.md, "The stale clock").
   */
  async status(userId: string): Promise<UserStatus> {
    return this.call(userId, 'status', () => this.handle(userId).query(queries.status));
  }

  async timeline(userId: string): Promise<TimelineEntry[]> {
    return this.call(userId, 'timeline', () => this.handle(userId).query(queries.timeline));
  }

  /** Re-queues dead letters (all of the user's when `ids` is empty). */
  async redrive(userId: string, ids: string[] = []): Promise<RedriveAnswer> {
    const request: Redrive = this.check('redrive', ids.length > 0 ? { ids } : {});
    return this.call(userId, 'redrive', () => this.handle(userId).executeUpdate(updates.redrive, { args: [request] }));
  }

  /**
   * Erases the user (client/forget.ts): stops the workflow's deliveries, deletes every run of it (waiting until
   * visibility shows none) and appends an audit record holding the user id's hash only. A signup afterwards
   * starts afresh. Vendor-side erasure stays the app's duty (docs/operations.md).
   */
  async forget(userId: string, options: ForgetOptions = {}): Promise<ForgetResult> {
    return forgetUser(this, userId, { ...(this.options.forgetLedgerEntries ? { forgetLedgerEntries: this.options.forgetLedgerEntries } : {}), ...options });
  }

  /** The `forget` update alone: the workflow stops its lanes and completes (forget() also deletes its runs). */
  async forgetUpdate(input: Forget): Promise<ForgetAnswer> {
    const request = this.check('forget', input);
    return this.call(request.userId, 'forget', () => this.handle(request.userId).executeUpdate(updates.forget, { args: [request] }));
  }

  /**
   * Starts a new run of a closed user workflow (terminated, failed, timed out) from the closed run's last
   * state, read with its `snapshot` query (a worker replays the closed run to answer). Never touches a running one.
   */
  async recover(userId: string): Promise<RecoverAnswer> {
    const description = await this.describe(userId);
    if (!description) throw new RelayUnknownUserError(userId);
    if (description.status === 'RUNNING') throw new RelayNotClosedError(userId);
    const snapshot = await this.handle(userId, description.runId).query(queries.snapshot);
    const install = snapshot.install;
    const handle = await this.client.workflow.start<UserWorkflow>(USER_WORKFLOW_TYPE, {
      ...this.startOptions(userId, install, snapshot.deadLetters.length > 0 ? undefined : install ? 'ok' : 'waiting for install'),
      args: [{ userId, snapshot }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    return {
      userId,
      closedRunId: description.runId,
      closedStatus: description.status,
      runId: handle.firstExecutionRunId,
      carried: {
        pending: pendingOf(snapshot),
        deadLetters: snapshot.deadLetters.length,
        dedupEntries: Object.values(snapshot.dedup.days).reduce((n, s) => n + s.length / 16, 0),
      },
    };
  }

  /** The latest run's id and status (RUNNING, TERMINATED, ...), or undefined when the user has none. */
  async describe(userId: string): Promise<{ runId: string; status: string } | undefined> {
    try {
      const d = await this.handle(userId).describe();
      return { runId: d.runId, status: d.status.name };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  // ---- Temporal plumbing ----

  private startOptions(
    userId: string,
    install?: Signup,
    state?: PublishedState,
  ): WorkflowStartOptions<UserWorkflow> & { workflowIdConflictPolicy: 'USE_EXISTING' } {
    return {
      workflowId: userWorkflowId(userId),
      taskQueue: this.options.taskQueue,
      args: [{ userId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      // A closed run is never silently replaced by an empty one: starting fails, and `recover` starts the new run.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: SA.userId, value: userId },
        ...(install ? [{ key: SA.app, value: install.app }] : []),
        ...(state ? [{ key: SA.state, value: state }] : [{ key: SA.state, value: install ? 'ok' : 'waiting for install' }]),
        { key: SA.pending, value: 0 },
        { key: SA.deadLetters, value: 0 },
      ],
      staticSummary: staticSummary(userId, install),
      staticDetails: staticDetails(userId, install),
    };
  }

  private startOperation(userId: string, install?: Signup): WithStartWorkflowOperation<UserWorkflow> {
    return new WithStartWorkflowOperation<UserWorkflow>(USER_WORKFLOW_TYPE, this.startOptions(userId, install));
  }

  private async signalWithStart(userId: string, signal: string, arg: unknown, install?: Signup): Promise<void> {
    const { workflowIdConflictPolicy: _always, ...options } = this.startOptions(userId, install);
    await this.call(userId, signal, () =>
      this.client.workflow.signalWithStart<UserWorkflow, [unknown]>(USER_WORKFLOW_TYPE, { ...options, signal, signalArgs: [arg] }),
    );
  }

  /** Runs a call and turns Temporal's errors into the client's: refusals, a closed workflow, an unknown user. */
  private async call<T>(userId: string, what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        // The server refuses updates while the user's workflow task is being retried after two failed or lost
        // attempts (e.g. workers killed mid-task); the retry usually succeeds within seconds, and nothing of this
        // call was admitted, so it is sent again (a message that did get through is answered `duplicate`).
        if (!workflowTaskFailing(error)) throw await this.translate(userId, what, error);
        const delay = NOT_READY_RETRY_DELAYS_MS[attempt];
        if (delay === undefined) throw new RelayWorkflowNotReadyError(userId, what, error);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async translate(userId: string, what: string, error: unknown): Promise<unknown> {
    const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && (cause.type === 'RelayInputError' || cause.type === 'RelayRejectedError')) {
      const details = cause.details?.[0] as RefusalDetails | undefined;
      const issues = details?.issues ?? [{ path: '(message)', message: cause.message }];
      return cause.type === 'RelayInputError'
        ? new RelayInputError(details?.message ?? what, issues)
        : new RelayRejectedError(details?.message ?? what, details?.reason ?? 'rejected', cause.message, issues);
    }
    if (error instanceof WorkflowExecutionAlreadyStartedError || error instanceof WorkflowNotFoundError || isClosedError(error)) {
      const latest = await this.describe(userId).catch(() => undefined);
      if (latest && latest.status !== 'RUNNING') return new RelayClosedWorkflowError(userId, latest.status, latest.runId);
      if (!latest) return new RelayUnknownUserError(userId);
    }
    return error;
  }
}

/** Waits between sends of an update the server refused because the workflow task is failing: about 30 s in all. */
const NOT_READY_RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000, 15_000];

/** The server's refusal of an update while the workflow task is failing ("Workflow Task in failed state"). */
export function workflowTaskFailing(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (/workflow task in failed state/i.test(e.message)) return true;
  }
  return false;
}

/** Temporal's answer to a signal or update on a closed run ("workflow execution already completed"). */
function isClosedError(error: unknown): boolean {
  return error instanceof Error && /already (completed|finished)/i.test(error.message);
}

function pendingOf(s: UserSnapshot): number {
  return s.held.length + s.orphanRefunds.length + s.lanes.adjust.queue.length + s.lanes.appsflyer.queue.length;
}
