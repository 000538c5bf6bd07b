// `npm run codec-server`: the codec server on its own, for the Temporal UI and CLI of any deployment. Needs the
// payload keys (S2S_PAYLOAD_KEYS or S2S_PAYLOAD_KEYS_FILE) and a token (S2S_CODEC_TOKEN); listens on
// 127.0.0.1:8081 unless told otherwise. Logs one JSON line per request (no payloads, no credentials).
import { readCodecServerEnv } from './codec-server-settings';
import { startCodecServer, type CodecServer } from './codec-server';
import { readPayloadEncryption } from './payload-encryption';

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<CodecServer> {
  const encryption = readPayloadEncryption(env);
  if (!encryption.enabled) throw new Error('no payload keys are configured: set S2S_PAYLOAD_KEYS or S2S_PAYLOAD_KEYS_FILE (the same keys as the workers)');
  const settings = readCodecServerEnv(env);
  const server = await startCodecServer({
    host: settings.S2S_CODEC_HOST,
    port: settings.S2S_CODEC_PORT,
    codec: encryption.codec,
    origins: settings.S2S_CODEC_ORIGINS,
    trustedOrigins: settings.S2S_CODEC_TRUSTED_ORIGINS ?? [],
    tokens: settings.S2S_CODEC_TOKEN ?? [],
    onRequest: (entry) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg: 'codec request', ...entry })}\n`),
  });
  process.stdout.write(
    `${JSON.stringify({
      time: new Date().toISOString(),
      msg: 's2s-relay codec server running',
      url: server.url,
      payloadEncryption: encryption.description,
      origins: settings.S2S_CODEC_ORIGINS,
      trustedOrigins: settings.S2S_CODEC_TRUSTED_ORIGINS ?? [],
      tokens: (settings.S2S_CODEC_TOKEN ?? []).length,
    })}\n`,
  );
  return server;
}

if (require.main === module) {
  const running = main();
  // Listening before the banner: whoever reads it may signal at once, and a signal nobody listens for kills outright.
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void running.then((server) => server.close()).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  running.catch((error: unknown) => {
    process.stderr.write(`s2s-relay codec server: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
