// Process entry of `npm run emulator`: reads EMULATOR_PORT (default 8787), EMULATOR_HOST (default
// 127.0.0.1), EMULATOR_CONFIG (JSON file; default the built-in demo config) and EMULATOR_QUIET, prints a
// one-line banner, and shuts down cleanly on SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EmulatorConfigInput } from './config';
import { describeConfig, parseConfig } from './config';
import { startEmulator } from './server';

function fail(message: string): never {
  console.error(`[emulator] ${message}`);
  process.exit(1);
}

function loadConfig(path: string | undefined): { config?: EmulatorConfigInput; source: string } {
  if (path === undefined || path === '') return { source: 'built-in emulator/demo-config.json' };
  const file = resolve(path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`cannot read EMULATOR_CONFIG ${file}: ${(err as Error).message}`);
  }
  const parsed = parseConfig(raw);
  if (!parsed.ok) fail(`invalid EMULATOR_CONFIG ${file}:\n${parsed.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
  return { config: raw as EmulatorConfigInput, source: file };
}

async function main(): Promise<void> {
  const portText = process.env['EMULATOR_PORT'] ?? '8787';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) fail(`EMULATOR_PORT must be a port number, got "${portText}"`);
  const { config, source } = loadConfig(process.env['EMULATOR_CONFIG']);
  const emulator = await startEmulator({
    port: Number(portText),
    host: process.env['EMULATOR_HOST'] ?? '127.0.0.1',
    quiet: process.env['EMULATOR_QUIET'] === '1',
    ...(config !== undefined ? { config } : {}),
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`[emulator] ${signal} received, shutting down`);
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => fail(`error while closing: ${String(err)}`),
    );
  };
  // Listening before the banner: whoever reads it may signal at once, and a signal nobody listens for kills outright.
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  console.log(`[emulator] Adjust + AppsFlyer S2S emulator listening on ${emulator.url} (config: ${source}; ${describeConfig(emulator.getConfig())})`);
}

main().catch((err: unknown) => fail(`failed to start: ${err instanceof Error ? err.message : String(err)}`));
