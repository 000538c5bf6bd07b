// Bundles the workflow code once (webpack via the SDK), so workers can start from the prebuilt bundle.
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './workflows-path';

export async function buildWorkflowBundle(): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  return code;
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
