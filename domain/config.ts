// The relay configuration file (JSON or YAML, path in S2S_APP_CONFIG): the apps, how product event names
// map to Adjust tokens and AppsFlyer event names, where secrets come from, vendor base URLs, HTTP pool sizes
// and the delivery policy. Secrets are references (env var or file); workflows get the app without them.
import { z } from 'zod';
import { Duration } from './duration';
import { EventName, pattern } from './contract/fields';
import { Platform } from './contract/install';
import { SharingFilter } from './contract/fields';

/** Where a secret comes from. `value` exists for the local emulator only; the worker warns if it meets a real vendor. */
export const SecretRef = z.union(
  [
    z.strictObject({ env: pattern(z.string(), /^[A-Za-z_][A-Za-z0-9_]*$/, 'env must name an environment variable, e.g. ADJUST_S2S_TOKEN') }),
    z.strictObject({ file: z.string().min(1, 'file must be a path to a file holding the secret') }),
    z.strictObject({ value: z.string().min(1) }),
  ],
  { error: 'a secret must be {"env":"VAR_NAME"} or {"file":"/path/to/secret"} (or {"value":"..."} for the local emulator only)' },
);
export type SecretRef = z.infer<typeof SecretRef>;

const AdjustToken = (what: string) => pattern(z.string(), /^[a-z0-9]{6}$/, `${what} must be a 6-character Adjust event token such as "f0ob4r"`);

export const AdjustEventMapping = z.strictObject({
  token: AdjustToken('token'),
  /** Revenue tokens carry revenue+currency and share one chronological order per device (Adjust's rule). */
  revenue: z.boolean().default(false),
  /** Unique tokens are counted once per device; a repeat answers "earlier unique event tracked". */
  unique: z.boolean().default(false),
});

export const AdjustAppConfig = z.strictObject({
  appToken: pattern(z.string(), /^[a-z0-9]{12}$/, 'appToken must be the 12-character Adjust app token, e.g. "4w565xzmb54d"'),
  environment: z.enum(['sandbox', 'production']).default('production'),
  /** The app's S2S security token (Authorization: Bearer). Omit when S2S security is off for the app. */
  s2sToken: SecretRef.optional(),
  events: z.record(EventName, AdjustEventMapping).default({}),
  /** Non-revenue token to send for refunds (Adjust accepts no negative revenue). Omit to send nothing. */
  refundToken: AdjustToken('refundToken').optional(),
  /** Callback parameter that carries the delivery id (false: do not send it). */
  deliveryIdParam: z
    .union([pattern(z.string(), /^[A-Za-z0-9_]{1,64}$/, 'deliveryIdParam must be 1-64 letters, digits and _, or false'), z.literal(false)])
    .default('s2s_delivery_id'),
  /** Send adRevenue messages to /ad_revenue (needs Adjust's ad revenue package for the app). */
  adRevenue: z.boolean().default(false),
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
  deliveryIdKey: z
    .union([pattern(z.string(), /^[A-Za-z0-9_]{1,64}$/, 'deliveryIdKey must be 1-64 letters, digits and _, or false'), z.literal(false)])
    .default('s2s_delivery_id'),
  /**
   * iOS signups must carry osVersion (AppsFlyer: "For iOS apps, starting iOS 14, you must send the os
   * parameter"; without it AppsFlyer assumes iOS 14.5). false accepts iOS signups without it.
   */
  requireOsVersion: z.boolean().default(true),
  /** sharing_filter for every event of the app ("all" or partner ids); an event's own sharingFilter wins. */
  sharingFilter: SharingFilter.optional(),
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
      ctx.addIssue({
        code: 'custom',
        path: ['appsflyer', 'appId'],
        message: `Android AppsFlyer app ids are the package name, e.g. "com.example.app"; got "${af.appId}"`,
      });
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

/**
 * The smallest policy.maxHistoryEvents and policy.idleContinueAsNewEvents other than 0 (off). A run continued as new
 * writes about 16 events before it is idle (its start, the patch markers with their search attributes, its settings
 * load): a threshold at or below that would continue every run as new as soon as it starts, forever, at the pace
 * the server allows (about once a second per user), each run costing actions.
 */
export const MIN_CONTINUE_AS_NEW_EVENTS = 20;
const ContinueAsNewEvents = z
  .number()
  .int()
  .refine((n) => n === 0 || n >= MIN_CONTINUE_AS_NEW_EVENTS, {
    error: `must be 0 (off) or at least ${MIN_CONTINUE_AS_NEW_EVENTS} history events: a continued run writes about 16 before it is idle, so a smaller value would continue every run as new as soon as it starts, forever`,
  });

/** The ways a first send attempt runs (policy.firstSendAttempt; docs/architecture.md#the-first-send-attempt). */
export const FIRST_SEND_ATTEMPTS = ['combined', 'local', 'per-vendor'] as const;

export const Policy = z
  .strictObject({
    /** Nothing is sent before installedAt + this (AppsFlyer needs 20-30 s or more to process an install). */
    postInstallDelay: Duration('policy.postInstallDelay').default(60_000),
    /** Held events are dead-lettered if no install context arrives within this time. */
    installWaitTimeout: Duration('policy.installWaitTimeout').default(24 * 3_600_000),
    /**
     * An event is held until this long after it happened (or arrived, if earlier), so events that happened
     * close together are sent in order even when they arrive out of order.
     */
    settleWindow: Duration('policy.settleWindow').default(2_000),
    /**
     * `true` (default): every event waits out the settle window. `false`: an event arriving to a quiet lane
     * (nothing queued or sending, no other arrival within the window) goes at once, one timer and one workflow
     * task fewer and the window's latency saved, for backends that never send a user's events out of order
     * within the window; an earlier event arriving just after it goes second (restamped for Adjust). Applies
     * only with latePolicy `restamp`.
     */
    settleLoneEvents: z.boolean({ error: 'must be true or false' }).default(true),
    /** How far in the future an occurredAt or installedAt may be (clocks differ): further is refused. */
    maxClockSkew: Duration('policy.maxClockSkew').default(5 * 60_000),
    /** Adjust event older than one already sent for its token (or revenue class): restamp it or dead-letter it. */
    latePolicy: z.enum(['restamp', 'dead-letter']).default('restamp'),
    /** Adjust rejects older events (guide: 28 days; current developer docs: 58). */
    adjustEventWindowDays: z.number().int().min(1).max(365).default(28),
    /** Stop retrying an AppsFlyer event this long after it happened (it is dead-lettered then). */
    appsflyerMaxAgeDays: z.number().int().min(1).max(365).default(7),
    /** Adjust's window for ad revenue ("shouldn't be older than 28 days"). */
    adjustAdRevenueWindowDays: z.number().int().min(1).max(365).default(28),
    /**
     * How the first attempts of the lanes that start together run. `combined`: one activity on the workflows' task
     * queue sends each vendor's batch (a lone event's deliveries to both vendors: one activity, two workflow tasks
     * after the settle timer). `local` (opt-in): one local activity inside the workflow task sends each vendor's
     * one-delivery batch when no update is being answered (no activity task, one workflow task fewer); larger
     * batches and possible resends take the `combined` path. Either way a part that fails is retried by its
     * vendor's activity. `per-vendor`: one activity per vendor from the start.
     */
    firstSendAttempt: z.enum(FIRST_SEND_ATTEMPTS).default('combined'),
    /** Most deliveries sent by one activity when a lane has a ready backlog (1 = no batching). */
    maxBatchSize: z.number().int().min(1).max(100).default(10),
    /** Most bytes of deliveries in one activity's input (a batch ends early rather than exceed it). */
    maxBatchKiB: z.number().int().min(32).max(1024).default(256),
    /** How long a message id is remembered: the same id again within this time is a duplicate, exactly. */
    dedupMaxAgeDays: z.number().int().min(1).max(3650).default(90),
    /**
     * Most message ids remembered per user (16 bytes each in the carried state). Only a user with more messages
     * than this within dedupMaxAgeDays gets a shorter window; status and a log line say so.
     */
    dedupMaxEntries: z.number().int().min(100).max(50_000).default(20_000),
    /**
     * Most bytes (KiB of JSON) of a user's undelivered messages: held for the signup, queued, and dead letters.
     * A new message beyond it is refused (backlog-full) instead of growing the state past Temporal's limits.
     */
    maxUndeliveredKiB: z.number().int().min(64).max(1024).default(768),
    purchaseLimit: z.number().int().min(1).max(5_000).default(500),
    purchaseRetentionDays: z.number().int().min(1).max(3650).default(400),
    /** A refund signal for a purchase the workflow does not know yet is held this long before dead-lettering. */
    orphanRefundHold: Duration('policy.orphanRefundHold').default(3_600_000),
    /** While a user's app is missing from the worker's configuration, settings are reloaded this often. */
    settingsRetryInterval: Duration('policy.settingsRetryInterval').default(300_000),
    /** Continue-as-new after this many history events (0: only when Temporal suggests it). */
    maxHistoryEvents: ContinueAsNewEvents.default(0),
    /**
     * Continue-as-new once the user is idle (nothing held, queued, sending or waiting to retry) and the run has at
     * least this many history events (0: off). A cache miss replays the whole run, about 2.5 ms of worker CPU per
     * workflow task, so this bounds what a long-lived user's next event costs; each run it ends costs one
     * action (docs/scaling.md#continue-as-new).
     */
    idleContinueAsNewEvents: ContinueAsNewEvents.default(300),
    /** Show raw device ids and IPs in workflow summaries and search attributes (PII). */
    showDeviceIds: z.boolean().default(false),
    retry: RetrySettings.default(RetrySettings.parse({})),
  })
  .superRefine((p, ctx) => {
    const worst = carriedStateBound(p);
    if (worst > CARRIED_STATE_LIMIT_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `these bounds let one user's carried state reach about ${Math.round(worst / 1024)} KiB, over the ${Math.round(CARRIED_STATE_LIMIT_BYTES / 1024)} KiB Temporal's 2 MiB payload limit allows: lower maxUndeliveredKiB, dedupMaxEntries or purchaseLimit`,
      });
    }
  });
export type Policy = z.infer<typeof Policy>;

/** The most a user's carried state may be (Temporal refuses a continue-as-new input over 2 MiB and ends the run). */
export const CARRIED_STATE_LIMIT_BYTES = 1_800_000;

/**
 * The largest state a user can carry under these bounds: undelivered messages, 16 bytes per remembered id,
 * refundable purchases, the outcome log (200), rejections (50), and room for settings and lanes.
 */
export function carriedStateBound(p: Pick<Policy, 'maxUndeliveredKiB' | 'dedupMaxEntries' | 'purchaseLimit'>): number {
  return p.maxUndeliveredKiB * 1024 + p.dedupMaxEntries * 16 + p.purchaseLimit * 300 + 200 * 400 + 50 * 700 + 100_000;
}

/** The policy every default in the schema gives (what a configuration without a `policy` section gets). */
export const DEFAULT_POLICY: Policy = Policy.parse({});

export const RelayConfig = z.strictObject({
  apps: z
    .record(pattern(z.string(), /^[a-z0-9][a-z0-9_-]{0,63}$/, 'app keys must be lowercase letters, digits, _ and -'), AppConfig)
    .refine((apps) => Object.keys(apps).length > 0, 'configure at least one app'),
  vendors: VendorEndpoints.default(VendorEndpoints.parse({})),
  http: HttpSettings.default(HttpSettings.parse({})),
  policy: Policy.default(DEFAULT_POLICY),
});
export type RelayConfig = z.infer<typeof RelayConfig>;
export type RelayConfigInput = z.input<typeof RelayConfig>;

/**
 * One app as a user workflow sees it: the configuration without its secret references (workflow inputs and
 * history must hold no secrets, and an inline {value} secret is one).
 */
export type PublicAppConfig = Omit<AppConfig, 'adjust' | 'appsflyer'> & {
  adjust?: Omit<AdjustAppConfig, 's2sToken'>;
  appsflyer?: Omit<AppsflyerAppConfig, 'key'>;
};

export function publicAppConfig(app: AppConfig): PublicAppConfig {
  const { adjust, appsflyer, ...rest } = app;
  const out: PublicAppConfig = { ...rest };
  if (adjust) {
    const { s2sToken: _secret, ...publicAdjust } = adjust;
    out.adjust = publicAdjust;
  }
  if (appsflyer) {
    const { key: _secret, ...publicAppsflyer } = appsflyer;
    out.appsflyer = publicAppsflyer;
  }
  return out;
}

/** A configuration with its secrets resolved (worker side only: activities get them, workflows never do). */
export interface LoadedConfig {
  config: RelayConfig;
  /** Where the configuration came from (file path, or a label for in-process configurations). */
  source: string;
  /** Resolved secrets by app key. Serialises as "[redacted]" (JSON.stringify, util.inspect). */
  secrets: { adjust: Record<string, string | undefined>; appsflyer: Record<string, string> };
  /** Not fatal, but worth an operator's attention (e.g. a {value} secret pointed at a real vendor). */
  warnings: string[];
}
