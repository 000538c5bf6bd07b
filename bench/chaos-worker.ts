// The chaos run's worker process: exactly `npm run worker` (worker/main.ts), plus the harness's attempt log
// (bench/attempt-log.ts, file in S2S_CHAOS_ATTEMPT_LOG) as evidence for the verdict. Never used in production.
import { readTemporalSettings } from '../client/connection';
import { readPayloadEncryption } from '../codec/payload-encryption';
import { loadRelayConfig } from '../worker/app-config';
import { readWorkerEnv } from '../worker/config';
import { installRuntime, runRelay, runUntilSignal } from '../worker/run';
import { attemptLogInterceptor } from './attempt-log';

async function main(): Promise<void> {
  const file = process.env.S2S_CHAOS_ATTEMPT_LOG;
  if (!file) throw new Error('S2S_CHAOS_ATTEMPT_LOG must name the attempt log file');
  const settings = readTemporalSettings();
  const env = readWorkerEnv();
  const encryption = readPayloadEncryption();
  const loaded = loadRelayConfig(env.S2S_APP_CONFIG);
  const logger = installRuntime(env);
  await runUntilSignal(runRelay(settings, env, loaded, logger, encryption, { activityInterceptors: [attemptLogInterceptor(file)] }));
}

main().catch((error: unknown) => {
  process.stderr.write(`s2s-relay chaos worker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
