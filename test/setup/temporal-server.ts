// Vitest global setup: one real Temporal server, one pre-built workflow bundle and one initialised embedded
// ledger directory (copied by each test process) for the whole run; tests reach them through inject(). By
// default the Temporal CLI's dev server (throw-away SQLite database, Web UI on a free port); with
// S2S_TEST_TEMPORAL=postgres (`npm run test:cluster`) the production server on PostgreSQL from
// scripts/temporal-server.sh, on databases of its own that are dropped afterwards.
// Both project groups that need a server (the integration tests, then the privacy scan) list this setup; they
// share one server: the first setup starts it, the last teardown stops it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import 'vitest';
import type { TestProject } from 'vitest/node';
import { startDevServer, type DevServer } from '../../worker/dev-server';
import { freePort, freePortBlock } from '../../worker/net';
import { startPostgresServer, type PostgresServer } from '../../worker/postgres-server';
import { buildWorkflowBundle } from '../../worker/bundle';
import { openEmbeddedLedger } from '../../activities/ledger/stores';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalUiUrl: string;
    workflowBundlePath: string;
    /** An initialised embedded ledger directory (closed) that test processes copy: test/helpers/ledger.ts. */
    ledgerTemplateDir: string;
  }
}

/** S2S_TEST_TEMPORAL: "dev" (default) or "postgres"; vitest.config.mts leaves out the dev-server-only tests for the latter. */
function testServerKind(): 'dev' | 'postgres' {
  const value = process.env.S2S_TEST_TEMPORAL?.trim() || 'dev';
  if (value === 'dev' || value === 'postgres') return value;
  throw new Error(`S2S_TEST_TEMPORAL must be "dev" (the Temporal CLI's dev server, the default) or "postgres" (scripts/temporal-server.sh); got "${value}"`);
}

/**
 * The test server's queues save their progress every second instead of every 30 s (as Temporal's own functional
 * tests of deletion set them): a run is deleted only once its close has been processed, which the server learns
 * from that saved progress, so forgetting a user who just closed waits about a second here, not up to 30.
 */
const TEST_SERVER_DYNAMIC_CONFIG = {
  'history.transferProcessorUpdateAckInterval': '1s',
  'history.visibilityProcessorUpdateAckInterval': '1s',
};

interface SharedServer {
  server: DevServer | PostgresServer;
  tmp: string;
  bundlePath: string;
  ledgerTemplateDir: string;
  users: number;
}

/** Shared by the setup modules of both projects (each project loads this module on its own). */
const shared = globalThis as typeof globalThis & { s2sTestServer?: Promise<SharedServer> };

async function startServer(dir: string): Promise<DevServer | PostgresServer> {
  if (testServerKind() === 'postgres') {
    const database = `s2s_test_${randomBytes(4).toString('hex')}`;
    return startPostgresServer({ port: await freePortBlock(10), database, stateDir: path.join(dir, 'temporal-server') });
  }
  const [port, uiPort] = [await freePort(), await freePort()];
  return startDevServer({
    port,
    uiPort,
    dbFile: path.join(dir, 'temporal.sqlite'),
    logFile: path.join(dir, 'temporal.log'),
    dynamicConfig: TEST_SERVER_DYNAMIC_CONFIG,
  });
}

async function start(): Promise<SharedServer> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-relay-test-'));
  const started = Date.now();
  const bundlePath = path.join(tmp, 'workflow-bundle.js');
  const ledgerTemplateDir = path.join(tmp, 'ledger-template');
  // Side by side: the server, the bundle, and the one initdb of the run's embedded ledgers.
  const [server] = await Promise.all([
    startServer(tmp),
    buildWorkflowBundle().then((code) => fs.writeFileSync(bundlePath, code)),
    openEmbeddedLedger(ledgerTemplateDir).then((ledger) => ledger.close()),
  ]);
  const what = 'drop' in server ? 'Temporal server on PostgreSQL (scripts/temporal-server.sh)' : 'Temporal dev server';
  console.log(`[setup] ${what} at ${server.address}${server.uiUrl ? ` (UI ${server.uiUrl})` : ''}, workflow bundle ready in ${Date.now() - started} ms`);
  return { server, tmp, bundlePath, ledgerTemplateDir, users: 0 };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const run = await (shared.s2sTestServer ??= start());
  run.users += 1;
  project.provide('temporalAddress', run.server.address);
  project.provide('temporalUiUrl', run.server.uiUrl ?? '');
  project.provide('workflowBundlePath', run.bundlePath);
  project.provide('ledgerTemplateDir', run.ledgerTemplateDir);
  return async () => {
    run.users -= 1;
    if (run.users > 0) return;
    const keep = Boolean(process.env.S2S_KEEP_TEST_DATA);
    if ('drop' in run.server && !keep) await run.server.drop();
    else await run.server.stop();
    if (!keep) fs.rmSync(run.tmp, { recursive: true, force: true });
  };
}
