// Sends one delivery: build the vendor request (pure builders), send it once on the shared pool, classify
// the answer. Returns a secret-free outcome (accepted with a receipt, or failed with its class); it never
// retries and never throws for vendor or network problems. Retrying is Temporal's job (see send.ts).
import type { AppConfigFile } from '../domain/app-config';
import type { DeliveryItem, DeliveryReceipt, Destination, SendBatchInput } from '../domain/delivery';
import { buildAdjustEventRequest } from './adjust-request';
import { buildAppsflyerEventRequest } from './appsflyer-request';
import { acceptedByLostAttempt, classifyOutcome, type Classification } from './classify';
import type { VendorHttp } from './http';
import { redact } from './redact';
import type { FailureClass } from './retry-decision';
import { InvalidRequestError, VendorConfigMissingError, type BuiltRequest } from './vendor-request';

export interface SendContext {
  vendor: Destination;
  config: AppConfigFile;
  http: VendorHttp;
  /** The secret for this app and vendor (undefined: none configured). */
  secret: string | undefined;
  /** Every configured secret, scrubbed from anything built from answers or errors. */
  allSecrets: readonly string[];
  attempt: number;
  signal?: AbortSignal;
}

export type ItemOutcome =
  | { ok: true; receipt: DeliveryReceipt; classification: Classification }
  | { ok: false; class: FailureClass; status?: number; message: string; retryAfterMs?: number; durationMs: number; warnings: string[] };

export async function sendItem(ctx: SendContext, input: SendBatchInput, item: DeliveryItem): Promise<ItemOutcome> {
  let request: BuiltRequest;
  try {
    request = build(ctx, input, item);
  } catch (error) {
    const message = redact(error instanceof Error ? error.message : String(error), ctx.allSecrets);
    if (error instanceof InvalidRequestError) return { ok: false, class: 'invalidRequest', message, durationMs: 0, warnings: [] };
    if (error instanceof VendorConfigMissingError) return { ok: false, class: 'misconfigured', message, durationMs: 0, warnings: [] };
    throw error;
  }

  const sentAt = new Date().toISOString();
  const outcome = await ctx.http.send(request, ctx.signal);
  const first = classifyOutcome(ctx.vendor, outcome);
  const resend = ctx.attempt > 1 || item.resend === true;
  const classification = (outcome.kind === 'response' && acceptedByLostAttempt(ctx.vendor, resend, first, outcome.body)) || first;
  const warnings = [...request.warnings];
  if (classification.warning) warnings.push(redact(classification.warning, ctx.allSecrets));
  const answer =
    outcome.kind === 'response'
      ? redact(outcome.body.trim(), ctx.allSecrets)
      : redact(`${outcome.code}: ${outcome.message}`, ctx.allSecrets);

  if (classification.class === 'delivered' || classification.class === 'duplicate') {
    const receipt: DeliveryReceipt = {
      deliveryId: item.deliveryId,
      outcome: classification.class,
      status: classification.status ?? 0,
      answer,
      attempt: ctx.attempt,
      sentAt,
      durationMs: outcome.durationMs,
    };
    if (warnings.length > 0) receipt.warnings = warnings;
    return { ok: true, receipt, classification };
  }
  const failed: ItemOutcome = {
    ok: false,
    class: classification.class,
    message: `${vendorName(ctx.vendor)} ${classification.status ?? 'network error'}: ${classification.reason}; answer: ${answer || '(empty)'}`,
    durationMs: outcome.durationMs,
    warnings,
  };
  if (classification.status !== undefined) failed.status = classification.status;
  if (classification.retryAfterMs !== undefined) failed.retryAfterMs = classification.retryAfterMs;
  return failed;
}

function build(ctx: SendContext, input: SendBatchInput, item: DeliveryItem): BuiltRequest {
  const app = ctx.config.apps[input.app];
  if (!app) throw new VendorConfigMissingError(`app "${input.app}" is not in the worker's app configuration (configured: ${Object.keys(ctx.config.apps).join(', ')})`);
  if (ctx.vendor === 'adjust') return buildAdjustEventRequest(item, input.user, app, ctx.config.vendors, ctx.secret);
  if (ctx.secret === undefined) throw new VendorConfigMissingError(`no AppsFlyer key is configured for app "${input.app}"`);
  return buildAppsflyerEventRequest(item, input.user, app, ctx.config.vendors, ctx.secret);
}

export function vendorName(vendor: Destination): string {
  return vendor === 'adjust' ? 'Adjust' : 'AppsFlyer';
}
