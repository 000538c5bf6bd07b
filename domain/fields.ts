// Field schemas shared by every message: ids, timestamps, amounts, currencies, custom params.
// Each carries a message a person can act on (what was expected, with an example).
import { z } from 'zod';
import { amountProblem, compareAmounts, MAX_REVENUE, normalizeAmount } from './money';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;

export const UserId = z
  .string({ error: 'userId is required (a string such as "user_42")' })
  .regex(ID, 'userId must be 1-128 characters: letters, digits and . _ : @ + - (starting with a letter or digit)');

export const MessageId = (what: string) =>
  z
    .string({ error: `${what} is required (an id chosen by your backend, e.g. "evt_123")` })
    .regex(ID, `${what} must be 1-128 characters: letters, digits and . _ : @ + - (starting with a letter or digit)`);

/** Product event names: what the backend calls the event; the app config maps them to vendor names/tokens. */
export const EventName = z
  .string({ error: 'name is required (e.g. "purchase")' })
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'name must be 1-64 characters of lowercase letters, digits and _ starting with a letter (e.g. "purchase")');

/** ISO 8601 timestamp with a timezone (Z or an offset), as epoch milliseconds after parsing. */
export const Timestamp = (what: string) =>
  z
    .string({ error: `${what} is required (ISO 8601 with a timezone, e.g. "2026-11-22T10:15:00Z")` })
    .refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)), {
      message: `${what} must be an ISO 8601 timestamp with a timezone, e.g. "2026-11-22T10:15:00Z" or "2026-11-22T12:15:00+02:00"`,
    })
    .transform((s) => new Date(Date.parse(s)).toISOString());

/** A positive amount as an exact decimal string (numbers are accepted and converted). */
export const Amount = (what: string) =>
  z
    .union([z.string(), z.number()], { error: `${what} must be a decimal number such as 4.99 or "4.99"` })
    .transform((v, ctx) => {
      const text = typeof v === 'number' ? String(v) : v.trim();
      const problem = amountProblem(text);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: `${what} ${problem}; got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      const amount = normalizeAmount(text);
      if (compareAmounts(amount, '0') <= 0) {
        ctx.addIssue({ code: 'custom', message: `${what} must be greater than 0; got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      if (compareAmounts(amount, MAX_REVENUE) > 0) {
        ctx.addIssue({ code: 'custom', message: `${what} must be at most 100000000000 (the vendors' limit); got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return amount;
    });

export const Currency = z
  .string({ error: 'currency must be a 3-letter ISO 4217 code such as "USD"' })
  .regex(/^[A-Z]{3}$/, 'currency must be a 3-letter uppercase ISO 4217 code such as "USD"');

/** Flat string-to-string params (Adjust callback/partner params must not be nested). */
export const FlatParams = (what: string) =>
  z.record(
    z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, `${what} keys must be 1-64 characters of letters, digits, _ . -`),
    z.string({ error: `${what} values must be strings (the vendors accept flat string maps only, no numbers or nesting)` }).max(1024),
    { error: `${what} must be an object of string values, e.g. {"plan":"pro"}` },
  );

export const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const IpAddress = z
  .string()
  .refine((s) => IPV4.test(s) || (s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s) && s.length <= 45), {
    message: 'ip must be an IPv4 address such as 203.0.113.7 (IPv6 is accepted but Adjust will not be sent it)',
  });
