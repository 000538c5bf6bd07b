// The backend's two kinds of revenue messages: a tracked event (purchase, renewal, ...) and a refund
// that reverses (part of) an earlier purchase. Validated here at every edge: client, CLI and workflow.
import { z } from 'zod';
import { Amount, Currency, EventName, FlatParams, MessageId, Timestamp, UserId } from './fields';

export const TrackEvent = z
  .strictObject({
    userId: UserId,
    eventId: MessageId('eventId'),
    name: EventName,
    occurredAt: Timestamp('occurredAt'),
    revenue: Amount('revenue').optional(),
    currency: Currency.optional(),
    /** Adjust callback parameters (flat strings), returned in Adjust's raw data exports. */
    callbackParams: FlatParams('callbackParams').optional(),
    /** Adjust partner parameters (flat strings), forwarded to network partners. */
    partnerParams: FlatParams('partnerParams').optional(),
    /** Extra AppsFlyer eventValue keys (flat strings), e.g. {"af_content_id":"sku_1"}. */
    eventValue: FlatParams('eventValue').optional(),
  })
  .superRefine((e, ctx) => {
    if (e.revenue !== undefined && e.currency === undefined) {
      ctx.addIssue({ code: 'custom', path: ['currency'], message: 'currency is required when revenue is given (e.g. "USD")' });
    }
    if (e.currency !== undefined && e.revenue === undefined) {
      ctx.addIssue({ code: 'custom', path: ['revenue'], message: 'revenue is required when currency is given' });
    }
  });
export type TrackEvent = z.infer<typeof TrackEvent>;
export type TrackEventInput = z.input<typeof TrackEvent>;

export const Refund = z.strictObject({
  userId: UserId,
  refundId: MessageId('refundId'),
  /** The eventId of the purchase this refund reverses. */
  purchaseEventId: MessageId('purchaseEventId'),
  amount: Amount('amount'),
  currency: Currency,
  occurredAt: Timestamp('occurredAt'),
  reason: z.string().max(200).optional(),
});
export type Refund = z.infer<typeof Refund>;
export type RefundInput = z.input<typeof Refund>;

/** Turns a zod error into one line per problem, each naming the field: `revenue: must be ...`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(message)'}: ${issue.message}`)
    .join('; ');
}

/** Parse or throw an Error whose message names every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new Error(`invalid ${what}: ${describeIssues(result.error)}`);
  return result.data;
}
