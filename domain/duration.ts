// Durations in configuration: "250ms", "30s", "5m", "2h", "1d" or a number of milliseconds.
import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] as number));
}

/** A duration field, parsed to milliseconds. */
export const Duration = (what: string) =>
  z
    .union([z.number().int().nonnegative(), z.string()], { error: `${what} must be a duration such as "30s", "5m", "2h", "1d" or a number of milliseconds` })
    .transform((v, ctx) => {
      if (typeof v === 'number') return v;
      const ms = parseDuration(v);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `${what} must be a duration such as "250ms", "30s", "5m", "2h" or "1d"; got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return ms;
    });

export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
