// Defence in depth for secrets: every text built from a vendor's answer or an HTTP error passes through
// `redact` before it reaches a log line, a receipt or a failure (and so the workflow history).
export const REDACTED = '[redacted]';

/** Replaces every occurrence of each secret (and its URL-encoded form) with [redacted]; trims to `max` chars. */
export function redact(text: string, secrets: readonly string[], max = 500): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    out = out.split(secret).join(REDACTED);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(REDACTED);
  }
  return out.length > max ? `${out.slice(0, max)}…` : out;
}
