// The payload codec: every payload the relay hands to Temporal (inputs, results, query answers, summaries,
// failure details) is encrypted with AES-256-GCM before it leaves the process, and decrypted when it comes
// back. The whole payload (its metadata and data, as protobuf) is the plaintext; the new payload says only
// `encoding: binary/encrypted`, which key encrypted it, and the format. Each payload gets its own AES key,
// derived with HKDF-SHA256 from the configured key and a random salt, plus a random nonce, so no key/nonce
// pair repeats however many payloads one key encrypts. The key id is authenticated too (GCM additional data).
// Payloads that are not encrypted (histories written before encryption was turned on) pass through decode
// unchanged. Without keys, encode passes payloads through and decode refuses encrypted ones with a clear error.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { KEY_BYTES, type PayloadKeyRing } from './payload-keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
/** The format: AES-256-GCM under a per-payload HKDF-SHA256 key; data = salt | nonce | ciphertext | tag. */
export const CIPHER = 'aes-256-gcm+hkdf-sha256/v1';

const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const HKDF_INFO = Buffer.from('s2s-relay payload key v1');
const HKDF_BLOCK_1 = Buffer.from([1]);

const text = (bytes: Uint8Array | null | undefined): string | undefined => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** Why a payload could not be decrypted: names the key id, never key material. */
export class PayloadDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptError';
  }
}

/** Whether a payload is one this codec encrypted (its encoding says so). */
export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.encoding) === ENCRYPTED_ENCODING;
}

/** The key id an encrypted payload names (undefined for other payloads). */
export function payloadKeyId(payload: Payload): string | undefined {
  return isEncrypted(payload) ? text(payload.metadata?.[KEY_ID_METADATA]) : undefined;
}

/**
 * HKDF-SHA256 (RFC 5869) for one 32-byte output block: extract with the salt, expand with the info. The same
 * bytes as node:crypto's hkdfSync (a test checks), at less than half its cost per call.
 */
export function payloadKey(key: Buffer, salt: Buffer): Buffer {
  const prk = createHmac('sha256', salt).update(key).digest();
  return createHmac('sha256', prk).update(HKDF_INFO).update(HKDF_BLOCK_1).digest().subarray(0, KEY_BYTES);
}

function additionalData(keyId: string): Buffer {
  return Buffer.from(`${CIPHER}\0${keyId}`, 'utf8');
}

export function encryptPayload(payload: Payload, keyId: string, key: Buffer): Payload {
  const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
  const random = randomBytes(SALT_BYTES + NONCE_BYTES);
  const salt = random.subarray(0, SALT_BYTES);
  const nonce = random.subarray(SALT_BYTES);
  const cipher = createCipheriv('aes-256-gcm', payloadKey(key, salt), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(keyId));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    metadata: {
      encoding: Buffer.from(ENCRYPTED_ENCODING),
      [KEY_ID_METADATA]: Buffer.from(keyId),
      [CIPHER_METADATA]: Buffer.from(CIPHER),
    },
    data: Buffer.concat([random, ciphertext, cipher.getAuthTag()]),
  };
}

export function decryptPayload(payload: Payload, ring: PayloadKeyRing | undefined): Payload {
  if (!isEncrypted(payload)) return payload;
  const keyId = text(payload.metadata?.[KEY_ID_METADATA]) ?? '(none)';
  const cipherName = text(payload.metadata?.[CIPHER_METADATA]);
  if (cipherName !== CIPHER) {
    throw new PayloadDecryptError(
      `cannot decrypt a payload encrypted with key "${keyId}": its format is ${JSON.stringify(cipherName ?? '(not given)')}, this codec reads ${CIPHER}`,
    );
  }
  if (!ring) {
    throw new PayloadDecryptError(
      `a payload is encrypted (key "${keyId}") but no payload keys are configured here: set S2S_PAYLOAD_KEYS or S2S_PAYLOAD_KEYS_FILE with that key`,
    );
  }
  const key = ring.byId.get(keyId);
  if (!key) {
    throw new PayloadDecryptError(
      `cannot decrypt a payload: it was encrypted with key "${keyId}", which is not among the configured keys (${[...ring.byId.keys()].join(', ')}). ` +
        `Add "${keyId}" to ${ring.source} on every worker, client and codec server (old keys stay listed after a rotation)`,
    );
  }
  const data = Buffer.from(payload.data ?? new Uint8Array());
  if (data.length < SALT_BYTES + NONCE_BYTES + TAG_BYTES)
    throw new PayloadDecryptError(`cannot decrypt a payload encrypted with key "${keyId}": its data is too short (${data.length} bytes)`);
  const salt = data.subarray(0, SALT_BYTES);
  const nonce = data.subarray(SALT_BYTES, SALT_BYTES + NONCE_BYTES);
  const tag = data.subarray(data.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', payloadKey(key, salt), nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(keyId));
  decipher.setAuthTag(tag);
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(data.subarray(SALT_BYTES + NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new PayloadDecryptError(
      `cannot decrypt a payload encrypted with key "${keyId}": authentication failed (the payload was altered, or the key configured as "${keyId}" is not the one it was encrypted with)`,
    );
  }
  const inner = temporal.api.common.v1.Payload.decode(plaintext);
  return { metadata: { ...inner.metadata }, data: inner.data };
}

/** Temporal's PayloadCodec over a key ring (or none: then encode is a no-op and encrypted payloads are refused). */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(readonly ring: PayloadKeyRing | undefined) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const primary = this.ring?.primary;
    if (!primary) return payloads;
    return payloads.map((p) => encryptPayload(p, primary.id, primary.key));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => decryptPayload(p, this.ring));
  }
}
