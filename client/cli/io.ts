// The CLI's connection to the world: stdout/stderr/stdin, the Temporal connection from the environment, the
// bounded wait for a worker's answer, and how any error becomes a message and an exit code.
import fs from 'node:fs';
import { isGrpcServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { z } from 'zod';
import { describeZod } from '../../domain/contract/issues';
import { readPayloadEncryption, type PayloadEncryption } from '../../codec/payload-encryption';
import { readTemporalSettings, type TemporalSettings } from '../connection';
import {
  CliError,
  EXIT,
  RelayClosedWorkflowError,
  RelayInputError,
  RelayNotClosedError,
  RelayRejectedError,
  RelayUnknownUserError,
  RelayWorkflowNotReadyError,
} from '../errors';
import { RelayClient } from '../relay-client';
import { USAGE } from './args';

/** How long the CLI waits for a worker to answer a query or an update before it says none did. */
export const ANSWER_TIMEOUT_MS = 20_000;

/** The CLI's own settings (the connection's are in client/connection.ts). */
export const CliEnv = z.object({
  /** Seconds to wait for a worker's answer (default ANSWER_TIMEOUT_MS). */
  S2S_CLI_TIMEOUT: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce
      .number({ error: 'must be a number of seconds, e.g. 20 or 2.5' })
      .positive('must be more than 0 seconds')
      .max(3600, 'must be at most 3600 seconds')
      .default(ANSWER_TIMEOUT_MS / 1000),
  ),
});
export type CliEnv = z.infer<typeof CliEnv>;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  stdin(): string;
  connect(): Promise<RelayClient>;
  /** How long to wait for a worker to answer a query or an update (default ANSWER_TIMEOUT_MS). */
  answerTimeoutMs?: number;
  /** Writes to stderr as is, without a newline (progress bars); absent: progress goes through err(). */
  errWrite?(text: string): void;
  /** stderr is a terminal: progress is a bar redrawn in place. */
  errIsTTY?: boolean;
  /** The environment commands read their own settings from (S2S_APP_CONFIG, S2S_AUDIT_LOG); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** How a command prints its answer: as text, or with --json one JSON value per line (a list: one line per item). */
export interface Output {
  json: boolean;
  print(value: unknown, human: string): void;
  list(values: readonly unknown[], human: string): void;
}

export function output(io: CliIo, json: boolean): Output {
  return {
    json,
    print: (value, human) => io.out(json ? JSON.stringify(value) : human),
    list: (values, human) => {
      if (!json) io.out(human);
      else for (const value of values) io.out(JSON.stringify(value));
    },
  };
}

/**
 * Connects as the environment says, encrypting payloads like the workers when S2S_PAYLOAD_KEYS is set: invalid
 * settings are invalid input (2), an unreachable server a failure (1).
 */
export async function connectFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<RelayClient> {
  let settings: TemporalSettings;
  let encryption: PayloadEncryption;
  try {
    settings = readTemporalSettings(env);
    encryption = readPayloadEncryption(env);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.invalidInput, 'invalid-settings');
  }
  try {
    return await RelayClient.connect(settings, { dataConverter: encryption.dataConverter });
  } catch (error) {
    throw new CliError(
      `cannot reach Temporal at ${settings.TEMPORAL_ADDRESS} (namespace ${settings.TEMPORAL_NAMESPACE}): ${describeError(error)}. Is the server running (\`npm start\` starts one) and is TEMPORAL_ADDRESS right?`,
      EXIT.failure,
      'temporal-unreachable',
    );
  }
}

/** The CLI's io for the real process; an invalid S2S_CLI_TIMEOUT is invalid input (2), reported when a command connects. */
export function processIo(env: NodeJS.ProcessEnv = process.env): CliIo {
  const cliEnv = CliEnv.safeParse(env);
  return {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    stdin: () => fs.readFileSync(0, 'utf8'),
    errWrite: (t) => process.stderr.write(t),
    errIsTTY: process.stderr.isTTY === true,
    env,
    connect: () => {
      if (!cliEnv.success) return Promise.reject(new CliError(`invalid CLI settings: ${describeZod(cliEnv.error)}`, EXIT.invalidInput, 'invalid-settings'));
      return connectFromEnv(env);
    },
    ...(cliEnv.success ? { answerTimeoutMs: cliEnv.data.S2S_CLI_TIMEOUT * 1000 } : {}),
  };
}

const GRPC_CANCELLED = 1;
export const GRPC_INVALID_ARGUMENT = 3;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNIMPLEMENTED = 12;
const GRPC_UNAVAILABLE = 14;

/** The gRPC status code of an error or of its cause (the SDK wraps them in ServiceError). */
export function grpcCode(error: unknown): number | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return undefined;
}

/** An error's message with its causes ("Failed to query Workflow: 14 UNAVAILABLE: ..."), without repeats. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = e instanceof Error ? e.message : String(e);
    if (message && !parts.some((p) => p.includes(message))) parts.push(message);
    if (!(e instanceof Error)) break;
  }
  return parts.join(': ') || 'unknown error';
}

/** Waits for a worker's answer at most `timeoutMs`; says so when none came (no worker running for the task queue). */
export async function withWorker<T>(
  client: RelayClient,
  timeoutMs: number,
  what: { action: string; update?: { subject: string; userId: string; started: boolean } },
  call: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  try {
    return await client.client.connection.withDeadline(deadline, call);
  } catch (error) {
    // Past the deadline the call ends DEADLINE_EXCEEDED or, cancelled by it, CANCELLED.
    const timedOut = grpcCode(error) === GRPC_DEADLINE_EXCEEDED || (grpcCode(error) === GRPC_CANCELLED && Date.now() >= deadline);
    if (!(error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || timedOut)) throw error;
    const noWorker = `${what.action}: no worker answered within ${timeoutMs / 1000} s. Is an s2s-relay worker running for task queue "${client.options.taskQueue}"? (\`npm start\` or \`npm run worker\`)`;
    const u = what.update;
    if (!u) throw new CliError(noWorker, EXIT.failure, 'no-worker');
    // An update no worker has taken yet is held by the server in memory, not durably: it may still apply, or be lost.
    const state = u.started
      ? ` The user's workflow is running (started now if it was not), but ${u.subject} is not recorded in it yet:`
      : ` ${u.subject[0]?.toUpperCase()}${u.subject.slice(1)} is not recorded in the user's workflow yet:`;
    throw new CliError(
      `${noWorker}.${state} the server holds the update in memory, not durably, so a worker that starts soon may still apply it, or it may be lost. ` +
        `Once a worker runs, check with \`s2s status ${u.userId}\` and send it again if needed (a repeat is recognised, not applied twice).`,
      EXIT.failure,
      'no-worker',
    );
  }
}

export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof RelayInputError) return new CliError(error.message, EXIT.invalidInput, 'invalid-input');
  if (error instanceof RelayRejectedError) return new CliError(error.message, EXIT.invalidInput, error.reason);
  if (error instanceof RelayUnknownUserError) return new CliError(error.message, EXIT.unknownUser, 'unknown-user');
  if (error instanceof RelayClosedWorkflowError) return new CliError(error.message, EXIT.closedWorkflow, 'closed-workflow');
  if (error instanceof RelayNotClosedError) return new CliError(error.message, EXIT.invalidInput, 'not-closed');
  if (error instanceof RelayWorkflowNotReadyError) return new CliError(error.message, EXIT.failure, 'workflow-task-failing');
  const message = describeError(error);
  const code = grpcCode(error);
  if (code === GRPC_UNAVAILABLE || code === GRPC_UNIMPLEMENTED) {
    return new CliError(
      `Temporal did not answer as a Temporal frontend: ${message}. Is the server running (\`npm start\` starts one) and is TEMPORAL_ADDRESS right?`,
      EXIT.failure,
      'temporal-unreachable',
    );
  }
  return new CliError(message, EXIT.failure, 'failure');
}

export function reportError(error: unknown, io: CliIo, json: boolean, usage = false): number {
  const e = toCliError(error);
  if (json)
    io.err(
      JSON.stringify({
        error: {
          exitCode: e.exitCode,
          kind: e.type,
          message: e.message,
          ...(error instanceof RelayInputError || error instanceof RelayRejectedError ? { issues: error.issues } : {}),
        },
      }),
    );
  else io.err(`s2s: ${e.message}${usage ? `\n\n${USAGE}` : ''}`);
  return e.exitCode;
}
