// Command-line parsing shared by `npm run bench` and `npm run chaos`: `--name value`, `--name=value` and
// bare `--flag` become an object (repeated names become arrays) that a zod schema then validates, so every
// bad option gets a message naming it and what is expected.
import type { z } from 'zod';

export type RawArgs = Record<string, string | true | Array<string | true>>;

/** Turns argv (without node and the script) into raw options; positional arguments are refused. */
export function parseArgv(argv: readonly string[]): RawArgs {
  const out: RawArgs = {};
  const put = (name: string, value: string | true) => {
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}": options look like --users 100 (see --help)`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      put(arg.slice(2, eq), arg.slice(eq + 1));
      continue;
    }
    const name = arg.slice(2);
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      put(name, next);
      i += 1;
    } else put(name, true);
  }
  return out;
}

/** Camel-cases option names (`events-per-user` -> `eventsPerUser`). */
export function camelKeys(raw: RawArgs): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase()), v]));
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Validates raw options with `schema`; throws one message listing every problem as `--option: reason`. */
export function parseOptions<S extends z.ZodType>(schema: S, argv: readonly string[]): z.infer<S> {
  const result = schema.safeParse(camelKeys(parseArgv(argv)));
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.length > 0 ? `--${kebab(String(issue.path[0]))}` : 'options';
    if (issue.code === 'unrecognized_keys') return `unknown option(s) ${issue.keys.map((k) => `--${kebab(k)}`).join(', ')} (see --help)`;
    return `${name}: ${issue.message}`;
  });
  throw new Error(`invalid options:\n  ${lines.join('\n  ')}`);
}
