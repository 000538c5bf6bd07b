// Structured logging for the worker process: one JSON object per line (or a readable line with
// S2S_LOG_FORMAT=pretty), used for the Temporal runtime, workflow and activity logs alike. Errors keep their
// stack; an activity's task token never reaches a line (it embeds the raw workflow id, so the user id).
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { USER_WORKFLOW_PREFIX, userHash } from '../domain/ids';

const ORDER: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

export class StructuredLogger implements Logger {
  /**
   * PII display off (policy.showDeviceIds: false): a user workflow's id (`s2s-user-<userId>`), which the SDK
   * adds to workflow and activity lines, is logged as the user's hash instead.
   */
  hideUserIds = false;

  constructor(
    private readonly level: LogLevel = 'INFO',
    private readonly format: 'json' | 'pretty' = 'json',
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    // The vendor workers run activities only; the SDK's warning about that is expected, not a problem.
    if (level === 'WARN' && message.startsWith('No workflows registered')) level = 'DEBUG';
    if (ORDER[level] < ORDER[this.level]) return;
    meta = withoutTaskToken(meta);
    if (this.hideUserIds) meta = withoutUserIds(meta);
    const time = new Date().toISOString();
    if (this.format === 'json') {
      this.write(JSON.stringify({ time, level: level.toLowerCase(), msg: message, ...flatten(meta) }, replacer));
    } else {
      const rest = meta && Object.keys(meta).length ? ` ${JSON.stringify(flatten(meta), replacer)}` : '';
      this.write(`${time} ${level.padEnd(5)} ${message}${rest}`);
    }
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * The SDK adds `taskToken` (base64) to every activity line. It is a serialized token that carries the
 * workflow id (`s2s-user-<userId>`) in clear, and it can complete the activity: never logged.
 */
function withoutTaskToken(meta?: LogMetadata): LogMetadata | undefined {
  if (!meta || !('taskToken' in meta)) return meta;
  const { taskToken: _token, ...rest } = meta as Record<string, unknown>;
  return rest;
}

function withoutUserIds(meta?: LogMetadata): LogMetadata | undefined {
  const id = meta?.workflowId;
  if (typeof id !== 'string' || !id.startsWith(USER_WORKFLOW_PREFIX)) return meta;
  const { workflowId: _raw, ...rest } = meta as Record<string, unknown>;
  return { ...rest, userHash: userHash(id.slice(USER_WORKFLOW_PREFIX.length)) };
}

function flatten(meta?: LogMetadata): Record<string, unknown> {
  if (!meta) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) out[k] = v;
  return out;
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  // Errors with their stack (its first line repeats the message) and their cause, which is an Error again.
  if (value instanceof Error) {
    const failure = value as Error & { type?: unknown; cause?: unknown };
    return {
      name: value.name,
      message: value.message,
      ...(typeof failure.type === 'string' ? { type: failure.type } : {}),
      ...(value.stack ? { stack: value.stack } : {}),
      ...(failure.cause !== undefined ? { cause: failure.cause } : {}),
    };
  }
  return value;
}

export function toLogLevel(level: string): LogLevel {
  return level.toUpperCase() as LogLevel;
}
