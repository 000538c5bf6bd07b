// Vitest global setup: one real Temporal dev server (from the provisioned CLI, throw-away database, Web UI
// on a free port) and one pre-built workflow bundle for the whole run. Tests reach both through inject().
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import 'vitest';
import type { TestProject } from 'vitest/node';
import { startDevServer, type DevServer } from '../../worker/dev-server';
import { freePort } from '../../worker/net';
import { buildWorkflowBundle } from '../../worker/bundle';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalUiUrl: string;
    workflowBundlePath: string;
  }
}

let server: DevServer | undefined;
let tmp: string | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-relay-test-'));
  const [port, uiPort] = [await freePort(), await freePort()];
  const started = Date.now();
  server = await startDevServer({ port, uiPort, dbFile: path.join(tmp, 'temporal.sqlite'), logFile: path.join(tmp, 'temporal.log') });
  const bundlePath = path.join(tmp, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, await buildWorkflowBundle());
  console.log(`[setup] Temporal dev server at ${server.address} (UI ${server.uiUrl}), workflow bundle ready in ${Date.now() - started} ms`);
  project.provide('temporalAddress', server.address);
  project.provide('temporalUiUrl', server.uiUrl ?? '');
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await server?.stop();
    if (tmp && !process.env.S2S_KEEP_TEST_DATA) fs.rmSync(tmp, { recursive: true, force: true });
  };
}
