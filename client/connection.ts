// How to reach Temporal: address, namespace, task queue, TLS (server CA and name, mTLS client certificate)
// and Temporal Cloud API key, read from the environment and validated once with zod, with messages that
// say what to fix. Worker, client library and CLI all use these same settings (README: Configuration reference).
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';
import type { TLSConfig } from '@temporalio/client';
import { describeZod } from '../domain/contract/issues';

/** Why a PEM file cannot be used, or undefined when it can. */
function pemProblem(file: string, what: string): string | undefined {
  let text: string;
  try {
    if (!fs.statSync(file).isFile()) return `must be the path of a PEM file holding ${what}; ${file} is not a file`;
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return `must be the path of a readable PEM file holding ${what}; cannot read ${file} (${code})`;
  }
  if (!text.includes('-----BEGIN ')) return `must be a PEM file holding ${what}; ${file} has no "-----BEGIN" block`;
  return undefined;
}

/** An optional variable: unset or empty (e.g. `KEY=${KEY}` in compose with KEY unset) both mean "not set". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const pemPath = (what: string) =>
  optional(
    z
      .string()
      .trim()
      .superRefine((file, ctx) => {
        const problem = pemProblem(file, what);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  );

const TLS_FILES = ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME'] as const;

export const TemporalSettings = z
  .object({
    /** Frontend gRPC endpoint. Temporal Cloud: `<namespace>.<account>.tmprl.cloud:7233` (mTLS) or the regional API-key endpoint. */
    TEMPORAL_ADDRESS: z
      .string()
      .trim()
      .superRefine((address, ctx) => {
        const match = /^(?:[^\s:[\]]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/.exec(address);
        if (!match)
          ctx.addIssue({
            code: 'custom',
            message: `must be host:port, e.g. localhost:7233, temporal:7233 or my-ns.a1b2c.tmprl.cloud:7233; got ${JSON.stringify(address)}`,
          });
        else if (Number(match[1]) < 1 || Number(match[1]) > 65535)
          ctx.addIssue({ code: 'custom', message: `the port must be between 1 and 65535; got ${match[1]}` });
      })
      .default('localhost:7233'),
    TEMPORAL_NAMESPACE: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a namespace name (letters, digits, . _ -), e.g. default or my-ns.a1b2c on Temporal Cloud')
      .default('default'),
    TEMPORAL_TASK_QUEUE: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,200}$/, 'must be 1-200 letters, digits, . _ - (e.g. s2s-relay)')
      .default('s2s-relay'),
    /** Turn TLS on without other TLS settings (e.g. Temporal Cloud with an API key), or off explicitly. */
    TEMPORAL_TLS: optional(z.enum(['true', 'false'], { error: 'must be "true" or "false"' })),
    TEMPORAL_TLS_CERT: pemPath('the mTLS client certificate'),
    TEMPORAL_TLS_KEY: pemPath('the private key of the mTLS client certificate'),
    TEMPORAL_TLS_CA: pemPath('the CA certificate that signed the server certificate'),
    /** Name to verify the server certificate against when it differs from the address host (proxies, IPs). */
    TEMPORAL_TLS_SERVER_NAME: optional(
      z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9.-]+$/, 'must be a DNS name from the server certificate, e.g. temporal.internal'),
    ),
    TEMPORAL_API_KEY: optional(z.string().trim().regex(/^\S+$/, 'must not contain spaces or line breaks (paste the key alone)')),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.TEMPORAL_TLS_CERT) !== Boolean(env.TEMPORAL_TLS_KEY)) {
      const missing = env.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: 'is missing: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together (mTLS client certificate and its key)',
      });
    } else if (env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY && !pemProblem(env.TEMPORAL_TLS_CERT, '') && !pemProblem(env.TEMPORAL_TLS_KEY, '')) {
      const mismatch = keyPairProblem(env.TEMPORAL_TLS_CERT, env.TEMPORAL_TLS_KEY);
      if (mismatch) ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_KEY'], message: mismatch });
    }
    if (env.TEMPORAL_TLS === 'false') {
      for (const name of TLS_FILES) {
        if (env[name]) ctx.addIssue({ code: 'custom', path: [name], message: `is set but TEMPORAL_TLS is "false": remove ${name} or set TEMPORAL_TLS=true` });
      }
    }
  });
export type TemporalSettings = z.infer<typeof TemporalSettings>;

/** Checks that the key belongs to the certificate (both readable PEM files already). */
function keyPairProblem(certFile: string, keyFile: string): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(fs.readFileSync(certFile));
  } catch {
    return `TEMPORAL_TLS_CERT (${certFile}) is not a valid X.509 certificate (PEM)`;
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(fs.readFileSync(keyFile)))) {
      return `${keyFile} is not the private key of the certificate in TEMPORAL_TLS_CERT (${certFile})`;
    }
  } catch {
    return `${keyFile} is not a valid, unencrypted private key (PEM)`;
  }
  return undefined;
}

export function readTemporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const result = TemporalSettings.safeParse(env);
  if (!result.success) throw new Error(`invalid Temporal connection settings: ${describeZod(result.error)}`);
  return result.data;
}

/** Whether TLS is on: explicitly, or implied by certificates, a CA, a server name or an API key (Temporal Cloud). */
export function usesTls(s: TemporalSettings): boolean {
  if (s.TEMPORAL_TLS) return s.TEMPORAL_TLS === 'true';
  return Boolean(s.TEMPORAL_TLS_CERT || s.TEMPORAL_TLS_CA || s.TEMPORAL_API_KEY || s.TEMPORAL_TLS_SERVER_NAME);
}

/** What both Connection.connect (client) and NativeConnection.connect (worker) take. */
export interface TemporalConnectionOptions {
  address: string;
  /** Always explicit: `false` keeps an API key from switching TLS on by itself (TEMPORAL_TLS=false). */
  tls: TLSConfig | false;
  apiKey?: string;
}

export function connectionOptions(s: TemporalSettings): TemporalConnectionOptions {
  const options: TemporalConnectionOptions = { address: s.TEMPORAL_ADDRESS, tls: false };
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

/** A one-line, secret-free description of how the connection is made (startup logs, errors). */
export function describeConnection(s: TemporalSettings): string {
  const parts = [`${s.TEMPORAL_ADDRESS} namespace=${s.TEMPORAL_NAMESPACE}`];
  if (!usesTls(s)) parts.push('plaintext');
  else
    parts.push(
      s.TEMPORAL_TLS_CERT ? 'mTLS' : 'TLS',
      ...(s.TEMPORAL_TLS_SERVER_NAME ? [`server name ${s.TEMPORAL_TLS_SERVER_NAME}`] : []),
      ...(s.TEMPORAL_TLS_CA ? ['custom CA'] : []),
    );
  if (s.TEMPORAL_API_KEY) parts.push('API key');
  return parts.join(', ');
}
