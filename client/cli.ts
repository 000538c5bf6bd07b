// The `s2s` command line: the backend's operations (signup, track, refund) and the operator's (status,
// history, dead-letters, redrive), validated with zod before anything reaches Temporal. Human-readable
// output by default, --json for scripts (errors too: one JSON object on stderr). Exit codes: 0 ok,
// 1 failure (Temporal unreachable, no worker answering, ...), 2 invalid input or rejected by the workflow,
// 3 not implemented, 4 unknown user.
import fs from 'node:fs';
import { isGrpcServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { UserId } from '../domain/fields';
import { describeIssues } from '../domain/event';
import type { DeadLetterView, TimelineEntry } from '../domain/status';
import { readTemporalSettings, type TemporalSettings } from './connection';
import { formatDeadLetter, formatMessageAnswer, formatRedrive, formatSignup, formatStatus, formatTimeline } from './format';
import { RelayClient, UnknownUserError, usersWithDeadLetters, type DeadLetterUser } from './relay-client';

export const EXIT = { ok: 0, failure: 1, invalidInput: 2, notImplemented: 3, unknownUser: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * How long the CLI waits for a worker to answer (queries: status, history, dead-letters; updates: signup, track,
 * refund, redrive) before it says that no worker answered. S2S_CLI_TIMEOUT (seconds) changes it.
 */
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

/** An error the CLI reports with a chosen exit code and message (no stack, no wrapping). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly kind: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

const inputError = (message: string) => new CliError(message, EXIT.invalidInput, 'invalid-input');

const USAGE = `usage: s2s <command> [arguments] [--json]

backend commands (the JSON document is an argument, or - to read it from stdin):
  signup <json|->          start the user's workflow (idempotent) with the install context
  track <json|->           record an event (purchase, renewal, ...); --signal for fire-and-forget
  refund <json|->          record a refund of an earlier purchase; --signal for fire-and-forget

operator commands:
  status <userId>          install state, gate, lanes, dead letters, counters
  history <userId> [id ...]
                           deliveries per vendor: when each vendor got each event/refund (only these ids if given)
  dead-letters [--limit N] users with dead letters (visibility query S2SDeadLetters > 0 on this task queue), with reasons
  redrive <userId> [deliveryId ...]
                           re-queue dead letters (all of the user's when no ids are given)

options: --json  print JSON (errors: {"error":{...}} on stderr);  --signal  use a signal instead of an update (track, refund)
environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_TASK_QUEUE (s2s-relay), TLS settings (see README),
             S2S_CLI_TIMEOUT (20): seconds to wait for a worker to answer a query or an update
exit codes: 0 ok, 1 failure (e.g. Temporal unreachable, no worker answering), 2 invalid input or rejected by the workflow,
            3 not implemented, 4 unknown user`;

interface Parsed {
  command?: string;
  args: string[];
  json: boolean;
  signal: boolean;
  limit: number;
  help: boolean;
}

export function parseArgs(argv: string[]): Parsed {
  const parsed: Parsed = { args: [], json: false, signal: false, limit: 100, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--json') parsed.json = true;
    else if (arg === '--signal') parsed.signal = true;
    else if (arg === '--help' || arg === '-h') parsed.help = true;
    else if (arg === '--limit' || arg.startsWith('--limit=')) {
      const raw = arg === '--limit' ? argv[++i] : arg.slice('--limit='.length);
      const n = Number(raw);
      if (raw === undefined || raw === '' || !Number.isInteger(n) || n < 1 || n > 10_000) throw inputError('--limit must be a whole number from 1 to 10000');
      parsed.limit = n;
    } else if (arg.startsWith('--')) throw inputError(`unknown option ${arg}`);
    else if (parsed.command === undefined) parsed.command = arg;
    else parsed.args.push(arg);
  }
  return parsed;
}

function readDocument(arg: string | undefined, command: string, stdin: () => string): unknown {
  if (arg === undefined) throw inputError(`${command} needs a JSON document as its argument, or - to read it from stdin`);
  const text = arg === '-' ? stdin() : arg;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw inputError(`${command}: the ${arg === '-' ? 'input on stdin' : 'argument'} is not valid JSON (${(error as Error).message})`);
  }
}

function userIdArg(arg: string | undefined, command: string): string {
  if (arg === undefined) throw inputError(`${command} needs a userId`);
  const result = UserId.safeParse(arg);
  if (!result.success) throw inputError(`${command}: ${result.error.issues.map((i) => i.message).join('; ')} (got "${arg}")`);
  return result.data;
}

function tooMany(args: string[], max: number, command: string): void {
  if (args.length > max) throw inputError(`${command}: unexpected argument(s) ${args.slice(max).join(' ')}`);
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  stdin(): string;
  connect(): Promise<RelayClient>;
  /** How long to wait for a worker to answer a query or an update (default ANSWER_TIMEOUT_MS). */
  answerTimeoutMs?: number;
}

/**
 * Connects as the environment says. Invalid settings are invalid input (2); an unreachable server is a
 * failure (1) with a message that says where the CLI looked and what to check.
 */
export async function connectFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<RelayClient> {
  let settings: TemporalSettings;
  try {
    settings = readTemporalSettings(env);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.invalidInput, 'invalid-settings');
  }
  try {
    return await RelayClient.connect(settings);
  } catch (error) {
    throw unreachable(settings.TEMPORAL_ADDRESS, settings.TEMPORAL_NAMESPACE, describeError(error));
  }
}

function unreachable(address: string, namespace: string, detail: string): CliError {
  return new CliError(
    `cannot reach Temporal at ${address} (namespace ${namespace}): ${detail}. Is the server running (\`npm start\` starts one) and is TEMPORAL_ADDRESS right?`,
    EXIT.failure,
    'temporal-unreachable',
  );
}

/**
 * The CLI's io for the real process: stdout/stderr, stdin, a connection from the environment and the answer
 * timeout from S2S_CLI_TIMEOUT. An invalid S2S_CLI_TIMEOUT is invalid input (2), reported when the command
 * connects, like the connection settings.
 */
export function processIo(env: NodeJS.ProcessEnv = process.env): CliIo {
  const cliEnv = CliEnv.safeParse(env);
  return {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    stdin: () => fs.readFileSync(0, 'utf8'),
    connect: () => {
      if (!cliEnv.success) return Promise.reject(new CliError(`invalid CLI settings: ${describeIssues(cliEnv.error)}`, EXIT.invalidInput, 'invalid-settings'));
      return connectFromEnv(env);
    },
    ...(cliEnv.success ? { answerTimeoutMs: cliEnv.data.S2S_CLI_TIMEOUT * 1000 } : {}),
  };
}

export interface DeadLetterReport extends DeadLetterUser {
  letters: DeadLetterView[];
  /** Why the letters could not be read (e.g. no worker answered the status query). */
  problem?: string;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    return reportError(error, io, argv.includes('--json'), true);
  }
  if (parsed.help || !parsed.command) {
    (parsed.help ? io.out : io.err)(USAGE);
    return parsed.help ? EXIT.ok : EXIT.invalidInput;
  }
  const { command, args, json } = parsed;
  const print = (value: unknown, human: string) => io.out(json ? JSON.stringify(value, null, 2) : human);
  let relay: RelayClient | undefined;
  const connect = async () => (relay ??= await io.connect());
  const timeoutMs = io.answerTimeoutMs ?? ANSWER_TIMEOUT_MS;
  const noWorker = (client: RelayClient, what: string) =>
    `${what}: no worker answered within ${timeoutMs / 1000} s. Is an s2s-relay worker running for task queue "${client.options.taskQueue}"? (\`npm start\` or \`npm run worker\`)`;
  /** Queries need a worker to answer: bound the wait and say so when none does. */
  const query = async <T>(client: RelayClient, what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await client.client.connection.withDeadline(Date.now() + timeoutMs, call);
    } catch (error) {
      if (grpcCode(error) === GRPC_DEADLINE_EXCEEDED) throw new CliError(noWorker(client, what), EXIT.failure, 'no-worker');
      throw error;
    }
  };
  /**
   * Updates also wait for a worker: Temporal answers one only once a worker has run the workflow's handler. The
   * SDK would wait for ever, so bound the wait. An update no worker has accepted yet is not in the workflow's
   * history: the server keeps it in memory (not durably) and hands it to the first worker that takes up the
   * workflow, so it may still take effect later, or be lost (server restart). Update-with-start (signup, track)
   * has started the workflow by then.
   */
  const update = async <T>(client: RelayClient, what: { action: string; subject: string; userId: string; started: boolean }, call: () => Promise<T>): Promise<T> => {
    try {
      return await client.client.connection.withDeadline(Date.now() + timeoutMs, call);
    } catch (error) {
      if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || grpcCode(error) === GRPC_DEADLINE_EXCEEDED) {
        const state = what.started
          ? ` The user's workflow is running (started now if it was not), but ${what.subject} is not recorded in it yet:`
          : ` ${what.subject[0]?.toUpperCase()}${what.subject.slice(1)} is not recorded in the user's workflow yet:`;
        throw new CliError(
          `${noWorker(client, what.action)}.${state} the server holds the update in memory, not durably, so a worker that starts soon may still apply it, ` +
            `or it may be lost. Once a worker runs, check with \`s2s status ${what.userId}\` and send it again if needed (a repeat is recognised, not applied twice).`,
          EXIT.failure,
          'no-worker',
        );
      }
      throw error;
    }
  };
  /** userId and id of a document the client library validated (for messages only). */
  const field = (doc: unknown, name: string) => String((doc as Record<string, unknown> | null)?.[name] ?? '?');
  try {
    switch (command) {
      case 'signup': {
        tooMany(args, 1, command);
        const doc = readDocument(args[0], command, io.stdin);
        if (parsed.signal) {
          await (await connect()).signupSignal(doc as never);
          print({ status: 'signalled' }, 'signup signalled');
        } else {
          const client = await connect();
          const answer = await update(client, { action: `signup of user ${field(doc, 'userId')}`, subject: 'the install context', userId: field(doc, 'userId'), started: true }, () => client.signup(doc as never));
          print(answer, formatSignup(answer));
        }
        return EXIT.ok;
      }
      case 'track':
      case 'refund': {
        tooMany(args, 1, command);
        const doc = readDocument(args[0], command, io.stdin);
        const client = await connect();
        if (parsed.signal) {
          await (command === 'track' ? client.trackSignal(doc as never) : client.refundSignal(doc as never));
          print({ status: 'signalled' }, `${command} signalled`);
        } else {
          const action = command === 'track' ? `track of event ${field(doc, 'eventId')} for user ${field(doc, 'userId')}` : `refund ${field(doc, 'refundId')} for user ${field(doc, 'userId')}`;
          const subject = command === 'track' ? 'the event' : 'the refund';
          const answer = await update(client, { action, subject, userId: field(doc, 'userId'), started: command === 'track' }, () =>
            command === 'track' ? client.track(doc as never) : client.refund(doc as never),
          );
          print(answer, formatMessageAnswer(answer));
        }
        return EXIT.ok;
      }
      case 'status': {
        tooMany(args, 1, command);
        const userId = userIdArg(args[0], command);
        const client = await connect();
        const status = await query(client, `status of user ${userId}`, () => client.status(userId));
        print(status, formatStatus(status));
        return EXIT.ok;
      }
      case 'history': {
        const userId = userIdArg(args[0], command);
        const ids = args.slice(1);
        const client = await connect();
        const timeline = await query(client, `history of user ${userId}`, () => client.timeline(userId));
        const shown: TimelineEntry[] = ids.length ? timeline.filter((e) => ids.includes(e.id) || ids.includes(e.deliveryId)) : timeline;
        if (ids.length && shown.length === 0) throw inputError(`history: user ${userId} has no deliveries for ${ids.join(', ')}`);
        print(shown, formatTimeline(shown));
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
              const status = await query(client, `status of user ${u.userId}`, () => client.status(u.userId));
              return { ...u, letters: status.deadLetters };
            } catch (error) {
              return { ...u, letters: [], problem: describeError(error) };
            }
          }),
        );
        print(reports, formatDeadLetterReports(reports, parsed.limit));
        return reports.some((r) => r.problem) ? EXIT.failure : EXIT.ok;
      }
      case 'redrive': {
        const userId = userIdArg(args[0], command);
        const client = await connect();
        const answer = await update(client, { action: `redrive for user ${userId}`, subject: 'the redrive', userId, started: false }, () => client.redrive(userId, args.slice(1)));
        print(answer, formatRedrive(answer));
        const nothingRedriven = answer.redriven.length === 0 && (answer.notFound.length > 0 || (answer.refused?.length ?? 0) > 0);
        return nothingRedriven ? EXIT.invalidInput : EXIT.ok;
      }
      default:
        return reportError(inputError(`unknown command "${command}"`), io, json, true);
    }
  } catch (error) {
    return reportError(error, io, json);
  } finally {
    await relay?.close().catch(() => undefined);
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
  lines.push('', 'fix the cause, then: s2s redrive <userId> [deliveryId ...]');
  return lines.join('\n');
}

const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNIMPLEMENTED = 12;
const GRPC_UNAVAILABLE = 14;

/** The gRPC status code of an error or of its cause (the SDK wraps them in ServiceError). */
function grpcCode(error: unknown): number | undefined {
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

function classify(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof z.ZodError) return inputError(`invalid input: ${describeIssues(error)}`);
  if (error instanceof UnknownUserError) return new CliError(error.message, EXIT.unknownUser, 'unknown-user');
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    return new CliError(`rejected by the workflow: ${error.cause.message}`, EXIT.invalidInput, 'rejected');
  }
  const message = describeError(error);
  if (/^invalid (signup|track event|refund)/.test(message)) return inputError(message);
  const code = grpcCode(error);
  if (code === GRPC_UNAVAILABLE || code === GRPC_UNIMPLEMENTED) {
    return new CliError(`Temporal did not answer as a Temporal frontend: ${message}. Is the server running (\`npm start\` starts one) and is TEMPORAL_ADDRESS right?`, EXIT.failure, 'temporal-unreachable');
  }
  return new CliError(message, EXIT.failure, 'failure');
}

function reportError(error: unknown, io: CliIo, json: boolean, usage = false): number {
  const e = classify(error);
  if (json) io.err(JSON.stringify({ error: { exitCode: e.exitCode, kind: e.kind, message: e.message } }));
  else io.err(`s2s: ${e.message}${usage ? `\n\n${USAGE}` : ''}`);
  return e.exitCode;
}

export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), processIo());
}

if (require.main === module) void main();
