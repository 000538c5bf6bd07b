// Bundles the floor workflow on its own (webpack via the SDK), so it never enters the relay's bundle;
// works from the TypeScript sources (tsx) and from compiled dist/.
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const WORKFLOWS = ['workflows.ts', 'workflows.js'].map((f) => path.join(__dirname, f)).find((f) => fs.existsSync(f)) ?? path.join(__dirname, 'workflows.js');

export async function buildFloorBundle(): Promise<string> {
  const noop = () => undefined;
  const logger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger });
  return code;
}
