// `npm run worker`: the production worker process. Needs S2S_APP_CONFIG and a reachable Temporal cluster
// (TEMPORAL_ADDRESS, ...); fails fast with a clear message otherwise. Encrypts payloads when S2S_PAYLOAD_KEYS
// (or S2S_PAYLOAD_KEYS_FILE) is set. SIGTERM drains in-flight sends.
import { readTemporalSettings } from '../client/connection';
import { readPayloadEncryption } from '../codec/payload-encryption';
import { loadRelayConfig } from './app-config';
import { readWorkerEnv } from './config';
import { installRuntime, runRelay, runUntilSignal } from './run';

export async function main(): Promise<void> {
  const settings = readTemporalSettings();
  const env = readWorkerEnv();
  const encryption = readPayloadEncryption();
  const loaded = loadRelayConfig(env.S2S_APP_CONFIG);
  const logger = installRuntime(env);
  await runUntilSignal(runRelay(settings, env, loaded, logger, encryption));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`s2s-relay worker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
