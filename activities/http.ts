// The HTTP sender: one keep-alive undici Pool per vendor origin, shared by every activity of the worker,
// with the connect/headers/body timeouts from `http` in the app configuration. It sends one request and
// reports what happened (status + body, or a network error code); it never retries and never classifies.
import { Pool } from 'undici';
import type { RelayConfig } from '../domain/config';
import type { HttpOutcome } from './classify';
import type { VendorRequest } from '../domain/vendors/request';

export type HttpSettings = RelayConfig['http'];

/** Answers are short; anything longer is cut here so a misbehaving endpoint cannot fill memory or logs. */
const MAX_ANSWER_BYTES = 64 * 1024;

export class VendorHttp {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  constructor(private readonly settings: HttpSettings) {}

  /** The shared pool for an origin (created on first use). */
  pool(origin: string): Pool {
    if (this.closed) throw new Error('the HTTP sender is closed');
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.settings.connections,
        connectTimeout: this.settings.connectTimeout,
        headersTimeout: this.settings.headersTimeout,
        bodyTimeout: this.settings.bodyTimeout,
        keepAliveTimeout: 30_000,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** Sends one request and waits for the whole answer. Never throws for HTTP or network failures. */
  async send(request: VendorRequest, signal?: AbortSignal): Promise<HttpOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const url = new URL(request.url);
    try {
      const response = await this.pool(url.origin).request({
        method: request.method,
        path: `${url.pathname}${url.search}`,
        headers: request.headers,
        body: request.body,
        signal,
      });
      const body = await readCapped(response.body);
      const retryAfter = response.headers['retry-after'];
      const outcome: HttpOutcome = { kind: 'response', status: response.statusCode, body, durationMs: elapsed() };
      if (retryAfter !== undefined) outcome.retryAfter = Array.isArray(retryAfter) ? (retryAfter[0] ?? '') : retryAfter;
      return outcome;
    } catch (error) {
      const err = error as { code?: unknown; name?: unknown; message?: unknown; cause?: { code?: unknown } };
      const code = typeof err.code === 'string' ? err.code : typeof err.cause?.code === 'string' ? err.cause.code : String(err.name ?? 'Error');
      return { kind: 'network', code, message: String(err.message ?? error), durationMs: elapsed() };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => p.destroy())));
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_ANSWER_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
}
