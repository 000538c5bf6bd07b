// The floor's worker process (`node --import tsx bench/floor/worker.ts`), tuned like the relay's worker:
// same cache size and workflow/activity concurrency (S2S_MAX_CACHED_WORKFLOWS, ...), so only the
// workflow code differs. SIGTERM shuts it down. For the bench's regimes: Prometheus metrics of the SDK
// (FLOOR_METRICS_PORT, like the relay's S2S_METRICS_PORT) and a line per no-op activity in FLOOR_DONE_LOG
// (the message id), so the harness sees the floor's progress without reading histories while it runs.
import fs from 'node:fs';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { describeZod } from '../../domain/contract/issues';
import { floorActivities } from './activities';

const Env = z.object({
  TEMPORAL_ADDRESS: z.string().min(1),
  TEMPORAL_TASK_QUEUE: z.string().min(1),
  FLOOR_WORKFLOW_BUNDLE: z.string().min(1, 'FLOOR_WORKFLOW_BUNDLE must be the path of the floor workflow bundle'),
  S2S_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(1).default(2000),
  S2S_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).default(100),
  S2S_MAX_CONCURRENT_SENDS: z.coerce.number().int().min(1).default(200),
  FLOOR_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  FLOOR_DONE_LOG: z.string().min(1).optional(),
});

async function main(): Promise<void> {
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) throw new Error(`invalid floor worker settings: ${describeZod(parsed.error)}`);
  const env = parsed.data;
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    shutdownSignals: [],
    ...(env.FLOOR_METRICS_PORT ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${env.FLOOR_METRICS_PORT}` } } } } : {}),
  });
  const doneLog = env.FLOOR_DONE_LOG;
  const activities = doneLog
    ? {
        async noop(id: string) {
          fs.appendFileSync(doneLog, `${id}\n`);
          return id;
        },
      }
    : floorActivities;
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    workflowBundle: { codePath: env.FLOOR_WORKFLOW_BUNDLE },
    activities,
    maxCachedWorkflows: env.S2S_MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: env.S2S_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: env.S2S_MAX_CONCURRENT_SENDS,
  });
  const stop = () => worker.shutdown();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await worker.run();
  await connection.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`floor worker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
