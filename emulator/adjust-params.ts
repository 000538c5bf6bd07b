// Parameter parsing shared by the Adjust endpoints (pure): merging URL and form-body parameters, the two
// created_at forms, device identifiers, callback/partner JSON objects, revenue amounts, IPv4 addresses.
// Parameter names are case-sensitive, as Adjust documents.
import { ADJUST_DEVICE_ID_NAMES } from './installs';
import type { VendorRequest } from './verdict';

export interface MergedParams {
  params: Record<string, string>;
  warnings: string[];
}

/** GET/POST URL parameters, plus an application/x-www-form-urlencoded POST body (body wins on a clash). */
export function mergeAdjustParams(req: VendorRequest): MergedParams {
  const warnings: string[] = [];
  const params: Record<string, string> = {};
  const take = (search: URLSearchParams, where: string): void => {
    const seen = new Set<string>();
    for (const [k, v] of search) {
      if (seen.has(k)) {
        warnings.push(`parameter ${k} repeated in the ${where}; the first value is used`);
        continue;
      }
      seen.add(k);
      if (where === 'body' && k in params && params[k] !== v) warnings.push(`parameter ${k} is in both URL and body; the body value is used`);
      params[k] = v;
    }
  };
  take(req.search, 'URL');
  if (req.method === 'POST' && req.bodyBytes > 0) {
    const ct = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (ct === 'application/x-www-form-urlencoded') take(new URLSearchParams(req.body), 'body');
    else warnings.push(`body ignored: Content-Type is "${ct ?? ''}", Adjust reads only application/x-www-form-urlencoded bodies`);
  }
  return { params, warnings };
}

export type CreatedAt =
  | { kind: 'sent'; ms: number; source: 'created_at_unix' | 'created_at'; warnings: string[] }
  | { kind: 'received'; ms: number; warnings: string[] }
  | { kind: 'invalid'; message: string };

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2}|Z[+-]\d{2}:?\d{2})$/;

/** Parses Adjust's ISO 8601 created_at; `Z+0200` (the guide's form) is read as offset +02:00. */
export function parseAdjustIso(value: string): number | undefined {
  const m = ISO_RE.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const frac = m[7] ?? '';
  const ms = frac === '' ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  const zone = (m[8] ?? 'Z').replace(/^Z(?=[+-])/, '');
  let offsetMin = 0;
  if (zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2, 4));
    if (oh > 14 || om > 59) return undefined;
    offsetMin = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const local = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(local);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  return local - offsetMin * 60_000;
}

/** created_at_unix (digits only: seconds, or milliseconds from 12 digits up) wins over created_at. */
export function resolveCreatedAt(params: Record<string, string>, receivedAtMs: number): CreatedAt {
  const unix = params['created_at_unix'];
  const iso = params['created_at'];
  if (unix !== undefined) {
    if (!/^\d{1,16}$/.test(unix)) {
      return { kind: 'invalid', message: `invalid created_at_unix "${unix}", only digits are accepted (seconds or milliseconds)` };
    }
    const n = Number(unix);
    const warnings = iso !== undefined ? ['both created_at_unix and created_at sent; created_at_unix is used'] : [];
    return { kind: 'sent', ms: unix.length >= 12 ? n : n * 1000, source: 'created_at_unix', warnings };
  }
  if (iso === undefined) return { kind: 'received', ms: receivedAtMs, warnings: [] };
  const ms = parseAdjustIso(iso);
  if (ms === undefined) {
    return {
      kind: 'received',
      ms: receivedAtMs,
      warnings: [`created_at "${iso}" is not ISO 8601 with a timezone; Adjust uses the time it received the request`],
    };
  }
  return { kind: 'sent', ms, source: 'created_at', warnings: [] };
}

/** Device identifiers present in the request, in preference order. */
export function deviceIdsOf(params: Record<string, string>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of ADJUST_DEVICE_ID_NAMES) {
    const v = params[name];
    if (v !== undefined && v.trim() !== '') out.push([name, v]);
  }
  return out;
}

/** callback_params / partner_params: a flat JSON object whose values are all strings. */
export function parseFlatStringObject(raw: string): Record<string, string> | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const entries = Object.entries(v);
  if (!entries.every(([, x]) => typeof x === 'string')) return undefined;
  return Object.fromEntries(entries) as Record<string, string>;
}

export const REVENUE_MIN = 0.001;
export const REVENUE_MAX = 100_000_000_000;

/** A plain decimal number (no sign, exponent, thousands separator or currency symbol). */
export function parseDecimal(raw: string): number | undefined {
  return /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : undefined;
}

export function isIPv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && !(p.length > 1 && p.startsWith('0')));
}

export function isCurrencyCode(value: string): boolean {
  return /^[A-Z]{3}$/.test(value);
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
