// What a request builder produces (method, URL, headers, body, plus warnings for the logs and receipts) and
// the typed error a builder throws instead of building a request the vendor would reject. Also the small
// field helpers both vendors' builders share (IPv4 filter, timestamps, revenue bounds).
import { IPV4 } from '../domain/fields';
import { amountProblem, compareAmounts, MAX_REVENUE } from '../domain/money';

export interface VendorRequest {
  method: 'POST';
  url: string;
  /** Lower-case header names. May hold the vendor secret: never log or persist a VendorRequest. */
  headers: Record<string, string>;
  body: string;
}

export interface BuiltRequest extends VendorRequest {
  /** Things the builder left out or could not fill, worth a look but not a reason to refuse. */
  warnings: string[];
}

/** The builder refused: the vendor would reject this request. Never retried; the delivery is dead-lettered. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  constructor(
    /** The input field at fault, e.g. `revenue`, `user.appsflyerId`, `adjust.refundToken`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The app's vendor section or secret is missing in the worker's configuration: an operator can fix it. */
export class VendorConfigMissingError extends Error {
  override readonly name = 'VendorConfigMissingError';
}

/** The address if it is IPv4 (both vendors accept only IPv4), otherwise undefined. */
export function ipv4Only(ip: string | undefined): string | undefined {
  return ip !== undefined && IPV4.test(ip) ? ip : undefined;
}

/** The time to report for an item: the restamped time when the workflow set one, else when it happened. */
export function reportedTimeMs(item: { sendAtMs?: number; occurredAtMs: number }): number {
  return item.sendAtMs ?? item.occurredAtMs;
}

/** Checks a revenue amount is a plain decimal within [min, MAX_REVENUE]; throws InvalidRequestError otherwise. */
export function checkRevenue(field: string, value: string, min: string, minText: string): void {
  const problem = amountProblem(value);
  if (problem || value.startsWith('-')) {
    throw new InvalidRequestError(field, `must be a positive plain decimal such as 4.99; got ${JSON.stringify(value)}`);
  }
  if (compareAmounts(value, min) < 0) throw new InvalidRequestError(field, `must be at least ${minText}; got ${value}`);
  if (compareAmounts(value, MAX_REVENUE) > 0) throw new InvalidRequestError(field, `must be at most 100000000000; got ${value}`);
}

/** Checks that custom parameters are a flat map of strings (what both vendors accept). */
export function checkFlatStrings(field: string, params: Record<string, unknown> | undefined): Record<string, string> {
  if (params === undefined) return {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new InvalidRequestError(field, 'must be an object of string values');
  }
  for (const [key, value] of Object.entries(params)) {
    if (typeof value !== 'string') throw new InvalidRequestError(`${field}.${key}`, 'must be a string (no numbers, nesting or null)');
  }
  return params as Record<string, string>;
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
