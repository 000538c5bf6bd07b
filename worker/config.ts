// The worker process's environment, validated with zod: where the app configuration is, logging, metrics,
// worker tuning, shutdown and per-vendor rate limits. Temporal connection settings live in client/connection.ts.
import fs from 'node:fs';
import { z } from 'zod';
import { parseDuration } from '../domain/duration';
import { describeZod } from '../domain/contract/issues';
import { parseRateLimit, RATE_LIMIT_SYNTAX } from '../activities/rate-limit';
import { DEFAULT_LEDGER_URL, parseLedgerUrl } from './ledger';

const positiveInt = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .min(1, `${name} must be at least 1`)
    .default(fallback);
/**
 * Vendor requests per second per worker process, or a ramp (activities/rate-limit.ts), validated here and
 * kept as written ("0" = unlimited); worker/workers.ts turns it into the pacer's schedule.
 */
const rate = (name: string) =>
  z
    .string({ error: `${name} must be ${RATE_LIMIT_SYNTAX}` })
    .transform((text) => (text.trim() === '' ? '0' : text.trim()))
    .superRefine((text, ctx) => {
      const parsed = parseRateLimit(text);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: `${name} ${parsed}` });
    })
    .default('0');

const taskQueueRate = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a number of send activities per second, e.g. 50` })
    .positive(`${name} must be above 0 (leave it unset for no limit)`)
    .optional();

export const WorkerEnv = z.object({
  S2S_APP_CONFIG: z.string({ error: 'S2S_APP_CONFIG is required: the path of the app configuration file (JSON or YAML), e.g. config/demo.yaml' }).min(1),
  S2S_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  S2S_LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  /** Workflow executions kept in the worker's sticky cache. */
  S2S_MAX_CACHED_WORKFLOWS: positiveInt('S2S_MAX_CACHED_WORKFLOWS', 2000),
  S2S_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt('S2S_MAX_CONCURRENT_WORKFLOW_TASKS', 100),
  /** Send activities running at once per vendor worker (each holds one HTTP request at a time). */
  S2S_MAX_CONCURRENT_SENDS: positiveInt('S2S_MAX_CONCURRENT_SENDS', 200),
  /** Vendor requests per second per worker process, retries included (0 = unlimited), or a ramp "100 to 500 by 20 every 1m". */
  S2S_ADJUST_RATE_LIMIT: rate('S2S_ADJUST_RATE_LIMIT'),
  S2S_APPSFLYER_RATE_LIMIT: rate('S2S_APPSFLYER_RATE_LIMIT'),
  /**
   * Send activities per second on the vendor's task queue, for all workers together (Temporal's server-side
   * task-queue rate limit); each activity sends up to policy.maxBatchSize requests. Unset = no limit.
   */
  S2S_ADJUST_TASK_QUEUE_RATE: taskQueueRate('S2S_ADJUST_TASK_QUEUE_RATE'),
  S2S_APPSFLYER_TASK_QUEUE_RATE: taskQueueRate('S2S_APPSFLYER_TASK_QUEUE_RATE'),
  /** Prometheus endpoint (`/metrics`) of the SDK runtime and s2s-relay's own metrics; unset or 0 = off. */
  S2S_METRICS_PORT: z.coerce
    .number({ error: 'S2S_METRICS_PORT must be a port number (1-65535), or 0 to turn metrics off' })
    .int('S2S_METRICS_PORT must be a whole port number')
    .min(0, 'S2S_METRICS_PORT must be a port number (1-65535), or 0 to turn metrics off')
    .max(65535, 'S2S_METRICS_PORT must be at most 65535')
    .optional(),
  /** Address the metrics endpoint binds: loopback unless the operator opts in (0.0.0.0 in a container whose port is published). */
  S2S_METRICS_HOST: z
    .string()
    .regex(/^[^\s:]+$|^\[[0-9A-Fa-f:.]+\]$/, 'S2S_METRICS_HOST must be an IP address or host name to bind, e.g. 127.0.0.1 or 0.0.0.0')
    .default('127.0.0.1'),
  /** How often the worker counts user workflows by state in visibility (s2s_user_workflows); "0" = never. Needs metrics on. */
  S2S_VISIBILITY_METRICS_INTERVAL: z
    .string()
    .transform((text, ctx) => {
      const ms = text.trim() === '0' ? 0 : parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `S2S_VISIBILITY_METRICS_INTERVAL must be a duration such as "60s" or "5m", or 0 to turn the counts off; got ${JSON.stringify(text)}`,
        });
        return z.NEVER;
      }
      return ms;
    })
    .default(60_000),
  /** The delivery ledger (worker/ledger.ts): postgres://... shared by every replica, pglite:<dir> embedded (one process), or off. */
  S2S_LEDGER_URL: z
    .string()
    .transform((text) => (text.trim() === '' ? DEFAULT_LEDGER_URL : text.trim()))
    .superRefine((text, ctx) => {
      const parsed = parseLedgerUrl(text);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    })
    .default(DEFAULT_LEDGER_URL),
  /** A workflow bundle prebuilt by `node dist/worker/build-bundle.js` (the Docker image has one); unset = bundle at startup. */
  S2S_WORKFLOW_BUNDLE: z
    .string()
    .min(1)
    .refine((p) => isReadableFile(p), {
      message: 'S2S_WORKFLOW_BUNDLE must be the path of a readable workflow bundle file (build one with `node dist/worker/build-bundle.js <file>`)',
    })
    .optional(),
  /** How long in-flight sends may run after SIGTERM before they are cancelled; default policy.retry.attemptTimeout + 5s. */
  S2S_SHUTDOWN_GRACE: z
    .string()
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `S2S_SHUTDOWN_GRACE must be a duration such as "45s" or "2m"; got ${JSON.stringify(text)}` });
        return z.NEVER;
      }
      return ms;
    })
    .optional(),
});
export type WorkerEnv = z.infer<typeof WorkerEnv>;

export function readWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const result = WorkerEnv.safeParse(env);
  if (!result.success) throw new Error(`invalid worker settings: ${describeZod(result.error)}`);
  return result.data;
}

function isReadableFile(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.R_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
