// Locates the Temporal CLI through scripts/temporal-cli.sh (the one place that finds, downloads or builds it).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './paths';

export const TEMPORAL_CLI_SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'temporal-cli.sh');

let cached: Promise<string> | undefined;

/** Path of a runnable `temporal` binary; progress of a first build is streamed to this process's stderr. */
export function findTemporalCli(): Promise<string> {
  cached ??= new Promise<string>((resolve, reject) => {
    const child = execFile('bash', [TEMPORAL_CLI_SCRIPT], { maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) reject(new Error(`could not provision the Temporal CLI (exit ${error.code ?? '?'}); see the messages above`));
      else resolve(stdout.trim());
    });
    child.stderr?.pipe(process.stderr);
  });
  return cached;
}
