// The CLI's command line: every command with its usage and help text, option parsing, and reading the
// JSON documents and user ids commands take. Nothing here connects to Temporal: input is checked first.
import { CliError, EXIT } from '../errors';
import { UserId } from '../../domain/contract/fields';

export const inputError = (message: string) => new CliError(message, EXIT.invalidInput, 'invalid-input');

export interface CommandHelp {
  usage: string;
  summary: string;
  /** Longer help for `s2s <command> --help`. */
  details: string;
  /** Options the command takes besides --json and --help. */
  options?: string[];
}

export const COMMANDS: Record<string, CommandHelp> = {
  signup: {
    usage: 'signup <json|-> [--signal]',
    options: ['--signal'],
    summary: "start the user's workflow (idempotent) with the install context",
    details:
      'The install context as JSON (docs/contract.md): userId, app, platform, installedAt, deviceIds, appsflyerId, osVersion, ...\nA repeated signup fills in optional fields the first one left out; fields already given never change.',
  },
  track: {
    usage: 'track <json|-> [--signal]',
    options: ['--signal'],
    summary: 'record an event (purchase, renewal, ...)',
    details:
      'An event as JSON: userId, eventId, name, occurredAt, revenue ("4.99", a string) with currency, callbackParams, partnerParams, eventValue, sharingFilter.\nThe same eventId twice is one event: the answer says duplicate (exit 3 when its content differs).',
  },
  refund: {
    usage: 'refund <json|-> [--signal]',
    options: ['--signal'],
    summary: 'record a refund of an earlier purchase',
    details:
      'A refund as JSON: userId, refundId, purchaseEventId, amount ("4.99"), currency, occurredAt, reason.\nRefused (exit 2) for an unknown purchase, another currency or more than remains; --signal holds it for its purchase instead.',
  },
  'ad-revenue': {
    usage: 'ad-revenue <json|-> [--signal]',
    options: ['--signal'],
    summary: "record ad revenue for Adjust's /ad_revenue",
    details:
      'Ad revenue as JSON: userId, eventId, occurredAt, revenue, currency, adImpressionsCount, network, unit, placement.\nThe app must enable adjust.adRevenue in the relay configuration.',
  },
  status: {
    usage: 'status <userId>',
    summary: 'install state, gate, lanes (with the last vendor answer while retrying), dead letters, counters',
    details:
      'While a send is retried the lane shows RETRYING with the delivery id, the attempt and what the vendor answered.\nEvery dead letter is listed with the id `s2s redrive <userId> <id>` takes (dlv_... or dlm_... for a message that never reached a lane).',
  },
  history: {
    usage: 'history <userId> [id ...]',
    summary: 'deliveries per vendor: when each vendor got each message, restamps included',
    details:
      'Only the given event, refund or delivery ids when some are given. A restamped Adjust event shows the created_at sent ("sent as").\n--json prints one delivery per line (NDJSON).',
  },
  'dead-letters': {
    usage: 'dead-letters [--limit N]',
    summary: 'users with dead letters on this task queue, with reasons',
    details:
      'Lists users by the visibility query S2SDeadLetters > 0 (no worker needed), then asks each workflow for its dead letters.\n--json prints one user per line (NDJSON).',
    options: ['--limit'],
  },
  redrive: {
    usage: 'redrive <userId> [id ...] | redrive [--all] [filters]',
    summary: "re-queue dead letters: one user's (all, or the ids given), or every user's on this task queue",
    details: [
      "One user: ids as `s2s status` lists them (dlv_... or dlm_...); all of the user's dead letters when none are given.",
      'Every user with dead letters on this task queue (no userId, or --all), narrowed by:',
      '  --app APP            users of one app (S2SApp)',
      "  --query 'Q'          a visibility query, e.g. \"S2SState = 'idle'\" (ANDed with S2SDeadLetters > 0, Running, this task queue)",
      '  --reason TEXT        only dead letters whose reason or vendor answer contains TEXT (case-insensitive), or matches /regex/flags;',
      "                       each user's dead letters are read with the status query and only the matching ids redriven",
      '  --concurrency N      users handled at once (1-64, default 8)',
      '  --dry-run            list what would be redriven, change nothing',
      'A progress bar on a terminal (plain progress lines otherwise) goes to stderr; a summary follows.',
      '--json prints one line per user, then {"summary":{...}} (NDJSON). Exit 1 when a user could not be handled.',
    ].join('\n'),
    options: ['--all', '--app', '--query', '--reason', '--concurrency', '--dry-run'],
  },
  explain: {
    usage: 'explain <userId> <eventId|refundId|deliveryId>',
    summary: 'what each vendor was sent, every answer, the retry timeline and the outcome, from the workflow history',
    details: [
      "Reads every run of the user's workflow (decrypting with S2S_PAYLOAD_KEYS) and rebuilds each vendor request with the",
      "relay's own builders from the recorded activity input and the app configuration in S2S_APP_CONFIG (default",
      "config/demo.yaml); secrets show as [redacted]. Needs no worker. The output holds the user's device ids and IP, as sent.",
      '--json prints one delivery per line (NDJSON).',
    ].join('\n'),
  },
  forget: {
    usage: 'forget <userId> [--reason TEXT]',
    summary: "erase a user: stop the workflow's deliveries, delete every run, write an audit record (user id hash only)",
    details: [
      'Sends the forget update (in-flight sends finish or are cancelled, queued ones are dropped, the workflow completes),',
      "deletes every run of the user's workflow and waits until visibility shows none, then appends a JSON line to the",
      'audit log (S2S_AUDIT_LOG, default .data/audit/forget.jsonl) with the user id hash, never the id. A later signup',
      "starts afresh. Vendor-side erasure (Adjust GDPR forget, AppsFlyer OpenGDPR) stays the app's duty: docs/operations.md.",
      '--reason is kept in the audit record: never put personal data in it.',
    ].join('\n'),
    options: ['--reason'],
  },
  recover: {
    usage: 'recover <userId>',
    summary: 'start a new run of a closed (terminated, failed) workflow from its last state',
    details:
      "Signups and events for a user whose workflow is closed answer exit 5 instead of starting an empty run.\nFind out why the run closed (its history in the Temporal UI), fix the cause, then recover: the closed run's state (held and queued messages, dead letters, dedup window, purchases) is read with its snapshot query and carried into the new run.",
  },
};

const line = (c: string) => `  ${(COMMANDS[c]?.usage ?? c).padEnd(50)} ${COMMANDS[c]?.summary}`;

export const USAGE = `usage: s2s <command> [arguments] [--json]    s2s <command> --help    s2s --version

backend commands (the JSON document is an argument, or - to read it from stdin):
${['signup', 'track', 'refund', 'ad-revenue'].map(line).join('\n')}

operator commands:
${['status', 'history', 'dead-letters', 'redrive', 'explain', 'forget', 'recover'].map(line).join('\n')}

options: --json  print JSON, one value per line (lists: one line per item, NDJSON; errors: {"error":{...}} on stderr);
         --signal  a fire-and-forget signal instead of an update;  s2s <command> --help  the command's own options
environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_TASK_QUEUE (s2s-relay), TLS settings
             (docs/cli.md), S2S_CLI_TIMEOUT (20): seconds to wait for a worker to answer,
             S2S_PAYLOAD_KEYS or S2S_PAYLOAD_KEYS_FILE: the workers' payload encryption keys (docs/privacy.md),
             S2S_APP_CONFIG (explain), S2S_AUDIT_LOG (forget)
exit codes: 0 ok, 1 failure (Temporal unreachable, no worker answering), 2 invalid input or refused by the workflow,
            3 duplicate id with different content, 4 unknown user, 5 closed workflow (s2s recover)`;

export function commandHelp(command: string): string | undefined {
  const c = COMMANDS[command];
  if (!c) return undefined;
  return `usage: s2s ${c.usage} [--json]\n\n${c.summary}${c.details ? `\n\n${c.details}` : ''}`;
}

/** Options that take a value, with the check each value must pass. */
const VALUE_OPTIONS = {
  '--limit': (raw: string) => wholeNumber('--limit', raw, 1, 10_000),
  '--concurrency': (raw: string) => wholeNumber('--concurrency', raw, 1, 64),
  '--app': (raw: string) => {
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(raw))
      throw inputError(`--app must be an app key from the relay configuration (lowercase letters, digits, _ and -); got ${JSON.stringify(raw)}`);
    return raw;
  },
  '--query': (raw: string) => {
    if (raw.trim() === '') throw inputError('--query must be a visibility query, e.g. "S2SState = \'idle\'"');
    return raw;
  },
  '--reason': (raw: string) => {
    if (raw.trim() === '') throw inputError('--reason must not be empty');
    return raw;
  },
} as const;
const FLAGS = ['--json', '--signal', '--all', '--dry-run', '--help', '-h', '--version', '-V'] as const;
type ValueOption = keyof typeof VALUE_OPTIONS;

function wholeNumber(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (raw === '' || !Number.isInteger(n) || n < min || n > max) throw inputError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
}

export interface Parsed {
  command?: string;
  args: string[];
  json: boolean;
  signal: boolean;
  limit: number;
  help: boolean;
  version: boolean;
  /** redrive: every user with dead letters (also without a userId). */
  all: boolean;
  dryRun: boolean;
  concurrency: number;
  app?: string;
  query?: string;
  /** redrive: which dead letters (substring or /regex/); forget: the audit record's reason. */
  reason?: string;
  /** Every option given (for the per-command check). */
  given: string[];
}

export function parseArgs(argv: string[]): Parsed {
  const parsed: Parsed = {
    args: [],
    json: false,
    signal: false,
    limit: 100,
    help: false,
    version: false,
    all: false,
    dryRun: false,
    concurrency: 8,
    given: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const name = arg.startsWith('--') && arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    if (name in VALUE_OPTIONS) {
      const raw = name === arg ? argv[++i] : arg.slice(name.length + 1);
      if (raw === undefined) throw inputError(`${name} needs a value`);
      const value = VALUE_OPTIONS[name as ValueOption](raw);
      if (name === '--limit') parsed.limit = value as number;
      else if (name === '--concurrency') parsed.concurrency = value as number;
      else parsed[name.slice(2) as 'app' | 'query' | 'reason'] = value as string;
      parsed.given.push(name);
    } else if ((FLAGS as readonly string[]).includes(arg)) {
      if (arg === '--json') parsed.json = true;
      else if (arg === '--signal') parsed.signal = true;
      else if (arg === '--all') parsed.all = true;
      else if (arg === '--dry-run') parsed.dryRun = true;
      else if (arg === '--help' || arg === '-h') parsed.help = true;
      else parsed.version = true;
      parsed.given.push(arg);
    } else if (arg.startsWith('--')) throw inputError(`unknown option ${arg}`);
    else if (parsed.command === undefined) parsed.command = arg;
    else parsed.args.push(arg);
  }
  const command = parsed.command !== undefined ? COMMANDS[parsed.command] : undefined;
  const allowed = command ? (command.options ?? []) : undefined;
  if (allowed && !parsed.help) {
    const general = ['--json', '--help', '-h', '--version', '-V'];
    const wrong = parsed.given.filter((o) => !general.includes(o) && !allowed.includes(o));
    if (wrong.length > 0)
      throw inputError(`${parsed.command} does not take ${wrong.join(', ')}${allowed.length ? ` (its options: ${allowed.join(', ')})` : ''}`);
  }
  return parsed;
}

export function readDocument(arg: string | undefined, command: string, stdin: () => string): unknown {
  if (arg === undefined) throw inputError(`${command} needs a JSON document as its argument, or - to read it from stdin`);
  const text = arg === '-' ? stdin() : arg;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw inputError(`${command}: the ${arg === '-' ? 'input on stdin' : 'argument'} is not valid JSON (${(error as Error).message})`);
  }
}

export function userIdArg(arg: string | undefined, command: string): string {
  if (arg === undefined) throw inputError(`${command} needs a userId`);
  const result = UserId.safeParse(arg);
  if (!result.success) throw inputError(`${command}: ${result.error.issues.map((i) => i.message).join('; ')} (got "${arg}")`);
  return result.data;
}

export function tooMany(args: string[], max: number, command: string): void {
  if (args.length > max) throw inputError(`${command}: unexpected argument(s) ${args.slice(max).join(' ')}`);
}
