// The privacy scan of workflow histories as stored: which payloads are in clear (codec/history-payloads.ts
// says where Temporal never runs the codec), the personal values the relay stored (found by decrypting the
// payloads: device ids, AppsFlyer id, IP, customer user id), and every place one of them, or anything shaped
// like an IP address, an IDFA/IDFV or an AppsFlyer id, can be read without the key.
import type { Payload, PayloadCodec } from '@temporalio/common';
import { isEncrypted } from '../../codec/aes-gcm-codec';
import { clearPayloadSlots, payloadSlots } from '../../codec/history-payloads';

/** The fields of the install context (domain/install.ts) that hold personal data. */
const PERSONAL_FIELDS = new Set(['appsflyerId', 'ip', 'customerUserId']);
const DEVICE_IDS_FIELD = 'deviceIds';

/** What anyone reading the stored history sees: every byte field as text, encrypted payload data elided. */
export function clearText(tree: unknown): string {
  const encrypted = new Set(
    payloadSlots(tree)
      .filter((s) => isEncrypted(s.payload))
      .map((s) => s.payload),
  );
  const convert = (value: unknown, depth: number): unknown => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (value === null || typeof value !== 'object' || depth > 64) return value;
    if (Array.isArray(value)) return value.map((v) => convert(v, depth + 1));
    if (encrypted.has(value as Payload)) return { metadata: convert((value as Payload).metadata, depth + 1), data: '<encrypted>' };
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, depth + 1)]));
  };
  return JSON.stringify(convert(tree, 0));
}

/** Personal values in a decoded JSON value: strings under deviceIds, appsflyerId, ip, customerUserId. */
export function personalValues(value: unknown, into = new Set<string>(), depth = 0): Set<string> {
  if (value === null || typeof value !== 'object' || depth > 32) return into;
  for (const [key, child] of Object.entries(value)) {
    if (key === DEVICE_IDS_FIELD && child && typeof child === 'object') {
      for (const id of Object.values(child)) if (typeof id === 'string' && id.length >= 4) into.add(id);
    } else if (PERSONAL_FIELDS.has(key) && typeof child === 'string' && child.length >= 4) {
      into.add(child);
    } else personalValues(child, into, depth + 1);
  }
  return into;
}

export interface DecodedScan {
  encrypted: number;
  /** Encrypted with a key this scan does not hold (a test's own key): not readable without it either. */
  otherKey: number;
  values: Set<string>;
}

/** Decrypts each encrypted payload of a stored history (one at a time) and collects the personal values in it. */
export async function decryptedValues(tree: unknown, codec: PayloadCodec): Promise<DecodedScan> {
  const scan: DecodedScan = { encrypted: 0, otherKey: 0, values: new Set() };
  for (const slot of payloadSlots(tree)) {
    if (!isEncrypted(slot.payload)) continue;
    scan.encrypted += 1;
    let decoded: Payload;
    try {
      [decoded] = (await codec.decode([slot.payload])) as [Payload];
    } catch {
      scan.otherKey += 1;
      continue;
    }
    if (Buffer.from(decoded.metadata?.encoding ?? []).toString() !== 'json/plain') continue;
    try {
      personalValues(JSON.parse(Buffer.from(decoded.data ?? []).toString('utf8')), scan.values);
    } catch {
      // not JSON after all: nothing to collect
    }
  }
  return scan;
}

/** Shapes of personal data that must never be readable in clear, whoever's they are. */
const SHAPES: Array<[string, RegExp]> = [
  ['an IPv4 address', /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])/g],
  ['an IDFA/IDFV (upper-case UUID)', /\b[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\b/g],
  ['an AppsFlyer id', /\b\d{13}-\d{7,}\b/g],
];

/** 127.0.0.0/8: the machine's own address (an endpoint in a connection error), never a device's. */
const LOOPBACK = /^127\./;

/** Places in a history's clear text where a known personal value, or a personal-data shape, can be read. */
export function leaksIn(text: string, known: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const token of text.match(/[A-Za-z0-9._:@+-]+/g) ?? []) if (known.has(token)) found.push(`"${token}" (a value the relay stored encrypted elsewhere)`);
  for (const [what, shape] of SHAPES) for (const match of text.match(shape) ?? []) if (!LOOPBACK.test(match)) found.push(`"${match}" (${what})`);
  return found;
}

/** Payloads of a stored history that are in clear where the codec should have encrypted them. */
export function clearPayloadPaths(tree: unknown): string[] {
  return clearPayloadSlots(tree).map((slot) => `${slot.path.join('.')} (${Buffer.from(slot.payload.metadata?.encoding ?? []).toString()})`);
}
