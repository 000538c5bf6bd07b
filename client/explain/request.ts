// The vendor request of one delivery, rebuilt with the send activity's own builders (domain/vendors/) from the
// input recorded in history and the relay configuration: the same method, URL, headers and body the worker
// sent, byte for byte, except the secret: the builders get `[redacted]` in its place (a header only: neither
// vendor takes the secret in the URL or the body). Needs no secret at all, so the CLI reads the configuration
// without resolving them.
import type { RelayConfig } from '../../domain/config';
import type { DeliveryItem, SendBatchInput } from '../../domain/delivery';
import { buildAdjustRequest } from '../../domain/vendors/adjust';
import { buildAppsflyerEventRequest } from '../../domain/vendors/appsflyer';

export const REDACTED = '[redacted]';

export type RebuiltRequest = { method: string; url: string; headers: Record<string, string>; body: string; warnings: string[] } | { error: string };

/** Header names that carry a vendor secret (their value shows `[redacted]`). */
export const SECRET_HEADERS = ['authorization', 'authentication'];

export function rebuildRequest(config: RelayConfig, input: Pick<SendBatchInput, 'app' | 'user'>, item: DeliveryItem): RebuiltRequest {
  const app = config.apps[input.app];
  if (!app)
    return {
      error: `app "${input.app}" is not in this configuration (it has: ${Object.keys(config.apps).join(', ')}); run explain with the configuration the workers used (S2S_APP_CONFIG)`,
    };
  try {
    // As activities/send-item.ts builds it; the secret is present (as [redacted]) exactly when the worker had one.
    const built =
      item.destination === 'adjust'
        ? buildAdjustRequest(item, input.user, app, config.vendors, app.adjust?.s2sToken ? REDACTED : undefined)
        : buildAppsflyerEventRequest(item, input.user, app, config.vendors, REDACTED);
    return { method: built.method, url: built.url, headers: built.headers, body: built.body, warnings: built.warnings };
  } catch (error) {
    return {
      error: `the builder refuses this delivery with this configuration (so nothing was sent): ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** The request's body as name=value lines (Adjust's form bodies) or pretty JSON (AppsFlyer's), for people. */
export function readableBody(body: string): string[] {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.stringify(JSON.parse(trimmed), null, 2).split('\n');
    } catch {
      return [body];
    }
  }
  return [...new URLSearchParams(body).entries()].map(([k, v]) => `${k}=${v}`);
}
