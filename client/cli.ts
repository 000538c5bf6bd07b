// The `s2s` command line: the backend's messages (signup, track, refund, ad-revenue) and the operator's
// commands (status, history, dead-letters, redrive, explain, forget, recover). Every input is checked before
// the CLI connects; output is human-readable, or JSON with --json: one value per line, lists one item per
// line (NDJSON); errors too: one JSON object on stderr. The reference: docs/cli.md.
// Exit codes: client/errors.ts (EXIT), also in `s2s --help`.
import { EXIT } from './errors';
import type { RelayClient } from './relay-client';
import { commandHelp, inputError, parseArgs, USAGE, type Parsed } from './cli/args';
import { output, processIo, reportError, type CliIo } from './cli/io';
import { isMessageCommand, runMessageCommand } from './cli/messages';
import { OPERATIONS, runOperation } from './cli/operations';

export { EXIT } from './errors';
export { CliEnv, connectFromEnv, processIo, type CliIo } from './cli/io';

/** The package version (`s2s --version`). */
function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../package.json') as { version: string }).version;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    return reportError(error, io, argv.includes('--json'), true);
  }
  if (parsed.version) {
    io.out(parsed.json ? JSON.stringify({ version: version() }) : `s2s ${version()}`);
    return EXIT.ok;
  }
  if (parsed.help && parsed.command) {
    const help = commandHelp(parsed.command);
    if (help) {
      io.out(help);
      return EXIT.ok;
    }
  }
  if (parsed.help || !parsed.command) {
    (parsed.help ? io.out : io.err)(USAGE);
    return parsed.help ? EXIT.ok : EXIT.invalidInput;
  }
  const command = parsed.command;
  const out = output(io, parsed.json);
  let relay: RelayClient | undefined;
  const connect = async () => (relay ??= await io.connect());
  try {
    if (isMessageCommand(command)) return await runMessageCommand(parsed, io, connect, out.print);
    if (OPERATIONS.includes(command)) return await runOperation(parsed, io, connect, out);
    return reportError(inputError(`unknown command "${command}"`), io, parsed.json, true);
  } catch (error) {
    return reportError(error, io, parsed.json);
  } finally {
    await relay?.close().catch(() => undefined);
  }
}

export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), processIo());
}

if (require.main === module) void main();
