// The payload encryption keys, from S2S_PAYLOAD_KEYS or the file S2S_PAYLOAD_KEYS_FILE: `keyId:base64key`
// entries (commas or lines), each a 256-bit AES key. The first entry encrypts; every entry decrypts, so a key
// can be rotated without breaking older histories. Validated with zod; messages name the entry and its key id,
// never the key material. No key configured: encryption is off.
import fs from 'node:fs';
import { z } from 'zod';
import { describeZod } from '../domain/contract/issues';

/** AES-256: 32 bytes of key. */
export const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
export const GENERATE_KEY_HINT = 'generate one with `openssl rand -base64 32`';

export interface PayloadKey {
  id: string;
  key: Buffer;
}

export interface PayloadKeyRing {
  /** The key new payloads are encrypted with (the first entry). */
  primary: PayloadKey;
  /** Every configured key by id (the primary included): what can be decrypted. */
  byId: ReadonlyMap<string, Buffer>;
  /** Where the keys came from: "S2S_PAYLOAD_KEYS" or "S2S_PAYLOAD_KEYS_FILE (/path)". */
  source: string;
}

/** One `keyId:base64key` entry, checked; the message says which entry and what is wrong, without the key. */
function parseEntry(entry: string, index: number, ctx: z.RefinementCtx): PayloadKey | undefined {
  const where = `entry ${index + 1}`;
  const colon = entry.indexOf(':');
  if (colon < 0) {
    ctx.addIssue({
      code: 'custom',
      message: `${where} must be keyId:base64key, e.g. k2025a:<32 random bytes in base64> (${GENERATE_KEY_HINT}); it has no ":"`,
    });
    return undefined;
  }
  const id = entry.slice(0, colon).trim();
  const encoded = entry.slice(colon + 1).trim();
  if (!KEY_ID.test(id)) {
    ctx.addIssue({
      code: 'custom',
      message: `${where}: the key id must be 1-64 letters, digits, . _ - (starting with a letter or digit), e.g. k2025a; got ${JSON.stringify(id.slice(0, 70))}`,
    });
    return undefined;
  }
  if (!BASE64.test(encoded)) {
    ctx.addIssue({
      code: 'custom',
      message: `${where} (key id "${id}"): the key must be base64 (A-Z a-z 0-9 + / or - _, optional = padding); ${GENERATE_KEY_HINT}`,
    });
    return undefined;
  }
  const key = Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== KEY_BYTES) {
    ctx.addIssue({
      code: 'custom',
      message: `${where} (key id "${id}"): the key must be ${KEY_BYTES} bytes (AES-256); it decodes to ${key.length} bytes. ${GENERATE_KEY_HINT}`,
    });
    return undefined;
  }
  return { id, key };
}

/** Entries separated by commas or line breaks; blank lines and lines starting with # are skipped. */
export function splitEntries(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((e) => e.trim())
    .filter((e) => e !== '' && !e.startsWith('#'));
}

/** A list of key entries, as one zod schema: the keys in order, ids unique. */
export const PayloadKeyList = z.string().transform((text, ctx) => {
  const keys: PayloadKey[] = [];
  splitEntries(text).forEach((entry, index) => {
    const key = parseEntry(entry, index, ctx);
    if (!key) return;
    if (keys.some((k) => k.id === key.id))
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1}: key id "${key.id}" is used twice; every key needs its own id` });
    keys.push(key);
  });
  if (keys.length === 0 && ctx.issues?.length === 0) ctx.addIssue({ code: 'custom', message: 'holds no keyId:base64key entry' });
  return keys;
});

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/** The environment variables that configure payload encryption (worker, client library, CLI, codec server). */
export const PayloadKeySettings = z
  .object({
    /** `keyId:base64key` entries separated by commas; the first encrypts, all decrypt. Unset: encryption off. */
    S2S_PAYLOAD_KEYS: optional(z.string()),
    /** A file with one `keyId:base64key` entry per line (# comments allowed), instead of S2S_PAYLOAD_KEYS. */
    S2S_PAYLOAD_KEYS_FILE: optional(z.string().trim()),
  })
  .superRefine((env, ctx) => {
    if (env.S2S_PAYLOAD_KEYS !== undefined && env.S2S_PAYLOAD_KEYS_FILE !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['S2S_PAYLOAD_KEYS_FILE'], message: 'is set together with S2S_PAYLOAD_KEYS: set only one of them' });
    }
  });
export type PayloadKeySettings = z.infer<typeof PayloadKeySettings>;

function readKeyFile(file: string): string {
  try {
    if (!fs.statSync(file).isFile()) throw Object.assign(new Error('not a file'), { code: 'not a file' });
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new Error(
      `invalid payload key settings: S2S_PAYLOAD_KEYS_FILE: cannot read ${file} (${code}); it must be a readable file with one keyId:base64key per line`,
    );
  }
}

/**
 * The configured key ring, or undefined when no key is configured (encryption off). Throws an Error whose
 * message names the variable, the entry and the key id (never the key) when a setting is wrong.
 */
export function readPayloadKeys(env: NodeJS.ProcessEnv = process.env): PayloadKeyRing | undefined {
  const settings = PayloadKeySettings.safeParse(env);
  if (!settings.success) throw new Error(`invalid payload key settings: ${describeZod(settings.error)}`);
  const { S2S_PAYLOAD_KEYS: inline, S2S_PAYLOAD_KEYS_FILE: file } = settings.data;
  if (inline === undefined && file === undefined) return undefined;
  const variable = file !== undefined ? 'S2S_PAYLOAD_KEYS_FILE' : 'S2S_PAYLOAD_KEYS';
  const text = file !== undefined ? readKeyFile(file) : (inline as string);
  const keys = PayloadKeyList.safeParse(text);
  if (!keys.success)
    throw new Error(
      `invalid payload key settings: ${variable}${file !== undefined ? ` (${file})` : ''}: ${keys.error.issues.map((i) => i.message).join('; ')}`,
    );
  const [primary] = keys.data as [PayloadKey, ...PayloadKey[]];
  return { primary, byId: new Map(keys.data.map((k) => [k.id, k.key])), source: file !== undefined ? `S2S_PAYLOAD_KEYS_FILE (${file})` : 'S2S_PAYLOAD_KEYS' };
}
