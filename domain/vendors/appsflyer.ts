// AppsFlyer's S2S in-app event request (`POST /inappevent/{app_id}` on api3 or legacy api2), built purely:
// a JSON body with `eventValue` as a string of JSON, refunds as negative `af_revenue`. The body is built in
// two parts, the install's fields and the event's, so the contract can hold each to its share of the 1 KB
// limit (domain/contract/limits.ts) whichever arrives first.
import type { PublicAppConfig } from '../config';
import type { Signup } from '../contract/install';
import { LIMITS } from '../contract/limits';
import { jsonBytes, utf8Bytes } from '../contract/text';
import type { DeliveryItem } from '../delivery';
import { InvalidRequestError, VendorConfigMissingError } from '../errors';
import { negateAmount } from '../money';
import { appsflyerRoute, isSkip } from '../routing';
import { ipv4Only, lower, reportedTimeMs, upper, type BuiltRequest, type Vendors } from './request';

type Fields = Record<string, string | number | boolean | string[]>;
type AppsflyerSection = NonNullable<PublicAppConfig['appsflyer']>;

/** `yyyy-MM-dd HH:mm:ss.SSS` in UTC, the eventTime format AppsFlyer documents. */
export function appsflyerEventTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
}

function section(app: PublicAppConfig): AppsflyerSection {
  if (!app.appsflyer) throw new VendorConfigMissingError('the app has no "appsflyer" section in the relay configuration');
  return app.appsflyer;
}

/** The body fields that come from the install context (and the app): identical for every event of the user. */
export function appsflyerInstallFields(user: Signup, app: PublicAppConfig): Fields {
  const af = section(app);
  const f: Fields = {};
  if (user.appsflyerId) f.appsflyer_id = user.appsflyerId;
  if (user.osVersion) f.os = user.osVersion;
  const ip = ipv4Only(user.ip);
  if (ip) f.ip = ip;
  if (user.customerUserId) f.customer_user_id = user.customerUserId;
  const ids = user.deviceIds ?? {};
  if (ids.idfa) f.idfa = upper(ids.idfa) as string;
  if (ids.idfv) f.idfv = upper(ids.idfv) as string;
  if (ids.gps_adid) f.advertising_id = lower(ids.gps_adid) as string;
  if (ids.oaid) f.oaid = ids.oaid;
  if (ids.fire_adid) f.amazon_aid = lower(ids.fire_adid) as string;
  if (user.platform === 'ios' && user.attStatus !== undefined) f.att = user.attStatus;
  // aie (false: limit ad tracking on) for Android, and for iOS only when no ATT status is known.
  else if (user.trackingEnabled !== undefined) f.aie = user.trackingEnabled;
  if (user.userAgent && af.apiVersion === 'api3') f.ua = user.userAgent;
  if (app.bundleId) f.bundleIdentifier = app.bundleId;
  if (user.appVersion) f.app_version_name = user.appVersion;
  return f;
}

/** The body fields that come from the event: name, value (revenue, extras, delivery id), time, currency, sharing filter. */
export function appsflyerEventFields(item: DeliveryItem, app: PublicAppConfig): Fields {
  const af = section(app);
  const r = appsflyerRoute(item.message, app);
  if (isSkip(r)) throw new InvalidRequestError('name', r.skip);
  const message = item.message;
  const value: Record<string, string> = {};
  let currency: string | undefined;
  if (message.kind === 'refund') {
    value.af_revenue = negateAmount(message.refund.amount);
    value.af_currency = currency = message.refund.currency;
  } else if (message.kind === 'track') {
    if (message.track.revenue !== undefined && message.track.currency !== undefined) {
      value.af_revenue = message.track.revenue;
      value.af_currency = currency = message.track.currency;
    }
    Object.assign(value, message.track.eventValue);
  }
  if (af.deliveryIdKey !== false) value[af.deliveryIdKey] = item.deliveryId;
  const f: Fields = {
    eventName: r.eventName,
    eventValue: Object.keys(value).length > 0 ? JSON.stringify(value) : '',
    eventTime: appsflyerEventTime(reportedTimeMs(item)),
  };
  if (currency) f.eventCurrency = currency;
  const sharing = (message.kind === 'track' ? message.track.sharingFilter : undefined) ?? af.sharingFilter;
  if (sharing !== undefined) f.sharing_filter = sharing;
  return f;
}

/** Bytes a set of fields adds to the JSON body (`"k":v,` each), without the braces. */
export function fieldsBytes(fields: Fields): number {
  const n = Object.keys(fields).length;
  return n === 0 ? 0 : jsonBytes(fields) - 2 + 1; // braces out, one comma joining it to the other part
}

export function buildAppsflyerEventRequest(item: DeliveryItem, user: Signup, app: PublicAppConfig, vendors: Vendors, key: string): BuiltRequest {
  const af = section(app);
  if (item.destination !== 'appsflyer') throw new InvalidRequestError('destination', `an ${item.destination} delivery cannot be sent to AppsFlyer`);
  if (!user.appsflyerId)
    throw new InvalidRequestError('user.appsflyerId', 'AppsFlyer requires it (appsflyer_id is a mandatory field); give the install context an appsflyerId');
  const warnings: string[] = [];
  if (user.platform === 'ios' && !user.osVersion) warnings.push('os (iOS version) unknown: AppsFlyer treats iOS events without "os" as iOS 14.5');
  const body = JSON.stringify({ ...appsflyerInstallFields(user, app), ...appsflyerEventFields(item, app) });
  const size = utf8Bytes(body);
  if (size > LIMITS.appsflyerBodyBytes) {
    throw new InvalidRequestError('body', `the JSON payload is ${size} bytes; AppsFlyer accepts at most ${LIMITS.appsflyerBodyBytes} (1 KB)`);
  }
  const base = af.apiVersion === 'api2' ? vendors.appsflyerApi2BaseUrl : vendors.appsflyerApi3BaseUrl;
  return {
    method: 'POST',
    url: `${base}/inappevent/${encodeURIComponent(af.appId)}`,
    headers: { 'content-type': 'application/json', authentication: key },
    body,
    warnings,
  };
}
