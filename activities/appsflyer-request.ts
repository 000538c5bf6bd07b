// Pure builder for AppsFlyer's S2S in-app event endpoint (`POST /inappevent/{app_id}` on api3 or legacy api2).
// JSON body with `eventValue` as a string of JSON (the form AppsFlyer needs to record revenue), refunds as
// negative `af_revenue`, and the 1 KB payload limit checked here rather than discovered at AppsFlyer.
import type { AppConfig, AppConfigFile } from '../domain/app-config';
import type { DeliveryItem } from '../domain/delivery';
import type { InstallContext } from '../domain/install';
import { negateAmount } from '../domain/money';
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

/** AppsFlyer's documented limit for the JSON payload. */
export const APPSFLYER_MAX_PAYLOAD_BYTES = 1024;

type Vendors = AppConfigFile['vendors'];
type AppsflyerSection = NonNullable<AppConfig['appsflyer']>;

/** `yyyy-MM-dd HH:mm:ss.SSS` in UTC, the eventTime format AppsFlyer documents. */
export function appsflyerEventTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
}

export function buildAppsflyerEventRequest(
  item: DeliveryItem,
  user: InstallContext,
  app: AppConfig,
  vendors: Vendors,
  key: string,
): BuiltRequest {
  const af = appsflyerSection(app);
  if (item.destination !== 'appsflyer') throw new InvalidRequestError('destination', `an ${item.destination} delivery cannot be sent to AppsFlyer`);
  if (!user.appsflyerId) {
    throw new InvalidRequestError('user.appsflyerId', 'AppsFlyer requires it (appsflyer_id is a mandatory field); give the install context an appsflyerId');
  }
  const warnings: string[] = [];
  const body: Record<string, string | number> = {
    appsflyer_id: user.appsflyerId,
    eventName: eventName(item, af),
    eventValue: eventValue(item, af, warnings),
    eventTime: appsflyerEventTime(reportedTimeMs(item)),
  };
  if (item.revenue !== undefined && item.currency !== undefined) body.eventCurrency = item.currency;
  if (user.osVersion) body.os = user.osVersion;
  else if (user.platform === 'ios') warnings.push('os (iOS version) unknown: AppsFlyer treats iOS events without "os" as iOS 14.5; add osVersion to the install context');
  const ip = ipv4Only(user.ip);
  if (ip) body.ip = ip;
  if (user.customerUserId) body.customer_user_id = user.customerUserId;
  const ids = user.deviceIds;
  if (ids.idfa) body.idfa = ids.idfa;
  if (ids.idfv) body.idfv = ids.idfv;
  if (ids.gps_adid) body.advertising_id = ids.gps_adid;
  if (ids.oaid) body.oaid = ids.oaid;
  if (ids.fire_adid) body.amazon_aid = ids.fire_adid;
  if (user.platform === 'ios' && user.attStatus !== undefined) body.att = user.attStatus;
  if (app.bundleId) body.bundleIdentifier = app.bundleId;
  if (user.appVersion) body.app_version_name = user.appVersion;

  const text = JSON.stringify(body);
  const size = byteLength(text);
  if (size > APPSFLYER_MAX_PAYLOAD_BYTES) {
    throw new InvalidRequestError('body', `the JSON payload is ${size} bytes; AppsFlyer accepts at most ${APPSFLYER_MAX_PAYLOAD_BYTES} (1 KB): send fewer or shorter eventValue entries`);
  }
  const base = af.apiVersion === 'api2' ? vendors.appsflyerApi2BaseUrl : vendors.appsflyerApi3BaseUrl;
  return {
    method: 'POST',
    url: `${base}/inappevent/${encodeURIComponent(af.appId)}`,
    headers: { 'content-type': 'application/json', authentication: key },
    body: text,
    warnings,
  };
}

function appsflyerSection(app: AppConfig): AppsflyerSection {
  if (!app.appsflyer) throw new VendorConfigMissingError('the app has no "appsflyer" section in the worker\'s app configuration');
  return app.appsflyer;
}

function eventName(item: DeliveryItem, af: AppsflyerSection): string {
  if (item.kind === 'refund') return af.refundEventName;
  const mapped = af.events[item.name];
  if (mapped !== undefined) return mapped;
  if (af.unmappedEvents === 'pass-through') return item.name;
  throw new InvalidRequestError('name', `event "${item.name}" has no AppsFlyer mapping and unmappedEvents is "skip" (apps.<app>.appsflyer.events.${item.name})`);
}

/** The eventValue string: af_revenue (negative for refunds) and af_currency, the extras, the delivery id. */
function eventValue(item: DeliveryItem, af: AppsflyerSection, warnings: string[]): string {
  const extras = checkFlatStrings('eventValue', item.eventValue);
  for (const reserved of ['af_revenue', 'af_currency']) {
    if (reserved in extras) throw new InvalidRequestError(`eventValue.${reserved}`, 'is set by the relay from the event\'s revenue and currency; do not put it in eventValue');
  }
  const value: Record<string, string> = {};
  if (item.revenue !== undefined) {
    if (item.currency === undefined) throw new InvalidRequestError('currency', 'revenue needs a currency (af_currency)');
    checkRevenue('revenue', item.revenue, '0.000001', 'a positive amount');
    value.af_revenue = item.kind === 'refund' ? negateAmount(item.revenue) : item.revenue;
    value.af_currency = item.currency;
  } else if (item.kind === 'refund') {
    throw new InvalidRequestError('revenue', 'a refund must carry the refunded amount (sent to AppsFlyer as negative af_revenue)');
  }
  Object.assign(value, extras);
  if (af.deliveryIdKey !== false) {
    if (af.deliveryIdKey in extras) warnings.push(`eventValue.${af.deliveryIdKey} replaced by the delivery id (apps.<app>.appsflyer.deliveryIdKey)`);
    value[af.deliveryIdKey] = item.deliveryId;
  }
  return Object.keys(value).length > 0 ? JSON.stringify(value) : '';
}
