// The application configuration file (JSON or YAML, path in S2S_APP_CONFIG): the apps, how product event
// names map to Adjust tokens and AppsFlyer event names, where secrets come from, vendor base URLs, HTTP
// pool sizes and the delivery policy. Secrets are references (env var or file), never values in workflows.
import { z } from 'zod';
import { Duration } from './duration';
import { EventName } from './fields';
import { Platform } from './install';

/** Where a secret comes from. `value` exists for the local emulator only; the worker warns if it meets a real vendor. */
export const SecretRef = z.union(
  [
    z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env must name an environment variable, e.g. ADJUST_S2S_TOKEN') }),
    z.strictObject({ file: z.string().min(1, 'file must be a path to a file holding the secret') }),
    z.strictObject({ value: z.string().min(1) }),
  ],
  { error: 'a secret must be {"env":"VAR_NAME"} or {"file":"/path/to/secret"} (or {"value":"..."} for the local emulator only)' },
);
export type SecretRef = z.infer<typeof SecretRef>;

const AdjustToken = (what: string) => z.string().regex(/^[a-z0-9]{6}$/, `${what} must be a 6-character Adjust event token such as "f0ob4r"`);

export const AdjustEventMapping = z.strictObject({
  token: AdjustToken('token'),
  /** Revenue tokens carry revenue+currency and share one chronological order per device (Adjust's rule). */
  revenue: z.boolean().default(false),
  /** Unique tokens are counted once per device; a repeat answers "earlier unique event tracked". */
  unique: z.boolean().default(false),
});

export const AdjustAppConfig = z.strictObject({
  appToken: z.string().regex(/^[a-z0-9]{12}$/, 'appToken must be the 12-character Adjust app token, e.g. "4w565xzmb54d"'),
  environment: z.enum(['sandbox', 'production']).default('production'),
  /** The app's S2S security token (Authorization: Bearer). Omit when S2S security is off for the app. */
  s2sToken: SecretRef.optional(),
  events: z.record(EventName, AdjustEventMapping).default({}),
  /** Non-revenue token to send for refunds (Adjust accepts no negative revenue). Omit to send nothing. */
  refundToken: AdjustToken('refundToken').optional(),
  /** Callback parameter that carries the delivery id (false: do not send it). */
  deliveryIdParam: z.union([z.string().regex(/^[A-Za-z0-9_]{1,64}$/), z.literal(false)]).default('s2s_delivery_id'),
});
export type AdjustAppConfig = z.infer<typeof AdjustAppConfig>;

export const AppsflyerAppConfig = z.strictObject({
  appId: z.string().min(1, 'appId is required: "id123456789" for iOS, the package name for Android'),
  /** api3 authenticates with the S2S key; legacy api2 with the app's dev key. */
  apiVersion: z.enum(['api3', 'api2']).default('api3'),
  key: SecretRef,
  /** Product event name -> AppsFlyer event name, e.g. {"purchase":"af_purchase"}. */
  events: z.record(EventName, z.string().min(1).max(100)).default({}),
  /** Events without a mapping: sent under their own name, or skipped (visibly). */
  unmappedEvents: z.enum(['pass-through', 'skip']).default('pass-through'),
  /** Event name for refunds, sent with negative af_revenue (AppsFlyer's own example name). */
  refundEventName: z.string().min(1).max(100).default('cancel_purchase'),
  /** eventValue key that carries the delivery id (false: do not send it). */
  deliveryIdKey: z.union([z.string().regex(/^[A-Za-z0-9_]{1,64}$/), z.literal(false)]).default('s2s_delivery_id'),
});
export type AppsflyerAppConfig = z.infer<typeof AppsflyerAppConfig>;

export const AppConfig = z
  .strictObject({
    platform: Platform,
    /** iOS bundle id or Android package name, sent to AppsFlyer as bundleIdentifier. */
    bundleId: z.string().min(1).optional(),
    adjust: AdjustAppConfig.optional(),
    appsflyer: AppsflyerAppConfig.optional(),
  })
  .superRefine((app, ctx) => {
    const af = app.appsflyer;
    if (af && app.platform === 'ios' && !/^id\d+$/.test(af.appId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['appsflyer', 'appId'],
        message: `iOS AppsFlyer app ids must start with "id" (e.g. "id123456789"; got "${af.appId}"): without it AppsFlyer answers 200 OK and records nothing`,
      });
    }
    if (af && app.platform === 'android' && !/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$/.test(af.appId)) {
      ctx.addIssue({ code: 'custom', path: ['appsflyer', 'appId'], message: `Android AppsFlyer app ids are the package name, e.g. "com.example.app"; got "${af.appId}"` });
    }
    if (!app.adjust && !app.appsflyer) {
      ctx.addIssue({ code: 'custom', message: 'an app needs an "adjust" or an "appsflyer" section (or both)' });
    }
  });
export type AppConfig = z.infer<typeof AppConfig>;

const Url = (what: string) => z.url({ error: `${what} must be an http(s) URL` }).transform((u) => u.replace(/\/+$/, ''));

export const VendorEndpoints = z.strictObject({
  adjustBaseUrl: Url('adjustBaseUrl').default('https://s2s.adjust.com'),
  appsflyerApi3BaseUrl: Url('appsflyerApi3BaseUrl').default('https://api3.appsflyer.com'),
  appsflyerApi2BaseUrl: Url('appsflyerApi2BaseUrl').default('https://api2.appsflyer.com'),
});

export const HttpSettings = z.strictObject({
  /** Keep-alive connections per vendor origin. */
  connections: z.number().int().min(1).max(1024).default(64),
  connectTimeout: Duration('http.connectTimeout').default(5_000),
  headersTimeout: Duration('http.headersTimeout').default(10_000),
  bodyTimeout: Duration('http.bodyTimeout').default(10_000),
});

export const RetrySettings = z.strictObject({
  initialInterval: Duration('retry.initialInterval').default(1_000),
  backoffCoefficient: z.number().min(1).max(10).default(2),
  maximumInterval: Duration('retry.maximumInterval').default(60_000),
  /** Between attempts while the vendor says the app is misconfigured (401, app inactive, ...). */
  misconfiguredInterval: Duration('retry.misconfiguredInterval').default(300_000),
  /** Between attempts while Adjust answers "Device not found" (install not processed yet). */
  deviceNotFoundInterval: Duration('retry.deviceNotFoundInterval').default(30_000),
  /** How long "Device not found" is retried before the delivery is dead-lettered. */
  deviceNotFoundMaxAge: Duration('retry.deviceNotFoundMaxAge').default(2 * 3_600_000),
  /** Start-to-close timeout of one send attempt (must exceed the HTTP timeouts). */
  attemptTimeout: Duration('retry.attemptTimeout').default(30_000),
});

export const Policy = z.strictObject({
  /** Nothing is sent before installedAt + this (AppsFlyer needs 20-30 s or more to process an install). */
  postInstallDelay: Duration('policy.postInstallDelay').default(60_000),
  /** Held events are dead-lettered if no install context arrives within this time. */
  installWaitTimeout: Duration('policy.installWaitTimeout').default(24 * 3_600_000),
  /** An event waits this long after arriving so near-simultaneous arrivals are sorted first. */
  settleWindow: Duration('policy.settleWindow').default(2_000),
  /** Adjust event older than one already sent for its token (or revenue class): restamp it or dead-letter it. */
  latePolicy: z.enum(['restamp', 'dead-letter']).default('restamp'),
  /** Adjust rejects older events (guide: 28 days; current developer docs: 58). */
  adjustEventWindowDays: z.number().int().min(1).max(365).default(28),
  /** Stop retrying an AppsFlyer event this long after it happened (it is dead-lettered then). */
  appsflyerMaxAgeDays: z.number().int().min(1).max(365).default(7),
  /** Most deliveries sent by one activity when a lane has a ready backlog (1 = no batching). */
  maxBatchSize: z.number().int().min(1).max(100).default(10),
  dedupMaxEntries: z.number().int().min(10).max(100_000).default(1_000),
  dedupMaxAgeDays: z.number().int().min(1).max(3650).default(90),
  deadLetterLimit: z.number().int().min(1).max(10_000).default(200),
  purchaseLimit: z.number().int().min(1).max(10_000).default(500),
  purchaseRetentionDays: z.number().int().min(1).max(3650).default(400),
  /**
   * Largest state continue-as-new may carry (JSON, KiB). Temporal refuses a larger payload (2 MiB by default)
   * and terminates the workflow; beyond this the oldest finished dedup entries are forgotten first.
   */
  maxCarriedStateKiB: z.number().int().min(64).max(1900).default(1024),
  /** A refund signal for a purchase the workflow does not know yet is held this long before dead-lettering. */
  orphanRefundHold: Duration('policy.orphanRefundHold').default(3_600_000),
  /** While a user's app is missing from the worker's configuration, settings are reloaded this often. */
  settingsRetryInterval: Duration('policy.settingsRetryInterval').default(300_000),
  /** Continue-as-new after this many history events (0: only when Temporal suggests it). */
  maxHistoryEvents: z.number().int().min(0).default(0),
  /** Show raw device ids and IPs in workflow summaries and search attributes (PII). */
  showDeviceIds: z.boolean().default(false),
  retry: RetrySettings.default(RetrySettings.parse({})),
});
export type Policy = z.infer<typeof Policy>;

export const AppConfigFile = z.strictObject({
  apps: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'app keys must be lowercase letters, digits, _ and -'), AppConfig).refine((apps) => Object.keys(apps).length > 0, 'configure at least one app'),
  vendors: VendorEndpoints.default(VendorEndpoints.parse({})),
  http: HttpSettings.default(HttpSettings.parse({})),
  policy: Policy.default(Policy.parse({})),
});
export type AppConfigFile = z.infer<typeof AppConfigFile>;
export type AppConfigFileInput = z.input<typeof AppConfigFile>;
