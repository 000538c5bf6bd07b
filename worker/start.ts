// `npm start`: the embedded default stack on one machine. Uses the Temporal server at TEMPORAL_ADDRESS or,
// if nothing answers there, starts `temporal server start-dev` (SQLite in .data/, Web UI, search attributes
// registered). Without S2S_APP_CONFIG it is a dry run: the demo apps deliver to the local vendor emulator.
// With payload keys (S2S_PAYLOAD_KEYS) payloads are encrypted, and a codec server on loopback lets the dev
// server's UI (`--ui-codec-endpoint`) show them decoded. Then it runs the worker. Ctrl-C (SIGINT; also SIGTERM, SIGHUP) stops everything it started, in order: the
// worker first (sends in flight finish, which needs Temporal and the emulator), then the emulator, then the
// dev server. The dev server runs in its own process group, so the terminal's Ctrl-C reaches only this
// process tree, not the server; it is killed when this process exits in any other way.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { Connection } from '@temporalio/client';
import { z } from 'zod';
import { readTemporalSettings, connectionOptions } from '../client/connection';
import { readLocalCodecServerEnv } from '../codec/codec-server-settings';
import { startCodecServer, type CodecServer } from '../codec/codec-server';
import { readPayloadEncryption, type PayloadEncryption } from '../codec/payload-encryption';
import { describeZod } from '../domain/contract/issues';
import { startEmulator, type Emulator } from '../emulator/server';
import { defaultEmulatorConfig } from '../emulator/config';
import { loadRelayConfig, resolveAppConfig, type LoadedConfig } from './app-config';
import { readWorkerEnv } from './config';
import { startDevServer, type DevServer } from './dev-server';
import { parseAddress, tcpReachable } from './net';
import { DATA_DIR, PROJECT_ROOT } from './paths';
import { installRuntime, runRelay } from './run';
import { ensureSearchAttributes } from './search-attributes';

/** The variables only `npm start` reads (besides the worker's and the connection's). */
export const StartEnv = z.object({
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  EMULATOR_PORT: z.coerce.number().int().min(1).max(65535).default(8787),
  S2S_DATA_DIR: z.string().min(1).default(DATA_DIR),
});

const DEMO_SECRETS = { DEMO_APPSFLYER_KEY: 'demo-appsflyer-s2s-key', DEMO_ADJUST_ANDROID_S2S_TOKEN: 'demo-adjust-s2s-token' };

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** What this command started, newest first: stopped in that order (worker, emulator, dev server). */
const started: Array<{ name: string; stop: () => Promise<void> }> = [];
let stopping: Promise<void> | undefined;

function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const { name, stop } of started.splice(0)) {
      await stop().then(
        () => say(`  ${name} stopped`),
        (error: unknown) => say(`  ${name}: error while stopping: ${String(error)}`),
      );
    }
  })();
  return stopping;
}

/**
 * A Ctrl-C reaches this process more than once: the terminal signals the whole foreground process group
 * and npm relays the signal to its child as well. (`npm start` runs `node --import tsx`, not the tsx CLI: the CLI
 * is a parent process that relays signals too, and SIGKILLs a child that does not acknowledge one within 30 ms,
 * which a busy worker on a loaded machine can miss: no drain, exit 130.) Repeats this soon after the first are that one
 * Ctrl-C; only a later one means "again".
 */
const SAME_SIGNAL_MS = 1_000;

/** Ctrl-C, SIGTERM, a closed terminal: stop in order, exit 0. A second signal exits at once (the exit hook kills the dev server). */
function stopOnSignals(): void {
  let firstAt = 0;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping && Date.now() - firstAt < SAME_SIGNAL_MS) return;
    if (stopping) {
      process.stderr.write(`received ${signal} again, exiting now\n`);
      process.exit(130);
    }
    firstAt = Date.now();
    say(`\nstopping (${signal}) ... (again to exit at once)`);
    stopAll().then(
      () => {
        say('stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, handler);
}

/** The codec server for the local UI (codec/codec-server-settings.ts: readLocalCodecServerEnv). */
async function startLocalCodecServer(encryption: PayloadEncryption, uiPort: number): Promise<CodecServer> {
  const settings = readLocalCodecServerEnv(process.env, uiPort);
  const server = await startCodecServer({
    host: settings.S2S_CODEC_HOST,
    port: settings.S2S_CODEC_PORT,
    codec: encryption.codec,
    origins: settings.S2S_CODEC_ORIGINS,
    trustedOrigins: settings.S2S_CODEC_TRUSTED_ORIGINS ?? [],
    tokens: settings.S2S_CODEC_TOKEN ?? [],
  });
  started.unshift({ name: 'codec server', stop: () => server.close() });
  return server;
}

async function main(): Promise<void> {
  stopOnSignals();
  const parsedStart = StartEnv.safeParse(process.env);
  if (!parsedStart.success) throw new Error(`invalid settings: ${describeZod(parsedStart.error)}`);
  const startEnv = parsedStart.data;
  const dryRun = !process.env.S2S_APP_CONFIG;
  const settings = readTemporalSettings();
  const env = readWorkerEnv({
    ...process.env,
    S2S_APP_CONFIG: process.env.S2S_APP_CONFIG ?? path.join(PROJECT_ROOT, 'config', 'demo.yaml'),
    S2S_LOG_FORMAT: process.env.S2S_LOG_FORMAT ?? 'pretty',
    // The embedded delivery ledger lives with the rest of the local stack's data.
    S2S_LEDGER_URL: process.env.S2S_LEDGER_URL || `pglite:${path.join(startEnv.S2S_DATA_DIR, 'ledger')}`,
  });
  const encryption = readPayloadEncryption();
  let emulator: Emulator | undefined;

  // 0. Payload encryption: the codec server first, so the dev server's UI can be pointed at it.
  const codecServer = encryption.enabled ? await startLocalCodecServer(encryption, startEnv.TEMPORAL_UI_PORT) : undefined;
  let uiUsesCodec = false;

  // 1. Temporal: reuse what answers at the address, else start a dev server there.
  let uiUrl = `http://localhost:${startEnv.TEMPORAL_UI_PORT}`;
  if (await tcpReachable(settings.TEMPORAL_ADDRESS)) {
    say(`Temporal: using the server already at ${settings.TEMPORAL_ADDRESS}`);
    uiUrl = '(the UI of your existing server)';
  } else {
    const { host, port } = parseAddress(settings.TEMPORAL_ADDRESS);
    const dbFile = path.join(startEnv.S2S_DATA_DIR, 'temporal.sqlite');
    say(`Temporal: nothing answers at ${settings.TEMPORAL_ADDRESS}; starting a dev server (data in ${dbFile}) ...`);
    const server: DevServer = await startDevServer({
      port,
      ip: host === 'localhost' ? '127.0.0.1' : host,
      uiPort: startEnv.TEMPORAL_UI_PORT,
      ...(codecServer ? { uiCodecEndpoint: codecServer.url } : {}),
      dbFile,
      namespace: settings.TEMPORAL_NAMESPACE,
      logFile: path.join(startEnv.S2S_DATA_DIR, 'temporal-server.log'),
      ownProcessGroup: true,
    });
    started.unshift({ name: 'Temporal dev server', stop: () => server.stop() });
    uiUrl = `http://localhost:${startEnv.TEMPORAL_UI_PORT}`;
    uiUsesCodec = codecServer !== undefined;
  }
  const connection = await Connection.connect({ ...connectionOptions(settings), connectTimeout: 5_000 });
  const added = await ensureSearchAttributes(connection, settings.TEMPORAL_NAMESPACE);
  if (added.length) say(`Temporal: registered search attributes ${added.join(', ')}`);
  await connection.close();

  // 2. Vendors: the emulator in a dry run, the configured vendors otherwise.
  let loaded: LoadedConfig;
  if (dryRun) {
    const emulatorUrl = `http://127.0.0.1:${startEnv.EMULATOR_PORT}`;
    if (await tcpReachable(`127.0.0.1:${startEnv.EMULATOR_PORT}`)) {
      throw new Error(`port ${startEnv.EMULATOR_PORT} is taken; stop what runs there or set EMULATOR_PORT to a free port`);
    }
    const vendorEmulator = await startEmulator({ port: startEnv.EMULATOR_PORT, config: { ...defaultEmulatorConfig, lenientDevices: true } });
    emulator = vendorEmulator;
    started.unshift({ name: 'vendor emulator', stop: () => vendorEmulator.close() });
    const demo = YAML.parse(fs.readFileSync(env.S2S_APP_CONFIG, 'utf8')) as Record<string, unknown>;
    loaded = resolveAppConfig(
      {
        ...demo,
        vendors: { adjustBaseUrl: `${emulatorUrl}/adjust`, appsflyerApi3BaseUrl: `${emulatorUrl}/appsflyer`, appsflyerApi2BaseUrl: `${emulatorUrl}/appsflyer` },
      },
      { ...DEMO_SECRETS, ...process.env },
      `${env.S2S_APP_CONFIG} (dry run: vendors -> emulator)`,
      { baseDir: path.dirname(env.S2S_APP_CONFIG) },
    );
  } else {
    loaded = loadRelayConfig(env.S2S_APP_CONFIG);
  }

  // 3. The worker.
  const logger = installRuntime(env);
  const relay = await runRelay(settings, env, loaded, logger, encryption);
  started.unshift({ name: 'worker', stop: () => relay.shutdown() });

  say('');
  say('s2s-relay is running.');
  say(`  Temporal UI:   ${uiUrl}/namespaces/${settings.TEMPORAL_NAMESPACE}/workflows`);
  say(`  Temporal:      ${settings.TEMPORAL_ADDRESS} (namespace ${settings.TEMPORAL_NAMESPACE}, task queue ${settings.TEMPORAL_TASK_QUEUE})`);
  say(`  Apps:          ${Object.keys(loaded.config.apps).join(', ')} from ${loaded.source}`);
  say(`  Payloads:      encryption ${encryption.description}`);
  if (codecServer) {
    say(
      `  Codec server:  ${codecServer.url} ${uiUsesCodec ? '(the UI above decodes payloads through it)' : "(point your UI's codec server setting at it; see docs/privacy.md)"}`,
    );
  }
  say(`  Ledger:        ${relay.ledger} (accepted deliveries, never sent twice)`);
  if (dryRun && emulator) {
    say('');
    say(`  DRY RUN: deliveries go to the local vendor emulator at ${emulator.url} — nothing reaches Adjust or AppsFlyer.`);
    say(`           See what would be sent: curl ${emulator.url}/__emulator/requests`);
    say('           Set S2S_APP_CONFIG to your app configuration (with real credentials) to deliver for real.');
  }
  say('');
  say(
    '  Try:  npx s2s signup \'{"userId":"u1","app":"demo-ios","platform":"ios","installedAt":"' +
      new Date().toISOString() +
      '","deviceIds":{"idfa":"D2CADB5F-410F-4963-AC0C-2A78534BDF1E"},"appsflyerId":"1234567890123-1234567","osVersion":"17.1"}\'',
  );
  say(
    '        npx s2s track \'{"userId":"u1","eventId":"evt_1","name":"purchase","occurredAt":"' +
      new Date().toISOString() +
      '","revenue":"4.99","currency":"USD"}\'',
  );
  say('        npx s2s status u1');
  say('  Ctrl-C stops everything this command started.');
  say('');

  await relay.done;
  // The workers stop only when asked to (a signal); anything else is a failure.
  if (!stopping) throw new Error('the worker stopped unexpectedly');
}

if (require.main === module) {
  main().catch(async (error: unknown) => {
    process.stderr.write(`s2s-relay: ${error instanceof Error ? error.message : String(error)}\n`);
    await stopAll();
    process.exit(1);
  });
}
