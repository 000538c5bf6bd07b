// zod building blocks for the harnesses' options (whole numbers, rates, durations, flags), each with a
// message that says what to write, e.g. "--users: must be a whole number between 1 and 100000, e.g. --users 1000".
import { z } from 'zod';
import { parseDuration } from '../domain/duration';

export const wholeNumber = (example: string, min: number, max: number) =>
  z
    .string({ error: `must be a whole number between ${min} and ${max}, e.g. ${example}` })
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}, e.g. ${example}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}, e.g. ${example}`).max(max, `must be at most ${max}`));

export const positiveNumber = (example: string) =>
  z
    .string({ error: `must be a number greater than 0, e.g. ${example}` })
    .regex(/^\d+(\.\d+)?$/, `must be a number greater than 0, e.g. ${example}`)
    .transform(Number)
    .pipe(z.number().positive(`must be greater than 0, e.g. ${example}`));

export const duration = (example: string) =>
  z.string({ error: `must be a duration such as ${example} (ms, s, m)` }).transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be a duration such as ${example} (ms, s, m); got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return ms;
  });

export const flag = z.literal(true, { error: 'is a flag: write it without a value' }).optional();

export const filePath = (example: string) => z.string({ error: `needs a file path, e.g. ${example}` }).min(1, `needs a file path, e.g. ${example}`);

export const address = z
  .string({ error: 'needs host:port of a running Temporal server, e.g. --temporal 127.0.0.1:7233' })
  .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port of a running Temporal server, e.g. --temporal 127.0.0.1:7233');

/** `KEY=VALUE` pairs (repeatable option), for extra worker environment. */
export const envPairs = z
  .union([z.string(), z.array(z.string())], { error: 'takes KEY=VALUE, e.g. --worker-env S2S_MAX_CACHED_WORKFLOWS=5000' })
  .transform((v, ctx) => {
    const out: Record<string, string> = {};
    for (const pair of Array.isArray(v) ? v : [v]) {
      const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair);
      if (!m) {
        ctx.addIssue({
          code: 'custom',
          message: `takes KEY=VALUE with an upper-case variable name, e.g. S2S_MAX_CACHED_WORKFLOWS=5000; got ${JSON.stringify(pair)}`,
        });
        return z.NEVER;
      }
      out[m[1] as string] = m[2] as string;
    }
    return out;
  })
  .optional();

/** A comma-separated list of whole numbers, e.g. `0,1,3,12,40`. */
export const wholeNumberList = (example: string, min: number, max: number) =>
  z.string({ error: `takes whole numbers separated by commas, e.g. ${example}` }).transform((text, ctx) => {
    const parts = text.split(',').map((p) => p.trim());
    const numbers = parts.map(Number);
    if (parts.some((p) => !/^\d+$/.test(p)) || numbers.some((n) => n < min || n > max)) {
      ctx.addIssue({
        code: 'custom',
        message: `takes whole numbers between ${min} and ${max} separated by commas, e.g. ${example}; got ${JSON.stringify(text)}`,
      });
      return z.NEVER;
    }
    return [...new Set(numbers)].sort((a, b) => a - b);
  });
