// Adjust's S2S requests, built purely: `/event` (purchases, renewals, refunds as a non-revenue token) and
// `/ad_revenue`. Form-urlencoded POST bodies with the parameters named as Adjust documents them; anything
// Adjust would reject (no token, no device id, revenue out of range, over 1 MB) is refused before sending.
import type { PublicAppConfig } from '../config';
import { ADJUST_DEVICE_ID_KEYS, type Signup } from '../contract/install';
import { MIN_ADJUST_REVENUE } from '../contract/limits';
import { utf8Bytes } from '../contract/text';
import type { DeliveryItem } from '../delivery';
import { InvalidRequestError, VendorConfigMissingError } from '../errors';
import { adjustRoute, isSkip } from '../routing';
import { checkRevenueBounds, ipv4Only, lower, reportedTimeMs, upper, type BuiltRequest, type Vendors } from './request';

/** Adjust answers 413 above this request size. */
export const ADJUST_MAX_REQUEST_BYTES = 1_048_576;

type AdjustSection = NonNullable<PublicAppConfig['adjust']>;

function section(app: PublicAppConfig): AdjustSection {
  if (!app.adjust) throw new VendorConfigMissingError('the app has no "adjust" section in the relay configuration');
  return app.adjust;
}

/** Device ids (IDFA/IDFV upper-case, Google ids lower-case), os_name, the tracking status and the device's IP/user agent. */
function appendDevice(params: URLSearchParams, user: Signup): void {
  let ids = 0;
  for (const key of ADJUST_DEVICE_ID_KEYS) {
    const raw = user.deviceIds?.[key];
    if (!raw) continue;
    params.set(key, key === 'idfa' || key === 'idfv' ? (upper(raw) as string) : key === 'gps_adid' || key === 'fire_adid' ? (lower(raw) as string) : raw);
    ids++;
  }
  if (ids === 0)
    throw new InvalidRequestError('user.deviceIds', `Adjust needs at least one device identifier (${ADJUST_DEVICE_ID_KEYS.join(', ')}); the user has none`);
  params.set('os_name', user.platform);
  // att_status or tracking_enabled, never both.
  if (user.platform === 'ios' && user.attStatus !== undefined) params.set('att_status', String(user.attStatus));
  else if (user.trackingEnabled !== undefined) params.set('tracking_enabled', user.trackingEnabled ? '1' : '0');
  const ip = ipv4Only(user.ip);
  if (ip) params.set('ip_address', ip);
  if (user.userAgent) params.set('user_agent', user.userAgent);
}

function callbackParams(extra: Record<string, string> | undefined, adjust: AdjustSection, deliveryId: string): string | undefined {
  const callback = { ...extra };
  if (adjust.deliveryIdParam !== false) callback[adjust.deliveryIdParam] = deliveryId;
  return Object.keys(callback).length > 0 ? JSON.stringify(callback) : undefined;
}

export function buildAdjustRequest(item: DeliveryItem, user: Signup, app: PublicAppConfig, vendors: Vendors, s2sToken?: string): BuiltRequest {
  const adjust = section(app);
  if (item.destination !== 'adjust') throw new InvalidRequestError('destination', `an ${item.destination} delivery cannot be sent to Adjust`);
  // What the configuration says first (the field at fault is the app's), then the device (appendDevice).
  const r = adjustRoute(item.message, app);
  if (isSkip(r))
    throw new InvalidRequestError(
      item.message.kind === 'refund' ? 'adjust.refundToken' : item.message.kind === 'adRevenue' ? 'adjust.adRevenue' : 'name',
      r.skip,
    );
  const warnings: string[] = [];
  const message = item.message;
  const params = new URLSearchParams({ s2s: '1', app_token: adjust.appToken });
  if (r.endpoint === 'event') params.set('event_token', r.token);
  else params.set('source', 'publisher');
  appendDevice(params, user);
  params.set('created_at_unix', String(Math.floor(reportedTimeMs(item) / 1000)));

  if (message.kind === 'adRevenue') {
    const ad = message.adRevenue;
    params.set('ad_impressions_count', String(ad.adImpressionsCount));
    params.set('revenue', ad.revenue);
    params.set('currency', ad.currency);
    if (ad.network) params.set('ad_revenue_network', ad.network);
    if (ad.unit) params.set('ad_revenue_unit', ad.unit);
    if (ad.placement) params.set('ad_revenue_placement', ad.placement);
    const callback = callbackParams(ad.callbackParams, adjust, item.deliveryId);
    if (callback) params.set('callback_params', callback);
  } else {
    const track = message.kind === 'track' ? message.track : undefined;
    if (r.endpoint === 'event' && r.withRevenue && track?.revenue !== undefined && track.currency !== undefined) {
      checkRevenueBounds('revenue', track.revenue, MIN_ADJUST_REVENUE, `${MIN_ADJUST_REVENUE} (Adjust's minimum)`);
      params.set('revenue', track.revenue);
      params.set('currency', track.currency);
    } else if (track?.revenue !== undefined) {
      warnings.push(
        `revenue ${track.revenue} ${track.currency ?? ''} left out: Adjust event token ${params.get('event_token')} ("${track.name}") is not a revenue token`.replace(
          '  ',
          ' ',
        ),
      );
    }
    const callback = callbackParams(track?.callbackParams, adjust, item.deliveryId);
    if (callback) params.set('callback_params', callback);
    if (track?.partnerParams && Object.keys(track.partnerParams).length > 0) params.set('partner_params', JSON.stringify(track.partnerParams));
  }
  params.set('environment', adjust.environment);

  const url = `${vendors.adjustBaseUrl}/${r.endpoint}`;
  const body = params.toString();
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (s2sToken) headers.authorization = `Bearer ${s2sToken}`;
  const size = utf8Bytes(body) + utf8Bytes(url) + (s2sToken ? utf8Bytes(s2sToken) : 0);
  if (size > ADJUST_MAX_REQUEST_BYTES) {
    throw new InvalidRequestError('body', `the request is ${size} bytes; Adjust accepts at most ${ADJUST_MAX_REQUEST_BYTES} (1 MB) and answers 413 above it`);
  }
  return { method: 'POST', url, headers, body, warnings };
}
