// The inspection and control API under /__emulator (JSON in and out): maps method + path + body onto the
// engine's in-process API, and turns invalid input into 400 {"error", "issues":[{path, message}]}.
// No sockets here: server.ts hands in the decoded request and writes the answer.
import { z } from 'zod';
import { formatIssues } from './config';
import type { EmulatorEngine } from './engine';
import { EmulatorInputError } from './engine';

export interface ControlAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const ResetBodySchema = z.strictObject({ config: z.boolean().optional() });

type Handler = (engine: EmulatorEngine, query: Record<string, string>, body: unknown) => ControlAnswer;

const ok = (body: unknown, status = 200): ControlAnswer => ({ status, body });

const ROUTES: Record<string, Partial<Record<string, Handler>>> = {
  health: { GET: () => ok({ ok: true }) },
  requests: { GET: (e, query) => ok({ requests: e.requests(query) }) },
  stats: { GET: (e) => ok(e.stats()) },
  reset: {
    POST: (e, _q, body) => {
      const r = ResetBodySchema.safeParse(body ?? {});
      if (!r.success) throw new EmulatorInputError('invalid reset body', formatIssues(r.error));
      e.reset(r.data);
      return ok({ reset: true, config: r.data.config === true ? 'restored to startup config' : 'kept' });
    },
  },
  faults: {
    GET: (e) => ok(e.getFaults()),
    POST: (e, _q, body) => {
      e.setFaults((body ?? {}) as never);
      return ok(e.getFaults());
    },
  },
  config: {
    GET: (e) => ok(e.getConfig()),
    PUT: (e, _q, body) => ok(e.setConfig(body)),
    PATCH: (e, _q, body) => ok(e.updateConfig(body)),
  },
  installs: { POST: (e, _q, body) => ok({ install: e.registerInstall((body ?? {}) as never) }, 201) },
};

/** `name` is the path after /__emulator/, e.g. "requests". `rawBody` is the request body as text. */
export function handleControl(engine: EmulatorEngine, method: string, name: string, query: Record<string, string>, rawBody: string): ControlAnswer {
  const route = ROUTES[name];
  if (!route) return { status: 404, body: { error: `unknown control endpoint /__emulator/${name}`, endpoints: Object.keys(ROUTES) } };
  const handler = route[method];
  if (!handler) {
    const allow = Object.keys(route).join(', ');
    return { status: 405, body: { error: `${method} not allowed on /__emulator/${name}; use ${allow}` }, headers: { allow } };
  }
  let body: unknown = undefined;
  if (rawBody.trim() !== '') {
    try {
      body = JSON.parse(rawBody);
    } catch {
      return { status: 400, body: { error: 'body is not valid JSON', issues: [{ path: '(root)', message: 'invalid JSON' }] } };
    }
  }
  try {
    return handler(engine, query, body);
  } catch (err) {
    if (err instanceof EmulatorInputError) return { status: 400, body: { error: err.message, issues: err.issues } };
    throw err;
  }
}
