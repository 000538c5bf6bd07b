// Bundles the workflow code once (webpack via the SDK), so workers can start from the prebuilt bundle. Zod
// and the domain modules are preloaded into the shared module cache of the worker's sandbox
// (domain/shared-modules.ts): one copy per worker instead of one per cached workflow; first of all, the
// sandbox's stack traces are limited to one frame (workflows/stack-trace-limit.ts: a replay's CPU).
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './workflows-path';

/** The preload module, next to the workflows (TypeScript sources under tsx/vitest, JavaScript in dist/). */
export const SHARED_MODULES_PATH = path.join(path.dirname(WORKFLOWS_PATH), '..', 'domain', `shared-modules${path.extname(WORKFLOWS_PATH)}`);
/** The sandbox's stack-trace limit, preloaded first. */
export const STACK_TRACE_LIMIT_PATH = path.join(path.dirname(WORKFLOWS_PATH), `stack-trace-limit${path.extname(WORKFLOWS_PATH)}`);

export async function buildWorkflowBundle(): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    preloadModules: [STACK_TRACE_LIMIT_PATH, SHARED_MODULES_PATH],
    logger: quietLogger,
  });
  return code;
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
