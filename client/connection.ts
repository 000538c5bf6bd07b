// How to reach Temporal: address, namespace, task queue, TLS and API key, read from the environment and
// validated once with zod. Worker, client library and CLI all use these same settings.
import fs from 'node:fs';
import { z } from 'zod';
import type { TLSConfig } from '@temporalio/client';
import { describeIssues } from '../domain/event';

const optionalPath = (name: string) =>
  z
    .string()
    .min(1)
    .refine((p) => fs.existsSync(p), { message: `${name} must be the path of a readable file` })
    .optional();

export const TemporalSettings = z
  .object({
    TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'TEMPORAL_ADDRESS must be host:port, e.g. localhost:7233').default('localhost:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'TEMPORAL_TASK_QUEUE must be letters, digits, . _ -').default('s2s-relay'),
    /** Turn TLS on without client certificates (e.g. Temporal Cloud with an API key). */
    TEMPORAL_TLS: z.enum(['true', 'false'], { error: 'TEMPORAL_TLS must be "true" or "false"' }).optional(),
    TEMPORAL_TLS_CERT: optionalPath('TEMPORAL_TLS_CERT'),
    TEMPORAL_TLS_KEY: optionalPath('TEMPORAL_TLS_KEY'),
    TEMPORAL_TLS_CA: optionalPath('TEMPORAL_TLS_CA'),
    TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
    TEMPORAL_API_KEY: z.string().min(1).optional(),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.TEMPORAL_TLS_CERT) !== Boolean(env.TEMPORAL_TLS_KEY)) {
      ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_CERT'], message: 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together (mTLS client certificate and its key)' });
    }
  });
export type TemporalSettings = z.infer<typeof TemporalSettings>;

export function readTemporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const result = TemporalSettings.safeParse(env);
  if (!result.success) throw new Error(`invalid Temporal connection settings: ${describeIssues(result.error)}`);
  return result.data;
}

/** Whether TLS is on: explicitly, or implied by certificates, a CA or an API key (Temporal Cloud). */
export function usesTls(s: TemporalSettings): boolean {
  if (s.TEMPORAL_TLS) return s.TEMPORAL_TLS === 'true';
  return Boolean(s.TEMPORAL_TLS_CERT || s.TEMPORAL_TLS_CA || s.TEMPORAL_API_KEY || s.TEMPORAL_TLS_SERVER_NAME);
}

/** What both Connection.connect (client) and NativeConnection.connect (worker) take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

export function connectionOptions(s: TemporalSettings): TemporalConnectionOptions {
  const options: TemporalConnectionOptions = { address: s.TEMPORAL_ADDRESS };
  if (usesTls(s)) {
    options.tls = {
      ...(s.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: s.TEMPORAL_TLS_SERVER_NAME } : {}),
      ...(s.TEMPORAL_TLS_CA ? { serverRootCACertificate: fs.readFileSync(s.TEMPORAL_TLS_CA) } : {}),
      ...(s.TEMPORAL_TLS_CERT && s.TEMPORAL_TLS_KEY
        ? { clientCertPair: { crt: fs.readFileSync(s.TEMPORAL_TLS_CERT), key: fs.readFileSync(s.TEMPORAL_TLS_KEY) } }
        : {}),
    };
  }
  if (s.TEMPORAL_API_KEY) options.apiKey = s.TEMPORAL_API_KEY;
  return options;
}
