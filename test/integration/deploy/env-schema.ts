// Helpers for the deployment tests: the environment variable names the worker's zod schemas know and
// require (derived from the schemas, so the tests follow them), and compose-style `${VAR:-default}` values.
import type { z } from 'zod';
import { TemporalSettings } from '../../../client/connection';
import { WorkerEnv } from '../../../worker/config';

type Shape = Record<string, z.ZodType>;

const shapes: Shape[] = [WorkerEnv.shape as Shape, TemporalSettings.shape as Shape];

/** Every variable the worker process reads through its schemas. */
export function knownWorkerVariables(): string[] {
  return shapes.flatMap((shape) => Object.keys(shape));
}

/** Variables without a default that must be set (their schema rejects `undefined`). */
export function requiredWorkerVariables(): string[] {
  return shapes.flatMap((shape) =>
    Object.entries(shape)
      .filter(([, schema]) => !schema.safeParse(undefined).success)
      .map(([name]) => name),
  );
}

/** The default a variable takes when unset, as the schema computes it (undefined: none). */
export function schemaDefault(name: string): unknown {
  for (const shape of shapes) {
    const schema = shape[name];
    if (!schema) continue;
    const parsed = schema.safeParse(undefined);
    return parsed.success ? parsed.data : undefined;
  }
  throw new Error(`${name} is not a worker variable`);
}

/** Resolves compose interpolation with the variables unset: `${X:-d}` / `${X-d}` -> d, `${X}` -> "". */
export function composeDefault(value: unknown): string {
  return String(value).replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_m, _name: string, fallback?: string) => fallback ?? '');
}
