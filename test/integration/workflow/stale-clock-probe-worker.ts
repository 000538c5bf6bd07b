// The stale-clock test's first worker, in a process of its own so the test can kill it (SIGKILL: no eviction,
// no goodbye to the server, as when a worker crashes). Arguments: server address, task queue, bundle path.
import { NativeConnection, Worker } from '@temporalio/worker';
import { readPayloadEncryption } from '../../../codec/payload-encryption';

async function main(): Promise<void> {
  const [address, taskQueue, codePath] = process.argv.slice(2) as [string, string, string];
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address }),
    taskQueue,
    workflowBundle: { codePath },
    activities: { note: async () => undefined },
    dataConverter: readPayloadEncryption().dataConverter,
    // How long a task (or a query) for a run this worker had cached waits on this worker's own queue before the
    // server gives it to any worker: the test's timeline is built on it (10 s, the SDK's default, made explicit).
    stickyQueueScheduleToStartTimeout: '10s',
  });
  process.stdout.write('ready\n');
  await worker.run();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
