// Text helpers the contract's rules share: UTF-8 byte counts (no Buffer: this runs inside workflows too),
// JSON byte size, and the printable-text check used for every free-form string a vendor will receive.

/** Bytes of `text` encoded as UTF-8 (each half of a surrogate pair counts 2, so a pair counts 4). */
export function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdfff) bytes += 1;
    else if (code >= 0x800) bytes += 2;
    else if (code >= 0x80) bytes += 1;
  }
  return bytes;
}

/** Bytes of `value` serialised as JSON (what Temporal stores for a payload, before any codec). */
export function jsonBytes(value: unknown): number {
  return utf8Bytes(JSON.stringify(value) ?? '');
}

// Control characters (C0, DEL, C1), lone surrogates and the Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` is not printable (the first offending character, as a code point), or undefined. */
export function unprintable(text: string): string | undefined {
  const match = UNPRINTABLE.exec(text);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0);
  return `contains an unprintable character (U+${code.toString(16).toUpperCase().padStart(4, '0')} at position ${match.index})`;
}

/** Code points in `text` (what a person means by "characters"; emoji count once). */
export function codePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdbff) n += 1;
  }
  return n;
}
