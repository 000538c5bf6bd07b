// Loads the application configuration (JSON or YAML, schema in domain/config.ts) and resolves its
// secrets ({env} / {file} / {value}) once, at start. Every problem is collected and reported together in one
// ConfigError naming each path; no message ever contains a secret. Only the worker's activities get secrets.
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { RelayConfig, type LoadedConfig, type RelayConfigInput, type SecretRef } from '../domain/config';
import { ConfigError } from '../domain/errors';
import { formatDuration } from '../domain/duration';
import { redact } from '../activities/redact';

export type { LoadedConfig };
export { ConfigError };

export function loadRelayConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(resolved, 'utf8');
  } catch (error) {
    throw new ConfigError(resolved, [`cannot read the configuration file (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return resolveAppConfig(parseText(text, resolved), env, resolved, { baseDir: path.dirname(resolved) });
}

/**
 * Validates an in-process configuration and resolves its secrets. Relative `{file}` paths resolve against
 * `options.baseDir` (default: the current directory).
 */
export function resolveAppConfig(
  input: RelayConfigInput | unknown,
  env: NodeJS.ProcessEnv = process.env,
  source = 'in-process configuration',
  options: { baseDir?: string } = {},
): LoadedConfig {
  const inlineSecrets = collectInlineSecrets(input);
  const parsed = RelayConfig.safeParse(input);
  if (!parsed.success)
    throw new ConfigError(
      source,
      issueLines(parsed.error).map((p) => redact(p, inlineSecrets, 2000)),
    );
  const config = parsed.data;
  const problems: string[] = [...timeoutProblems(config)];
  const warnings: string[] = [...timeoutWarnings(config)];
  const baseDir = options.baseDir ?? process.cwd();
  const adjust: Record<string, string | undefined> = {};
  const appsflyer: Record<string, string> = {};

  for (const [key, app] of Object.entries(config.apps)) {
    if (app.adjust) {
      const at = `apps.${key}.adjust.s2sToken`;
      const ref = app.adjust.s2sToken;
      adjust[key] = ref ? resolveSecret(ref, at, env, baseDir, problems) : undefined;
      if (ref && 'value' in ref) refuseIfRemote(at, config.vendors.adjustBaseUrl, problems);
    }
    if (app.appsflyer) {
      const at = `apps.${key}.appsflyer.key`;
      const ref = app.appsflyer.key;
      const value = resolveSecret(ref, at, env, baseDir, problems);
      if (value !== undefined) appsflyer[key] = value;
      const base = app.appsflyer.apiVersion === 'api2' ? config.vendors.appsflyerApi2BaseUrl : config.vendors.appsflyerApi3BaseUrl;
      if ('value' in ref) refuseIfRemote(at, base, problems);
    }
  }
  const known = [...inlineSecrets, ...Object.values(appsflyer), ...Object.values(adjust).filter((s): s is string => !!s)];
  if (problems.length > 0)
    throw new ConfigError(
      source,
      problems.map((p) => redact(p, known, 2000)),
    );
  return { config, source, secrets: hideWhenSerialised({ adjust, appsflyer }), warnings };
}

/**
 * The configuration file validated but with its secrets left unresolved (references only): for tools that
 * rebuild what the workers send without sending it (`s2s explain`), so they need no secret at all.
 */
export function readRelayConfigFile(file: string): RelayConfig {
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(resolved, 'utf8');
  } catch (error) {
    throw new ConfigError(resolved, [`cannot read the configuration file (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  const input = parseText(text, resolved);
  const parsed = RelayConfig.safeParse(input);
  if (!parsed.success)
    throw new ConfigError(
      resolved,
      issueLines(parsed.error).map((p) => redact(p, collectInlineSecrets(input), 2000)),
    );
  return parsed.data;
}

function parseText(text: string, file: string): unknown {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      const at = /position (\d+)/.exec(String((error as Error).message))?.[1];
      throw new ConfigError(file, [`not valid JSON${at ? ` (at character ${at})` : ''}`]);
    }
  }
  if (ext === '.yaml' || ext === '.yml') {
    const lines = new LineCounter();
    const doc = parseDocument(text, { prettyErrors: false, lineCounter: lines });
    if (doc.errors.length > 0) {
      // The message and position only: a pretty error quotes the surrounding text, which could hold a secret.
      throw new ConfigError(
        file,
        doc.errors.map((e) => {
          const at = lines.linePos(e.pos[0]);
          return `YAML ${e.code} at line ${at.line}, column ${at.col}: ${e.message.split('\n')[0]}`;
        }),
      );
    }
    return doc.toJS();
  }
  throw new ConfigError(file, [`unknown file type "${ext || '(none)'}": use .json, .yaml or .yml`]);
}

function issueLines(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`);
}

function resolveSecret(ref: SecretRef, at: string, env: NodeJS.ProcessEnv, baseDir: string, problems: string[]): string | undefined {
  let value: string | undefined;
  if ('env' in ref) {
    value = env[ref.env];
    if (value === undefined) {
      problems.push(`${at}: environment variable ${ref.env} is not set`);
      return undefined;
    }
    if (value.trim() === '') problems.push(`${at}: environment variable ${ref.env} is empty`);
  } else if ('file' in ref) {
    const file = path.resolve(baseDir, ref.file);
    try {
      value = fs.readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(`${at}: cannot read secret file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
    if (value.trim() === '') problems.push(`${at}: secret file ${file} is empty`);
  } else {
    value = ref.value;
    if (value.trim() === '') problems.push(`${at}: the secret value is empty`);
  }
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Inline {value} secrets are for the local emulator only: real vendor secrets come from {env} or {file}. */
function refuseIfRemote(at: string, baseUrl: string, problems: string[]): void {
  const host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
  if (!loopback)
    problems.push(
      `${at}: an inline {value} secret may only be used with a loopback base URL (the local emulator), not ${baseUrl}; put the secret in {env: NAME} or {file: path}`,
    );
}

/** Each HTTP timeout must end before the activity attempt does, or Temporal (not the sender) ends the attempt. */
function timeoutProblems(config: RelayConfig): string[] {
  const attempt = config.policy.retry.attemptTimeout;
  return (['connectTimeout', 'headersTimeout', 'bodyTimeout'] as const)
    .filter((k) => config.http[k] >= attempt)
    .map((k) => `http.${k}: must be shorter than policy.retry.attemptTimeout (${formatDuration(attempt)}); got ${formatDuration(config.http[k])}`);
}

function timeoutWarnings(config: RelayConfig): string[] {
  const { connectTimeout, headersTimeout, bodyTimeout } = config.http;
  const attempt = config.policy.retry.attemptTimeout;
  const worst = connectTimeout + headersTimeout + bodyTimeout;
  return worst >= attempt
    ? [
        `http: connectTimeout + headersTimeout + bodyTimeout (${formatDuration(worst)}) is not below policy.retry.attemptTimeout (${formatDuration(attempt)}); a slow request may outlive its attempt`,
      ]
    : [];
}

/** Strings written inline where a secret belongs, so even schema messages can be scrubbed of them. */
function collectInlineSecrets(input: unknown): string[] {
  const found: string[] = [];
  const apps = (input as { apps?: unknown } | null)?.apps;
  if (!apps || typeof apps !== 'object') return found;
  for (const app of Object.values(apps as Record<string, unknown>)) {
    const a = app as { adjust?: { s2sToken?: unknown }; appsflyer?: { key?: unknown } } | null;
    for (const ref of [a?.adjust?.s2sToken, a?.appsflyer?.key]) {
      if (typeof ref === 'string' && ref) found.push(ref);
      const value = (ref as { value?: unknown } | null)?.value;
      if (typeof value === 'string' && value) found.push(value);
    }
  }
  return found;
}

function hideWhenSerialised<T extends object>(secrets: T): T {
  const hidden = () => '[redacted]';
  Object.defineProperty(secrets, 'toJSON', { value: hidden, enumerable: false });
  Object.defineProperty(secrets, Symbol.for('nodejs.util.inspect.custom'), { value: hidden, enumerable: false });
  return secrets;
}
