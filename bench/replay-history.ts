// Replays saved workflow histories (JSON as protobufjs writes it, like a chaos run's replay-failure-*.json and
// the test fixtures) on the current workflow code, and says for each whether it replays.
// `--core-log FILE` writes the core SDK's DEBUG log there (S2S_CORE_LOG_LEVEL=TRACE for more): the activations it
// built from the history, i.e. which events the workflow was handed together, the first thing to compare when a
// history no longer replays.
//   npm run replay -- artifacts/chaos/<run>/replay-failure-<id>.json [--core-log core.log]
import fs from 'node:fs';
import { DefaultLogger, makeTelemetryFilterString, Runtime, Worker, type LogEntry } from '@temporalio/worker';
import { buildWorkflowBundle } from '../worker/bundle';
import { readHistoryFile } from './history-file';

const USAGE = 'usage: npm run replay -- HISTORY.json [HISTORY.json ...] [--core-log FILE]';

async function main(argv: string[]): Promise<number> {
  const files: string[] = [];
  let coreLog: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (arg === '--core-log') {
      coreLog = argv[++i];
      if (!coreLog) throw new Error(`--core-log needs a file\n${USAGE}`);
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown option ${arg}\n${USAGE}`);
    } else files.push(arg);
  }
  if (files.length === 0) throw new Error(USAGE);
  for (const file of files) if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);

  if (coreLog) {
    const out = fs.openSync(coreLog, 'w');
    const write = (entry: LogEntry) => fs.writeSync(out, `${entry.level} ${entry.message} ${entry.meta ? JSON.stringify(entry.meta) : ''}\n`);
    Runtime.install({
      logger: new DefaultLogger('DEBUG', write),
      telemetryOptions: {
        logging: { filter: makeTelemetryFilterString({ core: process.env.S2S_CORE_LOG_LEVEL === 'TRACE' ? 'TRACE' : 'DEBUG' }), forward: {} },
      },
    });
  }
  const code = await buildWorkflowBundle();
  let failed = 0;
  for (const file of files) {
    const history = readHistoryFile(file);
    try {
      await Worker.runReplayHistory({ workflowBundle: { code }, replayName: file }, history);
      process.stdout.write(`${file}: replays\n`);
    } catch (error) {
      failed += 1;
      process.stdout.write(`${file}: does not replay: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`replay: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
