// Every size and count limit of the message contract, in one place, with the reason for each. They keep
// each message far below Temporal's limits (a payload over 2 MiB fails the workflow task; the server warns
// at 512 KiB; a history over 50 MiB ends the run) and every request within what the vendor accepts.

export const LIMITS = {
  /** JSON bytes of one message. Small enough that a user's backlog is bounded by a count, not by luck. */
  messageBytes: 16 * 1024,
  /** Ids chosen by the backend (userId, eventId, refundId, purchaseEventId). */
  idChars: 128,
  /** Keys of one free-form map (callbackParams, partnerParams, eventValue). */
  mapKeys: 50,
  /** Characters of one map key. */
  mapKeyChars: 100,
  /** Characters of one map value. */
  mapValueChars: 1024,
  /** JSON bytes of one Adjust parameter map (callbackParams, partnerParams): Adjust's request limit is 1 MB. */
  adjustMapBytes: 4 * 1024,
  /** AppsFlyer's documented limit for the whole JSON body of one event. */
  appsflyerBodyBytes: 1024,
  /**
   * The share of the AppsFlyer body the install context may use (appsflyer_id, device ids, ip, os, customer
   * user id, user agent, app version, bundle id...). Each event may use the rest (name, time, eventValue,
   * currency, sharing filter), so any accepted event fits with any accepted install, even one that arrives later.
   */
  appsflyerInstallShareBytes: 560,
  /** customerUserId characters. */
  customerUserIdChars: 100,
  /** userAgent characters (sent to Adjust as user_agent and to AppsFlyer api3 as ua). */
  userAgentChars: 400,
  /** appVersion characters. */
  appVersionChars: 64,
  /** A refund's free-text reason (kept with the refund, never sent). */
  reasonChars: 200,
  /** Partner ids in one AppsFlyer sharing_filter. */
  sharingFilterPartners: 20,
  /** Dead-letter ids in one redrive. */
  redriveIds: 500,
  /** Ad impressions in one ad-revenue report. */
  adImpressionsMax: 1_000_000,
} as const;

/** Largest revenue either vendor accepts (Adjust: 100,000,000,000). */
export const MAX_REVENUE = '100000000000';
/** Smallest revenue Adjust accepts on a revenue event. */
export const MIN_ADJUST_REVENUE = '0.001';
/** Decimal places of an amount (AppsFlyer's SDK guidance: up to 5). */
export const MAX_DECIMALS = 5;
