// Pure builders for Adjust's S2S endpoints: `/event` (purchases, renewals, refunds as a non-revenue token)
// and `/ad_revenue`. Form-urlencoded POST bodies, parameters named as Adjust documents them; anything
// Adjust would reject (no token, no device id, revenue out of range, > 1 MB) is refused before sending.
import type { AppConfig, AppConfigFile } from '../domain/app-config';
import type { DeliveryItem } from '../domain/delivery';
import { ADJUST_DEVICE_ID_KEYS, type InstallContext } from '../domain/install';
import { MIN_ADJUST_REVENUE } from '../domain/money';
import {
  byteLength,
  checkFlatStrings,
  checkRevenue,
  InvalidRequestError,
  ipv4Only,
  reportedTimeMs,
  VendorConfigMissingError,
  type BuiltRequest,
} from './vendor-request';

/** Adjust answers 413 above this request size. */
export const ADJUST_MAX_REQUEST_BYTES = 1_048_576;

type Vendors = AppConfigFile['vendors'];
type AdjustSection = NonNullable<AppConfig['adjust']>;

/** One ad-revenue report (publisher-side ad monetisation), for Adjust's `/ad_revenue` endpoint. */
export interface AdRevenueItem {
  deliveryId: string;
  occurredAtMs: number;
  /** Positive decimal string in full currency units. */
  revenue: string;
  currency: string;
  adImpressionsCount: number;
  network?: string;
  unit?: string;
  placement?: string;
  callbackParams?: Record<string, string>;
}

export function buildAdjustEventRequest(
  item: DeliveryItem,
  user: InstallContext,
  app: AppConfig,
  vendors: Vendors,
  s2sToken?: string,
): BuiltRequest {
  const adjust = adjustSection(app);
  if (item.destination !== 'adjust') throw new InvalidRequestError('destination', `an ${item.destination} delivery cannot be sent to Adjust`);
  const warnings: string[] = [];
  const { token, revenue } = eventToken(item, adjust);

  const params = new URLSearchParams({ s2s: '1', app_token: adjust.appToken, event_token: token });
  appendCommon(params, user);
  params.set('created_at_unix', String(Math.floor(reportedTimeMs(item) / 1000)));
  const ip = ipv4Only(user.ip);
  if (ip) params.set('ip_address', ip);

  if (revenue) {
    if (item.revenue === undefined) throw new InvalidRequestError('revenue', `event token ${token} ("${item.name}") is a revenue token; the event must carry revenue and currency`);
    if (item.currency === undefined) throw new InvalidRequestError('currency', `event token ${token} ("${item.name}") is a revenue token; the event must carry a currency`);
    checkRevenue('revenue', item.revenue, MIN_ADJUST_REVENUE, `${MIN_ADJUST_REVENUE} (Adjust's minimum)`);
    params.set('revenue', item.revenue);
    params.set('currency', item.currency);
  } else if (item.revenue !== undefined && item.kind === 'event') {
    const amount = [item.revenue, item.currency].filter(Boolean).join(' ');
    warnings.push(`revenue ${amount} left out: Adjust event token ${token} ("${item.name}") is not a revenue token`);
  }

  const callback = { ...checkFlatStrings('callbackParams', item.callbackParams) };
  if (adjust.deliveryIdParam !== false) callback[adjust.deliveryIdParam] = item.deliveryId;
  if (Object.keys(callback).length > 0) params.set('callback_params', JSON.stringify(callback));
  const partner = checkFlatStrings('partnerParams', item.partnerParams);
  if (Object.keys(partner).length > 0) params.set('partner_params', JSON.stringify(partner));

  params.set('environment', adjust.environment);
  return finish(`${vendors.adjustBaseUrl}/event`, params, s2sToken, warnings);
}

export function buildAdjustAdRevenueRequest(
  item: AdRevenueItem,
  user: InstallContext,
  app: AppConfig,
  vendors: Vendors,
  s2sToken?: string,
): BuiltRequest {
  const adjust = adjustSection(app);
  const warnings: string[] = [];
  const params = new URLSearchParams({ s2s: '1', app_token: adjust.appToken, source: 'publisher' });
  appendCommon(params, user);
  params.set('created_at_unix', String(Math.floor(item.occurredAtMs / 1000)));
  const ip = ipv4Only(user.ip);
  if (ip) params.set('ip_address', ip);
  if (!Number.isInteger(item.adImpressionsCount) || item.adImpressionsCount < 1) {
    throw new InvalidRequestError('adImpressionsCount', `must be a whole number of at least 1; got ${item.adImpressionsCount}`);
  }
  params.set('ad_impressions_count', String(item.adImpressionsCount));
  checkRevenue('revenue', item.revenue, '0.000001', 'a positive amount');
  if (!/^[A-Z]{3}$/.test(item.currency ?? '')) throw new InvalidRequestError('currency', 'Adjust rejects ad revenue without a currency; give a 3-letter ISO 4217 code such as "USD"');
  params.set('revenue', item.revenue);
  params.set('currency', item.currency);
  if (item.network) params.set('ad_revenue_network', item.network);
  if (item.unit) params.set('ad_revenue_unit', item.unit);
  if (item.placement) params.set('ad_revenue_placement', item.placement);
  const callback = { ...checkFlatStrings('callbackParams', item.callbackParams) };
  if (adjust.deliveryIdParam !== false) callback[adjust.deliveryIdParam] = item.deliveryId;
  if (Object.keys(callback).length > 0) params.set('callback_params', JSON.stringify(callback));
  params.set('environment', adjust.environment);
  return finish(`${vendors.adjustBaseUrl}/ad_revenue`, params, s2sToken, warnings);
}

function adjustSection(app: AppConfig): AdjustSection {
  if (!app.adjust) throw new VendorConfigMissingError('the app has no "adjust" section in the worker\'s app configuration');
  return app.adjust;
}

/** The event token and whether it is a revenue token. Refunds use the configured non-revenue refund token. */
function eventToken(item: DeliveryItem, adjust: AdjustSection): { token: string; revenue: boolean } {
  if (item.kind === 'refund') {
    if (!adjust.refundToken) throw new InvalidRequestError('adjust.refundToken', 'no Adjust refund token is configured for this app, so refunds are not sent to Adjust');
    return { token: adjust.refundToken, revenue: false };
  }
  const mapping = adjust.events[item.name];
  if (!mapping) throw new InvalidRequestError('name', `no Adjust event token is configured for event "${item.name}" (apps.<app>.adjust.events.${item.name}.token)`);
  return { token: mapping.token, revenue: mapping.revenue };
}

/** Device ids, os_name and the tracking status (att_status or tracking_enabled, never both). */
function appendCommon(params: URLSearchParams, user: InstallContext): void {
  let ids = 0;
  for (const key of ADJUST_DEVICE_ID_KEYS) {
    const value = user.deviceIds[key];
    if (value) {
      params.set(key, value);
      ids++;
    }
  }
  if (ids === 0) throw new InvalidRequestError('user.deviceIds', `Adjust needs at least one device identifier (${ADJUST_DEVICE_ID_KEYS.join(', ')}); the user has none`);
  params.set('os_name', user.platform);
  if (user.platform === 'ios' && user.attStatus !== undefined) params.set('att_status', String(user.attStatus));
  else if (user.trackingEnabled !== undefined) params.set('tracking_enabled', user.trackingEnabled ? '1' : '0');
}

function finish(url: string, params: URLSearchParams, s2sToken: string | undefined, warnings: string[]): BuiltRequest {
  const body = params.toString();
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (s2sToken) headers.authorization = `Bearer ${s2sToken}`;
  const size = byteLength(body) + byteLength(url) + (s2sToken ? byteLength(s2sToken) : 0);
  if (size > ADJUST_MAX_REQUEST_BYTES) {
    throw new InvalidRequestError('body', `the request is ${size} bytes; Adjust accepts at most ${ADJUST_MAX_REQUEST_BYTES} (1 MB) and answers 413 above it`);
  }
  return { method: 'POST', url, headers, body, warnings };
}
