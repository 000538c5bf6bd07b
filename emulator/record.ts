// What the emulator remembers about each vendor request: the RecordedRequest schema (other code imports
// RecordedRequestSchema / RecordedRequest by these names), the query filter of GET /__emulator/requests,
// and the capped in-memory log (oldest records dropped beyond maxRecordedRequests).
import { z } from 'zod';

export const VendorSchema = z.enum(['adjust', 'appsflyer']);
export const EndpointSchema = z.enum(['event', 'ad_revenue', 'session', 'inappevent']);
export const OutcomeSchema = z.enum(['accepted', 'duplicate', 'rejected', 'attributed', 'organic', 'not_recorded', 'fault']);
export const FaultKindSchema = z.enum(['error5xx', 'rate429', 'slow', 'hang', 'reset']);

export type Vendor = z.infer<typeof VendorSchema>;
export type Endpoint = z.infer<typeof EndpointSchema>;
export type Outcome = z.infer<typeof OutcomeSchema>;
export type FaultKind = z.infer<typeof FaultKindSchema>;

export const RecordedRequestSchema = z.object({
  id: z.number().int(),
  receivedAt: z.string(),
  receivedAtMs: z.number(),
  vendor: VendorSchema,
  endpoint: EndpointSchema,
  method: z.string(),
  path: z.string(),
  query: z.record(z.string(), z.string()),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  params: z.record(z.string(), z.string()).optional(),
  json: z.unknown().optional(),
  status: z.number().int(),
  responseBody: z.string(),
  outcome: OutcomeSchema,
  reason: z.string().optional(),
  fault: FaultKindSchema.optional(),
  appKey: z.string().optional(),
  deviceKey: z.string().optional(),
  eventKey: z.string().optional(),
  eventTimeMs: z.number().optional(),
  recordedTimestamp: z.string().optional(),
  revenue: z.string().optional(),
  currency: z.string().optional(),
  deliveryId: z.string().optional(),
  /** The emulator meant to answer, but the client closed the connection first: the answer never reached it. */
  answerUndelivered: z.literal(true).optional(),
  warnings: z.array(z.string()),
});
export type RecordedRequest = z.infer<typeof RecordedRequestSchema>;

export const RequestsResponseSchema = z.object({ requests: z.array(RecordedRequestSchema) });

const intFromQuery = z
  .string()
  .regex(/^\d+$/, 'expected a non-negative integer')
  .transform((s) => Number(s));

/** Filter of GET /__emulator/requests (query strings) and Emulator.requests() (same names). */
export const RequestFilterSchema = z.strictObject({
  vendor: VendorSchema.optional(),
  endpoint: EndpointSchema.optional(),
  outcome: OutcomeSchema.optional(),
  since: z.union([z.number().int().min(0), intFromQuery]).optional(),
  deliveryId: z.string().min(1).optional(),
  limit: z.union([z.number().int().positive(), intFromQuery.refine((n) => n > 0, 'limit must be positive')]).optional(),
});
export type RequestFilter = z.input<typeof RequestFilterSchema>;

export class RequestLog {
  private items: RecordedRequest[] = [];
  private nextId = 1;

  constructor(private cap: number) {}

  setCap(cap: number): void {
    this.cap = cap;
    this.trim(true);
  }

  add(rec: Omit<RecordedRequest, 'id'>): RecordedRequest {
    const full: RecordedRequest = { id: this.nextId++, ...rec };
    this.items.push(full);
    this.trim(false);
    return full;
  }

  /** Clears records; ids keep increasing so `since` cursors held by clients stay valid. */
  clear(): void {
    this.items = [];
  }

  /** Oldest first; `since` keeps records with id > since; `limit` keeps the first N of what matches. */
  list(filter: z.output<typeof RequestFilterSchema> = {}): RecordedRequest[] {
    const out: RecordedRequest[] = [];
    const start = Math.max(0, this.items.length - this.cap);
    for (let i = start; i < this.items.length; i++) {
      const r = this.items[i] as RecordedRequest;
      if (filter.since !== undefined && r.id <= filter.since) continue;
      if (filter.vendor !== undefined && r.vendor !== filter.vendor) continue;
      if (filter.endpoint !== undefined && r.endpoint !== filter.endpoint) continue;
      if (filter.outcome !== undefined && r.outcome !== filter.outcome) continue;
      if (filter.deliveryId !== undefined && r.deliveryId !== filter.deliveryId) continue;
      out.push(r);
      if (filter.limit !== undefined && out.length >= filter.limit) break;
    }
    return out;
  }

  get size(): number {
    return Math.min(this.items.length, this.cap);
  }

  /** Drops the oldest records; done in batches so adding stays O(1) amortised. */
  private trim(now: boolean): void {
    const excess = this.items.length - this.cap;
    if (excess > 0 && (now || excess >= Math.max(1, Math.floor(this.cap / 10)))) this.items.splice(0, excess);
  }
}
