// What a request builder produces (method, URL, headers, body, plus warnings for logs and receipts) and the
// small helpers both vendors' builders share. Pure and free of Node APIs: the workflow runs the same field
// builders to check a message's size against the vendor's limit before accepting it.
import { IPV4 } from '../contract/fields';
import { InvalidRequestError } from '../errors';
import { compareAmounts } from '../money';
import { MAX_REVENUE } from '../contract/limits';

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

export type Vendors = { adjustBaseUrl: string; appsflyerApi3BaseUrl: string; appsflyerApi2BaseUrl: string };

/** The address if it is IPv4 (both vendors accept only IPv4), otherwise undefined. */
export function ipv4Only(ip: string | undefined): string | undefined {
  return ip !== undefined && IPV4.test(ip) ? ip : undefined;
}

/** The time to report for an item: the restamped time when the workflow set one, else when it happened. */
export function reportedTimeMs(item: { sendAtMs?: number; occurredAtMs: number }): number {
  return item.sendAtMs ?? item.occurredAtMs;
}

/** Refuses an amount outside [min, MAX_REVENUE] (the contract accepted its shape already). */
export function checkRevenueBounds(field: string, value: string, min: string, minText: string): void {
  if (compareAmounts(value, min) < 0) throw new InvalidRequestError(field, `must be at least ${minText}; got ${value}`);
  if (compareAmounts(value, MAX_REVENUE) > 0) throw new InvalidRequestError(field, `must be at most ${MAX_REVENUE}; got ${value}`);
}

export const upper = (id: string | undefined): string | undefined => id?.toUpperCase();
export const lower = (id: string | undefined): string | undefined => id?.toLowerCase();
