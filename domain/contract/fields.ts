// The field schemas every message is built from: ids, timestamps, amounts, currencies, device ids and the
// free-form maps. No transforms: a value that passes is stored and sent as given, so a validator's checked
// value is the handler's value. Each message says what was expected, with an example.
import { z } from 'zod';
import { compareAmounts } from '../money';
import { CURRENCIES } from './currencies';
import { LIMITS, MAX_DECIMALS, MAX_REVENUE } from './limits';
import { readTimestamp } from './time';
import { codePoints, jsonBytes, unprintable } from './text';

/**
 * A string matching `re`. Not zod's .regex(): that check resets the pattern's lastIndex on every parse, which
 * the workflow sandbox's frozen shared modules refuse (domain/shared-modules.ts); test() on a non-global
 * pattern never writes to it. The pattern still reaches the JSON Schema.
 */
export function pattern<S extends z.ZodString>(schema: S, re: RegExp, message: string): S {
  if (re.global || re.sticky) throw new Error(`pattern ${re} must not be global or sticky`);
  return schema.refine((value) => re.test(value), { message }).meta({ pattern: re.source }) as S;
}

const ID = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,${LIMITS.idChars - 1}}$`);
const ID_RULE = `1-${LIMITS.idChars} characters: letters, digits and . _ : @ + - (starting with a letter or digit)`;

export const UserId = pattern(z.string({ error: 'userId is required (a string such as "user_42")' }), ID, `userId must be ${ID_RULE}`).meta({
  description: `The app's user id; the workflow id is "s2s-user-" + userId. ${ID_RULE}.`,
  examples: ['user_42'],
});

/** An id chosen by the backend for one message (eventId, refundId) or naming another (purchaseEventId). */
export const MessageId = (what: string) =>
  pattern(z.string({ error: `${what} is required (an id chosen by your backend, e.g. "evt_123")` }), ID, `${what} must be ${ID_RULE}`).meta({
    description: `${ID_RULE}. The same id twice is one message.`,
    examples: ['evt_123'],
  });

/** Product event names: what the backend calls the event; the app configuration maps them to vendor names. */
export const EventName = pattern(
  z.string({ error: 'name is required (e.g. "purchase")' }),
  /^[a-z][a-z0-9_]{0,63}$/,
  'name must be 1-64 characters of lowercase letters, digits and _ starting with a letter (e.g. "purchase")',
).meta({ description: 'Product event name, mapped by the app configuration to an Adjust token and an AppsFlyer event name.', examples: ['purchase'] });

export const AppKey = pattern(
  z.string({ error: 'app is required: the key of the app in the relay configuration, e.g. "demo-ios"' }),
  /^[a-z0-9][a-z0-9_-]{0,63}$/,
  'app must be an app key from the relay configuration: lowercase letters, digits, _ and -, e.g. "demo-ios"',
).meta({ description: "The key of the user's app in the relay configuration (apps.<key>).", examples: ['demo-ios'] });

/** RFC 3339 timestamp with a timezone; a date that does not exist is refused, not rolled over. */
export const Timestamp = (what: string) =>
  z
    .string({ error: `${what} is required (ISO 8601 with a timezone, e.g. "2026-11-22T10:15:00Z")` })
    .superRefine((text, ctx) => {
      const reading = readTimestamp(text);
      if (!reading.ok) ctx.addIssue({ code: 'custom', message: `${what} ${reading.problem}; got ${JSON.stringify(text)}` });
    })
    .meta({
      description: 'RFC 3339 timestamp with a timezone (Z or an offset), a real calendar date.',
      examples: ['2026-11-22T10:15:00Z'],
      format: 'date-time',
    });

const DECIMAL = new RegExp(`^(0|[1-9]\\d{0,11})(\\.\\d{1,${MAX_DECIMALS}})?$`);

/** A positive amount as an exact decimal string: never a JSON number, which can lose precision. */
export const Amount = (what: string) =>
  z
    .string({ error: `${what} must be a decimal string such as "4.99" (a JSON string, not a number: amounts are exact)` })
    .superRefine((text, ctx) => {
      if (!DECIMAL.test(text)) {
        ctx.addIssue({
          code: 'custom',
          message: `${what} must be a plain decimal such as "4.99" up to ${MAX_REVENUE}: digits, at most one point and ${MAX_DECIMALS} decimals, no sign, comma, symbol, exponent or leading zero; got ${JSON.stringify(text)}`,
        });
      } else if (/^0(\.0+)?$/.test(text)) {
        ctx.addIssue({ code: 'custom', message: `${what} must be greater than 0; got ${JSON.stringify(text)}` });
      } else if (compareAmounts(text, MAX_REVENUE) > 0) {
        ctx.addIssue({ code: 'custom', message: `${what} must be at most ${MAX_REVENUE} (the vendors' limit); got ${JSON.stringify(text)}` });
      }
    })
    .meta({
      description: `Exact decimal string, more than 0, at most ${MAX_REVENUE}, up to ${MAX_DECIMALS} decimals.`,
      examples: ['4.99'],
      pattern: DECIMAL.source,
    });

export const Currency = z
  .string({ error: 'currency must be a 3-letter ISO 4217 code such as "USD"' })
  .superRefine((code, ctx) => {
    if (!/^[A-Z]{3}$/.test(code))
      ctx.addIssue({ code: 'custom', message: `currency must be a 3-letter uppercase ISO 4217 code such as "USD"; got ${JSON.stringify(code)}` });
    else if (!CURRENCIES.has(code))
      ctx.addIssue({
        code: 'custom',
        message: `currency ${code} is not an ISO 4217 currency a purchase can be paid in (AppsFlyer's list, without XXX, XTS and metal or fund units)`,
      });
  })
  .meta({
    description: "ISO 4217 code from AppsFlyer's eventCurrency list (non-monetary codes such as XXX refused).",
    examples: ['USD'],
    enum: [...CURRENCIES].sort(),
  });

/** Printable text up to `max` characters: no control characters, no line separators. */
export const PrintableText = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .superRefine((text, ctx) => {
      if (text.length === 0) ctx.addIssue({ code: 'custom', message: `${what} must not be empty (leave it out instead)` });
      else if (codePoints(text) > max) ctx.addIssue({ code: 'custom', message: `${what} must be at most ${max} characters; got ${codePoints(text)}` });
      const problem = unprintable(text);
      if (problem) ctx.addIssue({ code: 'custom', message: `${what} ${problem}` });
    })
    .meta({ minLength: 1, maxLength: max, description: `Printable text (no control characters), 1-${max} characters.` });

export interface MapRules {
  /** JSON bytes the whole map may use. */
  maxBytes: number;
  /** Keys the relay sets itself: refused, with the reason. */
  reserved?: Record<string, string>;
}

/**
 * A flat map of strings (Adjust callback/partner parameters, AppsFlyer eventValue). Keys may be any printable
 * text such as `items[0].sku` (Adjust forbids only non-string values and nesting); limits keep each request
 * within the vendor's size limit.
 */
export const StringMap = (what: string, rules: MapRules) =>
  z
    .record(
      z.string(),
      z.string({ error: `${what} values must be strings (the vendors accept flat string maps only: no numbers, booleans, null or nesting)` }),
      {
        error: `${what} must be an object of string values, e.g. {"plan":"pro"}`,
      },
    )
    .superRefine((map, ctx) => {
      const keys = Object.keys(map);
      if (keys.length > LIMITS.mapKeys) ctx.addIssue({ code: 'custom', message: `${what} has ${keys.length} keys; at most ${LIMITS.mapKeys} are accepted` });
      for (const key of keys) {
        const keyProblem =
          key.length === 0 ? 'is empty' : codePoints(key) > LIMITS.mapKeyChars ? `is longer than ${LIMITS.mapKeyChars} characters` : unprintable(key);
        if (keyProblem) ctx.addIssue({ code: 'custom', path: [key], message: `${what} key ${JSON.stringify(key.slice(0, 40))} ${keyProblem}` });
        const why = rules.reserved?.[key];
        if (why) ctx.addIssue({ code: 'custom', path: [key], message: `${what}.${key} is reserved: ${why}` });
        const value = map[key] as string;
        if (codePoints(value) > LIMITS.mapValueChars)
          ctx.addIssue({ code: 'custom', path: [key], message: `${what}.${key} is longer than ${LIMITS.mapValueChars} characters` });
        const valueProblem = unprintable(value);
        if (valueProblem) ctx.addIssue({ code: 'custom', path: [key], message: `${what}.${key} ${valueProblem}` });
      }
      const bytes = jsonBytes(map);
      if (bytes > rules.maxBytes) ctx.addIssue({ code: 'custom', message: `${what} is ${bytes} bytes as JSON; at most ${rules.maxBytes} are accepted` });
    })
    .meta({
      description: `Flat map of strings: at most ${LIMITS.mapKeys} keys of 1-${LIMITS.mapKeyChars} printable characters, values up to ${LIMITS.mapValueChars} characters, ${rules.maxBytes} bytes in all.`,
      maxProperties: LIMITS.mapKeys,
      propertyNames: { type: 'string', minLength: 1, maxLength: LIMITS.mapKeyChars },
      additionalProperties: { type: 'string', maxLength: LIMITS.mapValueChars },
    });

export const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^(?=.*:)[0-9A-Fa-f:.]{2,45}$/;

export const IpAddress = z
  .string({ error: 'ip must be a string such as "203.0.113.7"' })
  .refine((s) => IPV4.test(s) || IPV6.test(s), {
    message: 'ip must be an IPv4 address such as 203.0.113.7 (an IPv6 address is accepted but not sent: both vendors take IPv4 only)',
  })
  .meta({ description: "The device's IP address; only IPv4 is sent (Adjust ip_address, AppsFlyer ip).", examples: ['203.0.113.7'] });

/** AppsFlyer's sharing_filter: "all", or the partner ids (media_source_name values) not to share the event with. */
export const SharingFilter = z
  .union([
    z.literal('all', { error: 'sharingFilter must be "all" or an array of AppsFlyer partner ids such as ["googleadwords_int"]' }),
    z
      .array(PrintableText('sharingFilter partner', 100), {
        error: 'sharingFilter must be "all" or an array of AppsFlyer partner ids such as ["googleadwords_int"]',
      })
      .min(1, 'sharingFilter must name at least one partner, or be "all"')
      .max(LIMITS.sharingFilterPartners, `sharingFilter may name at most ${LIMITS.sharingFilterPartners} partners`),
  ])
  .meta({ description: 'AppsFlyer sharing_filter: "all", or the partner ids (media_source_name) not to share the event with.' });
