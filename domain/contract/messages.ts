// The backend's revenue messages, each defined once: a tracked event (purchase, renewal, ...), a refund of
// (part of) an earlier purchase, and an ad-revenue report for Adjust's /ad_revenue; plus the operator's
// redrive and forget. The shapes here are what other languages get as JSON Schema; the rules that need the
// clock, the app's configuration or the user's install are in rules.ts.
import { z } from 'zod';
import { LIMITS } from './limits';
import { Amount, Currency, EventName, MessageId, pattern, PrintableText, SharingFilter, StringMap, Timestamp, UserId } from './fields';

const requirePair = (revenueKey: string) => (e: { revenue?: string; currency?: string }, ctx: z.RefinementCtx) => {
  if (e.revenue !== undefined && e.currency === undefined) {
    ctx.addIssue({ code: 'custom', path: ['currency'], message: `currency is required when ${revenueKey} is given (e.g. "USD")` });
  }
  if (e.currency !== undefined && e.revenue === undefined) {
    ctx.addIssue({ code: 'custom', path: [revenueKey], message: `${revenueKey} is required when currency is given` });
  }
};

const RELAY_SETS = "the relay sets it from the event's revenue and currency";

export const Track = z
  .strictObject({
    userId: UserId,
    eventId: MessageId('eventId'),
    name: EventName,
    occurredAt: Timestamp('occurredAt'),
    revenue: Amount('revenue').optional(),
    currency: Currency.optional(),
    /** Adjust callback parameters, returned in Adjust's raw data exports. */
    callbackParams: StringMap('callbackParams', { maxBytes: LIMITS.adjustMapBytes }).optional(),
    /** Adjust partner parameters, forwarded to network partners. */
    partnerParams: StringMap('partnerParams', { maxBytes: LIMITS.adjustMapBytes }).optional(),
    /** Extra AppsFlyer eventValue keys, e.g. {"af_content_id":"sku_1"}. */
    eventValue: StringMap('eventValue', { maxBytes: LIMITS.appsflyerBodyBytes, reserved: { af_revenue: RELAY_SETS, af_currency: RELAY_SETS } }).optional(),
    /** AppsFlyer sharing_filter for this event: "all" or partner ids not to share it with. */
    sharingFilter: SharingFilter.optional(),
  })
  .superRefine(requirePair('revenue'))
  .meta({ title: 'Track', description: 'An in-app event (purchase, renewal, trial...). With revenue it is a purchase a refund can name.' });
export type Track = z.infer<typeof Track>;

export const Refund = z
  .strictObject({
    userId: UserId,
    refundId: MessageId('refundId'),
    /** The eventId of the purchase this refund reverses. */
    purchaseEventId: MessageId('purchaseEventId'),
    amount: Amount('amount'),
    currency: Currency,
    occurredAt: Timestamp('occurredAt'),
    reason: PrintableText('reason', LIMITS.reasonChars).optional(),
  })
  .meta({ title: 'Refund', description: 'Reverses (part of) a purchase: AppsFlyer gets negative revenue, Adjust the configured refund token.' });
export type Refund = z.infer<typeof Refund>;

export const AdRevenue = z
  .strictObject({
    userId: UserId,
    /** Shares the eventId space with track: the same id twice is one message. */
    eventId: MessageId('eventId'),
    occurredAt: Timestamp('occurredAt'),
    revenue: Amount('revenue'),
    currency: Currency,
    adImpressionsCount: z
      .int({
        error: (iss) =>
          iss.input === undefined
            ? 'adImpressionsCount is required: the number of ad impressions, a whole number such as 1'
            : 'adImpressionsCount must be a whole number such as 1',
      })
      .min(1, 'adImpressionsCount must be at least 1')
      .max(LIMITS.adImpressionsMax, `adImpressionsCount must be at most ${LIMITS.adImpressionsMax}`),
    network: PrintableText('network', 100).optional(),
    unit: PrintableText('unit', 100).optional(),
    placement: PrintableText('placement', 100).optional(),
    callbackParams: StringMap('callbackParams', { maxBytes: LIMITS.adjustMapBytes }).optional(),
  })
  .meta({ title: 'AdRevenue', description: "Publisher ad revenue for Adjust's /ad_revenue endpoint (the app must enable adjust.adRevenue)." });
export type AdRevenue = z.infer<typeof AdRevenue>;

export const Redrive = z
  .strictObject({
    /** Dead-letter ids (as `s2s status` lists them); all of the user's dead letters when absent or empty. */
    ids: z
      .array(pattern(z.string(), /^[A-Za-z0-9_:.@+-]{1,200}$/, 'ids must be dead-letter ids such as "dlv_adj_0123456789abcdef"'))
      .max(LIMITS.redriveIds)
      .optional(),
  })
  .meta({ title: 'Redrive', description: 'Re-queues dead letters after the cause was fixed; {} redrives all of them.' });
export type Redrive = z.infer<typeof Redrive>;

export const Forget = z
  .strictObject({
    userId: UserId,
    /** Free text for the audit record (never personal data). */
    reason: PrintableText('reason', LIMITS.reasonChars).optional(),
  })
  .meta({ title: 'Forget', description: "Stops the user's deliveries and ends the workflow so its runs can be deleted." });
export type Forget = z.infer<typeof Forget>;
