// Shape of an AppsFlyer S2S in-app event body (pure): the documented fields and formats from the api3
// OpenAPI file (unknown extra fields pass), plus parsing of the stringified eventValue / custom_data and
// the af_revenue / currency formats. Shape failures answer "Bad request" with the failing field as reason.
import { z } from 'zod';

const UPPER_UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
// The api3 yaml's own IPv4 pattern (with maxLength 16).
const YAML_IPV4 = /^(([1-2]{0,1}[0-9]{0,1}[0-9]{1})\.([1-2]{0,1}[0-9]{0,1}[0-9]{1})\.([1-2]{0,1}[0-9]{0,1}[0-9]{1})\.([1-2]{0,1}[0-9]{0,1}[0-9]{1}))$/;
const CURRENCY = /^[A-Z]{3}$/;
export const AF_REVENUE_RE = /^-?\d+(\.\d+)?$/;

const optString = z.string().optional();

export const AppsflyerBodySchema = z.looseObject({
  eventName: z.string().min(1, 'eventName is required').max(100, 'eventName is longer than 100 characters'),
  eventValue: z.string('eventValue must be a string holding JSON'),
  eventTime: z.unknown().optional(),
  eventCurrency: z.string().regex(CURRENCY, 'eventCurrency must be a 3-letter upper-case ISO 4217 code').optional(),
  customer_user_id: optString,
  ip: z.string().max(16).regex(YAML_IPV4, 'ip must be an IPv4 address').optional(),
  os: optString,
  idfa: z.string().regex(UPPER_UUID, 'idfa must be an upper-case UUID').optional(),
  idfv: z.string().regex(UPPER_UUID, 'idfv must be an upper-case UUID').optional(),
  att: z.number().int().min(0).max(3).optional(),
  aie: z.boolean().optional(),
  advertising_id: optString,
  oaid: optString,
  amazon_aid: optString,
  imei: optString,
  bundleIdentifier: optString,
  app_version_name: optString,
  app_store: optString,
  ua: optString,
  custom_dimension: optString,
  custom_data: optString,
  email_hashed: optString,
  phone_number_hashed: optString,
  phone_number_e164_hashed: optString,
  first_name_hashed: optString,
  last_name_hashed: optString,
  fb_login_id: z.string().regex(/^\d+$/, 'fb_login_id must be a numeric string').optional(),
  sharing_filter: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).optional(),
  app_type: z.enum(['', 'app_clip']).optional(),
  app_set_id: z.strictObject({ scope: z.union([z.literal(1), z.literal(2)]), id: z.string() }).optional(),
  consent_data: z.record(z.string(), z.unknown()).optional(),
});
export type AppsflyerBody = z.infer<typeof AppsflyerBodySchema>;

export type JsonObjectString = { kind: 'empty' } | { kind: 'object'; value: Record<string, unknown> } | { kind: 'invalid' };

/** A stringified JSON object; "" or whitespace only means "no value" (the api3 overview sends " "). */
export function parseJsonObjectString(raw: string): JsonObjectString {
  if (raw.trim() === '') return { kind: 'empty' };
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return { kind: 'object', value: v as Record<string, unknown> };
  } catch {
    // falls through
  }
  return { kind: 'invalid' };
}

export interface RevenueCheck {
  revenue?: string;
  currency?: string;
  problem?: string;
}

/** af_revenue: digits, optional leading "-", one optional decimal point; af_currency 3 upper-case letters. */
export function checkEventValueRevenue(value: Record<string, unknown>): RevenueCheck {
  const out: RevenueCheck = {};
  const rev = value['af_revenue'];
  if (rev !== undefined) {
    const s = typeof rev === 'number' && Number.isFinite(rev) ? String(rev) : rev;
    if (typeof s !== 'string' || !AF_REVENUE_RE.test(s))
      return { problem: `af_revenue ${JSON.stringify(rev)} is not a plain number (digits, optional - and one decimal point)` };
    out.revenue = s;
  }
  const cur = value['af_currency'];
  if (cur !== undefined) {
    if (typeof cur !== 'string' || !CURRENCY.test(cur)) return { problem: `af_currency ${JSON.stringify(cur)} is not a 3-letter upper-case currency code` };
    out.currency = cur;
  }
  return out;
}

/** The relay's delivery id: eventValue.s2s_delivery_id, else custom_data's s2s_delivery_id. */
export function deliveryIdOf(eventValue: Record<string, unknown> | undefined, customData: unknown): string | undefined {
  const direct = eventValue?.['s2s_delivery_id'];
  if (typeof direct === 'string') return direct;
  if (typeof customData === 'string') {
    const parsed = parseJsonObjectString(customData);
    const v = parsed.kind === 'object' ? parsed.value['s2s_delivery_id'] : undefined;
    if (typeof v === 'string') return v;
  }
  return undefined;
}

export function firstIssue(error: z.ZodError): string {
  const i = error.issues[0];
  if (!i) return 'invalid body';
  const path = i.path.map(String).join('.');
  return path ? `${path}: ${i.message}` : i.message;
}
