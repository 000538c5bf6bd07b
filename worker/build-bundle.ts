// `node dist/worker/build-bundle.js <out-file>`: bundles the workflow code ahead of time (the Docker image
// does this at build time), so workers start from S2S_WORKFLOW_BUNDLE without running webpack at startup
// and a bundling problem fails the build instead of a deployment.
import fs from 'node:fs';
import path from 'node:path';
import { buildWorkflowBundle } from './bundle';

export async function writeWorkflowBundle(outFile: string): Promise<number> {
  const code = await buildWorkflowBundle();
  fs.mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
  fs.writeFileSync(outFile, code);
  return Buffer.byteLength(code);
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: node dist/worker/build-bundle.js <out-file>   (e.g. dist/workflow-bundle.js)\n');
    process.exit(2);
  }
  writeWorkflowBundle(out).then(
    (bytes) => process.stdout.write(`workflow bundle written to ${out} (${Math.round(bytes / 1024)} KiB)\n`),
    (error: unknown) => {
      process.stderr.write(`could not bundle the workflows: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
