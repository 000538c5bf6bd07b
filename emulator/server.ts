// HTTP wiring of the emulator on Node's http module: routes /adjust/*, /appsflyer/inappevent/{app_id}
// and /__emulator/*, reads bodies, and carries out the engine's answer (including slow, hanging and reset
// sockets). startEmulator() is the in-process entry point used by tests, `npm start` and benchmarks.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { EmulatorConfig, EmulatorConfigInput } from './config';
import { defaultEmulatorConfig, parseConfig } from './config';
import { handleControl } from './control';
import type { EngineAction, Route } from './engine';
import { EmulatorEngine, EmulatorInputError } from './engine';
import type { VendorRequest } from './verdict';

export { EmulatorInputError } from './engine';
export type { EmulatorConfig, EmulatorConfigInput } from './config';
export type { RecordedRequest, RequestFilter } from './record';
export type { FaultsInput, FaultsState } from './faults';
export type { InstallInput, RegisteredInstall } from './installs';
export type { EmulatorStats } from './stats';

export interface StartEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Complete configuration (missing fields take schema defaults); default: emulator/demo-config.json. */
  config?: EmulatorConfigInput;
  /** Clock override for tests, in ms since the epoch. */
  now?: () => number;
  /** No per-request log lines. */
  quiet?: boolean;
}

type EngineApi = Pick<
  EmulatorEngine,
  'requests' | 'stats' | 'reset' | 'setFaults' | 'getFaults' | 'getConfig' | 'setConfig' | 'updateConfig' | 'registerInstall'
>;

export interface Emulator extends EngineApi {
  url: string;
  port: number;
  close(): Promise<void>;
  engine: EmulatorEngine;
}

/** Large enough for a GET whose URL exceeds Adjust's 1 MB limit to reach the 413 rule. */
const MAX_HEADER_BYTES = 4 * 1024 * 1024;
/** Bodies beyond this are not read at all: the socket is answered 413 and closed. */
const HARD_BODY_CAP = 16 * 1024 * 1024;
const ADJUST_ENDPOINTS = new Set(['event', 'ad_revenue', 'session']);

export function routeOf(pathname: string): Route | { control: string } | undefined {
  const parts = pathname.split('/').slice(1);
  if (parts[0] === 'adjust' && parts.length === 2 && ADJUST_ENDPOINTS.has(parts[1] as string)) {
    return { vendor: 'adjust', endpoint: parts[1] as 'event' | 'ad_revenue' | 'session' };
  }
  if (parts[0] === 'appsflyer' && parts[1] === 'inappevent' && parts.length === 3 && parts[2] !== '') {
    try {
      return { vendor: 'appsflyer', endpoint: 'inappevent', appId: decodeURIComponent(parts[2] as string) };
    } catch {
      return undefined;
    }
  }
  if (parts[0] === '__emulator' && parts.length === 2) return { control: parts[1] as string };
  return undefined;
}

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function readBody(req: http.IncomingMessage): Promise<{ body: Buffer; bytes: number } | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > HARD_BODY_CAP) {
        req.removeAllListeners('data');
        resolve('too-large');
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks), bytes }));
    req.on('error', reject);
  });
}

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  let config: EmulatorConfig = defaultEmulatorConfig;
  if (options.config !== undefined) {
    const parsed = parseConfig(options.config);
    if (!parsed.ok) throw new EmulatorInputError('invalid emulator config', parsed.issues);
    config = parsed.value;
  }
  const now = options.now ?? Date.now;
  const engine = new EmulatorEngine(config, now);
  const hung = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const log = (line: string): void => {
    if (!options.quiet) console.log(`[emulator] ${line}`);
  };

  const send = (res: http.ServerResponse, status: number, headers: Record<string, string>, body: string): void => {
    if (res.destroyed || res.headersSent) return;
    res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const carryOut = (req: http.IncomingMessage, res: http.ServerResponse, action: EngineAction): void => {
    const r = action.record;
    log(`${r.method} ${r.path} -> ${r.status || action.socket} ${r.outcome}${r.fault ? ` (fault ${r.fault})` : ''}`);
    if (action.socket === 'hang') {
      hung.add(req.socket);
      req.socket.once('close', () => hung.delete(req.socket));
      return;
    }
    if (action.socket === 'destroy') {
      req.socket.destroy();
      return;
    }
    // An answer the client closed the connection before getting (it gave up waiting) is marked on the record.
    res.once('close', () => {
      if (!res.writableFinished && closing === undefined) r.answerUndelivered = true;
    });
    if (action.delayMs <= 0) return send(res, action.status, action.headers, action.body);
    const t = setTimeout(() => {
      timers.delete(t);
      send(res, action.status, action.headers, action.body);
    }, action.delayMs);
    timers.add(t);
  };

  const onRequest = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const receivedAtMs = now();
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://emulator.local');
    const route = routeOf(url.pathname);
    const read = await readBody(req);
    if (read === 'too-large') {
      send(res, 413, { 'content-type': 'application/json', connection: 'close' }, JSON.stringify({ error: 'request body too large for the emulator' }));
      req.socket.destroySoon();
      return;
    }
    const query = Object.fromEntries([...new Set(url.searchParams.keys())].map((k) => [k, url.searchParams.get(k) as string]));
    if (route && 'control' in route) {
      const answer = handleControl(engine, req.method ?? 'GET', route.control, query, read.body.toString('utf8'));
      return send(res, answer.status, { 'content-type': 'application/json', ...answer.headers }, JSON.stringify(answer.body));
    }
    if (!route) return send(res, 404, { 'content-type': 'application/json' }, JSON.stringify({ error: `no emulated endpoint at ${url.pathname}` }));
    const vreq: VendorRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      search: url.searchParams,
      headers: flatHeaders(req.headers),
      body: read.body.toString('utf8'),
      bodyBytes: read.bytes,
      urlBytes: Buffer.byteLength(rawUrl),
      receivedAtMs,
    };
    carryOut(req, res, engine.handle(vreq, route));
  };

  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      console.error('[emulator] internal error:', err);
      send(res, 500, { 'content-type': 'application/json' }, JSON.stringify({ error: 'emulator internal error' }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    engine,
    requests: (filter) => engine.requests(filter),
    stats: () => engine.stats(),
    reset: (opts) => engine.reset(opts),
    setFaults: (input) => engine.setFaults(input),
    getFaults: () => engine.getFaults(),
    getConfig: () => engine.getConfig(),
    setConfig: (input) => engine.setConfig(input),
    updateConfig: (patch) => engine.updateConfig(patch),
    registerInstall: (input) => engine.registerInstall(input),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const s of hung) s.destroy();
        hung.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
