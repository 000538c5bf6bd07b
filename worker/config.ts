// The worker process's environment, validated with zod: where the app configuration is, logging, worker
// tuning and per-vendor rate limits. Temporal connection settings live in client/connection.ts.
import { z } from 'zod';
import { describeIssues } from '../domain/event';

const positiveInt = (name: string, fallback: number) =>
  z.coerce.number({ error: `${name} must be a whole number` }).int(`${name} must be a whole number`).min(1, `${name} must be at least 1`).default(fallback);
const rate = (name: string) =>
  z.coerce.number({ error: `${name} must be a number of requests per second` }).min(0, `${name} must be 0 (unlimited) or more`).default(0);

export const WorkerEnv = z.object({
  S2S_APP_CONFIG: z.string({ error: 'S2S_APP_CONFIG is required: the path of the app configuration file (JSON or YAML), e.g. config/demo.yaml' }).min(1),
  S2S_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  S2S_LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  /** Workflow executions kept in the worker's sticky cache. */
  S2S_MAX_CACHED_WORKFLOWS: positiveInt('S2S_MAX_CACHED_WORKFLOWS', 2000),
  S2S_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt('S2S_MAX_CONCURRENT_WORKFLOW_TASKS', 100),
  /** Send activities running at once per vendor worker (each holds one HTTP request at a time). */
  S2S_MAX_CONCURRENT_SENDS: positiveInt('S2S_MAX_CONCURRENT_SENDS', 200),
  /** Task-queue-wide send activity rate per vendor (per second, 0 = unlimited). */
  S2S_ADJUST_RATE_LIMIT: rate('S2S_ADJUST_RATE_LIMIT'),
  S2S_APPSFLYER_RATE_LIMIT: rate('S2S_APPSFLYER_RATE_LIMIT'),
});
export type WorkerEnv = z.infer<typeof WorkerEnv>;

export function readWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const result = WorkerEnv.safeParse(env);
  if (!result.success) throw new Error(`invalid worker settings: ${describeIssues(result.error)}`);
  return result.data;
}
