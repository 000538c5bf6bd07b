// The `s2s` command line: the backend's operations (signup, track, refund) and the operator's (status,
// history, dead-letters, redrive), validated with zod before anything reaches Temporal. Human-readable
// output by default, --json for scripts. Exit codes: 0 ok, 1 failure, 2 invalid input or rejected by the
// workflow, 3 not implemented, 4 unknown user.
import fs from 'node:fs';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { UserId } from '../domain/fields';
import { describeIssues } from '../domain/event';
import { formatDeadLetter, formatMessageAnswer, formatRedrive, formatSignup, formatStatus, formatTimeline } from './format';
import { RelayClient, UnknownUserError, usersWithDeadLetters } from './relay-client';

export const EXIT = { ok: 0, failure: 1, invalidInput: 2, notImplemented: 3, unknownUser: 4 } as const;

class InputError extends Error {}

const USAGE = `usage: s2s <command> [arguments] [--json]

backend commands (the JSON document is an argument, or - to read it from stdin):
  signup <json|->          start the user's workflow (idempotent) with the install context
  track <json|->           record an event (purchase, renewal, ...); --signal for fire-and-forget
  refund <json|->          record a refund of an earlier purchase; --signal for fire-and-forget

operator commands:
  status <userId>          install state, gate, lanes, dead letters, counters
  history <userId>         compact timeline of deliveries per vendor
  dead-letters [--limit N] users with dead letters, with reasons
  redrive <userId> [deliveryId ...]
                           re-queue dead letters (all of the user's when no ids are given)

options: --json  print JSON;  --signal  use a signal instead of an update (track, refund)
environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_TASK_QUEUE (s2s-relay), TLS settings (see README)
exit codes: 0 ok, 1 failure (e.g. Temporal unreachable), 2 invalid input or rejected by the workflow, 3 not implemented, 4 unknown user`;

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
    else if (arg === '--limit') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new InputError('--limit must be a positive whole number');
      parsed.limit = n;
    } else if (arg.startsWith('--')) throw new InputError(`unknown option ${arg}`);
    else if (parsed.command === undefined) parsed.command = arg;
    else parsed.args.push(arg);
  }
  return parsed;
}

function readDocument(arg: string | undefined, command: string, stdin: () => string): unknown {
  if (arg === undefined) throw new InputError(`${command} needs a JSON document as its argument, or - to read it from stdin`);
  const text = arg === '-' ? stdin() : arg;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${command}: the argument is not valid JSON (${(error as Error).message})`);
  }
}

function userIdArg(arg: string | undefined, command: string): string {
  if (arg === undefined) throw new InputError(`${command} needs a userId`);
  const result = UserId.safeParse(arg);
  if (!result.success) throw new InputError(`${command}: ${describeIssues(result.error)}`);
  return result.data;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  stdin(): string;
  connect(): Promise<RelayClient>;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    io.err(`s2s: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT.invalidInput;
  }
  if (parsed.help || !parsed.command) {
    (parsed.help ? io.out : io.err)(USAGE);
    return parsed.help ? EXIT.ok : EXIT.invalidInput;
  }
  const { command, args, json } = parsed;
  const print = (value: unknown, human: string) => io.out(json ? JSON.stringify(value, null, 2) : human);
  let relay: RelayClient | undefined;
  const connect = async () => (relay ??= await io.connect());
  try {
    switch (command) {
      case 'signup': {
        const doc = readDocument(args[0], command, io.stdin);
        if (parsed.signal) {
          await (await connect()).signupSignal(doc as never);
          print({ status: 'signalled' }, 'signup signalled');
        } else {
          const answer = await (await connect()).signup(doc as never);
          print(answer, formatSignup(answer));
        }
        return EXIT.ok;
      }
      case 'track':
      case 'refund': {
        const doc = readDocument(args[0], command, io.stdin);
        const client = await connect();
        if (parsed.signal) {
          await (command === 'track' ? client.trackSignal(doc as never) : client.refundSignal(doc as never));
          print({ status: 'signalled' }, `${command} signalled`);
        } else {
          const answer = await (command === 'track' ? client.track(doc as never) : client.refund(doc as never));
          print(answer, formatMessageAnswer(answer));
        }
        return EXIT.ok;
      }
      case 'status': {
        const status = await (await connect()).status(userIdArg(args[0], command));
        print(status, formatStatus(status));
        return EXIT.ok;
      }
      case 'history': {
        const timeline = await (await connect()).timeline(userIdArg(args[0], command));
        print(timeline, formatTimeline(timeline));
        return EXIT.ok;
      }
      case 'dead-letters': {
        const client = await connect();
        const users = await usersWithDeadLetters(client, parsed.limit);
        const details = await Promise.all(users.map(async (u) => ({ ...u, letters: (await client.status(u.userId).catch(() => undefined))?.deadLetters ?? [] })));
        const human = details.length === 0
          ? 'no users with dead letters'
          : details.map((u) => [`${u.userId} (${u.app ?? '?'}, ${u.state ?? '?'}): ${u.deadLetters} dead letter(s)`, ...u.letters.map((d) => `  ${formatDeadLetter(d)}`)].join('\n')).join('\n');
        print(details, human);
        return EXIT.ok;
      }
      case 'redrive': {
        const userId = userIdArg(args[0], command);
        const answer = await (await connect()).redrive(userId, args.slice(1));
        print(answer, formatRedrive(answer));
        return answer.notFound.length > 0 && answer.redriven.length === 0 ? EXIT.invalidInput : EXIT.ok;
      }
      default:
        io.err(`s2s: unknown command "${command}"\n\n${USAGE}`);
        return EXIT.invalidInput;
    }
  } catch (error) {
    return reportError(error, io);
  } finally {
    await relay?.close().catch(() => undefined);
  }
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof InputError) {
    io.err(`s2s: ${error.message}`);
    return EXIT.invalidInput;
  }
  if (error instanceof z.ZodError) {
    io.err(`s2s: invalid input: ${describeIssues(error)}`);
    return EXIT.invalidInput;
  }
  if (error instanceof UnknownUserError) {
    io.err(`s2s: ${error.message}`);
    return EXIT.unknownUser;
  }
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    io.err(`s2s: rejected by the workflow: ${error.cause.message}`);
    return EXIT.invalidInput;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/^invalid (signup|track event|refund)/.test(message)) {
    io.err(`s2s: ${message}`);
    return EXIT.invalidInput;
  }
  io.err(`s2s: ${message}`);
  return EXIT.failure;
}

export async function main(): Promise<void> {
  const code = await runCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    stdin: () => fs.readFileSync(0, 'utf8'),
    connect: async () => {
      try {
        return await RelayClient.connect();
      } catch (error) {
        throw new Error(`cannot reach Temporal at ${process.env.TEMPORAL_ADDRESS ?? 'localhost:7233'} (${(error as Error).message}); is \`npm start\` running?`);
      }
    },
  });
  process.exitCode = code;
}

if (require.main === module) void main();
