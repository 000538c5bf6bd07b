// Every exception the client raises, in one module, so a backend can catch them without Temporal's classes.
// Each has a `name` (its class) and a `type` (the failure type a workflow answers with, or the client's own),
// and says what to do about it.
import { describeIssues, type FieldIssue } from '../domain/contract/issues';

export abstract class RelayError extends Error {
  abstract readonly type: string;
}

/** The message breaks a contract rule (checked in this process, or by the workflow). Fix the message; do not retry it as is. */
export class RelayInputError extends RelayError {
  override readonly name = 'RelayInputError';
  readonly type = 'RelayInputError';
  constructor(
    /** Which message: signup, track, refund, adRevenue, redrive, forget. */
    readonly what: string,
    readonly issues: FieldIssue[],
  ) {
    super(`invalid ${what}: ${describeIssues(issues)}`);
  }
}

/** The message is valid but the user's state refuses it: e.g. `unknown-purchase`, `over-refund`, `backlog-full`. */
export class RelayRejectedError extends RelayError {
  override readonly name = 'RelayRejectedError';
  readonly type = 'RelayRejectedError';
  constructor(
    readonly what: string,
    /** Machine-readable reason. */
    readonly reason: string,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

/** No workflow for this user: sign the user up (or track an event) first. */
export class RelayUnknownUserError extends RelayError {
  override readonly name = 'RelayUnknownUserError';
  readonly type = 'RelayUnknownUserError';
  constructor(readonly userId: string) {
    super(`no s2s-relay workflow for user "${userId}": sign the user up (or track an event) first`);
  }
}

/**
 * The user's workflow is closed (terminated, failed, timed out, or completed by `forget`) and is never
 * silently replaced by an empty one: an operator recovers it from its last state with `s2s recover <userId>`.
 */
export class RelayClosedWorkflowError extends RelayError {
  override readonly name = 'RelayClosedWorkflowError';
  readonly type = 'RelayClosedWorkflowError';
  constructor(
    readonly userId: string,
    /** Temporal's execution status, e.g. TERMINATED, FAILED. */
    readonly status: string,
    readonly runId?: string,
  ) {
    super(
      `the workflow of user "${userId}" is closed (${status}${runId ? `, run ${runId}` : ''}); it is not replaced by an empty one. ` +
        `Find out why in its history, then run \`s2s recover ${userId}\` to start a new run from its last state`,
    );
  }
}

/**
 * The user's workflow task kept failing for the client's whole retry time (about 30 s): the server refuses updates
 * meanwhile. Workers crashing or restarting in a loop, or a workflow bug: the history shows which. Retry later.
 */
export class RelayWorkflowNotReadyError extends RelayError {
  override readonly name = 'RelayWorkflowNotReadyError';
  readonly type = 'RelayWorkflowNotReadyError';
  constructor(
    readonly userId: string,
    readonly what: string,
    cause?: unknown,
  ) {
    super(
      `${what} for user "${userId}" was not taken: the user's workflow task keeps failing (the server refuses updates until it succeeds). ` +
        `Look at the workflow's history in the Temporal UI (worker crashes, or a workflow bug), then send it again`,
    );
    this.cause = cause;
  }
}

/** A recovery was asked for a user whose workflow is still running (nothing to recover). */
export class RelayNotClosedError extends RelayError {
  override readonly name = 'RelayNotClosedError';
  readonly type = 'RelayNotClosedError';
  constructor(readonly userId: string) {
    super(`the workflow of user "${userId}" is running; there is nothing to recover`);
  }
}

/** The CLI's exit codes (also in `s2s --help`). */
export const EXIT = {
  ok: 0,
  /** Temporal unreachable, no worker answering, or another failure. */
  failure: 1,
  /** The input breaks the contract, or the workflow refused it (unknown purchase, backlog full...). */
  invalidInput: 2,
  /** The id was accepted before with different content: the first message counts, this one was not recorded. */
  conflictingDuplicate: 3,
  unknownUser: 4,
  /** The user's workflow is closed: `s2s recover <userId>`. */
  closedWorkflow: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports with a chosen exit code and message (no stack, no wrapping). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** Machine-readable kind, e.g. invalid-input, no-worker, temporal-unreachable. */
    readonly type: string,
  ) {
    super(message);
  }
}
