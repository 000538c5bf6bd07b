// The payload codec on its own: round trips through Temporal's default payload converter, what an encrypted
// payload shows (nothing of the value, only the key id and format), rotation (old key ids still decrypt),
// tampering and wrong keys detected, an unknown key id named, plain payloads passed through, and no keys.
import { hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { AesGcmPayloadCodec, CIPHER, HKDF_INFO, isEncrypted, payloadKey, payloadKeyId } from '../../../codec/aes-gcm-codec';
import { readPayloadKeys } from '../../../codec/payload-keys';

const keyText = () => randomBytes(32).toString('base64');
const codecWith = (keys: string) => new AesGcmPayloadCodec(readPayloadKeys({ S2S_PAYLOAD_KEYS: keys }));
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

const install = { userId: 'u1', deviceIds: { idfa: 'D2CADB5F-410F-4963-AC0C-2A78534BDF1E' }, ip: '198.51.100.23', customerUserId: 'cust-42', revenue: '4.99' };
const values = [install, 'a string', 42, null, undefined, [1, 2, 3], new Uint8Array([0, 1, 2, 255])];

describe('AES-256-GCM payload codec', () => {
  it('round-trips every kind of payload the default converter makes, keeping its metadata', async () => {
    const codec = codecWith(`k1:${keyText()}`);
    const payloads = values.map((v) => defaultPayloadConverter.toPayload(v));
    const encoded = await codec.encode(payloads);
    expect(encoded.every(isEncrypted)).toBe(true);
    const decoded = await codec.decode(encoded);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(values);
    expect(decoded.map((p) => text(p.metadata?.encoding))).toEqual(payloads.map((p) => text(p.metadata?.encoding)));
  });

  it('an encrypted payload shows only its encoding, key id and format; the same value encrypts differently each time', async () => {
    const codec = codecWith(`k1:${keyText()}`);
    const payload = defaultPayloadConverter.toPayload(install);
    const [a, b] = await codec.encode([payload, payload]);
    expect(Object.fromEntries(Object.entries(a?.metadata ?? {}).map(([k, v]) => [k, text(v)]))).toEqual({
      encoding: 'binary/encrypted',
      'encryption-key-id': 'k1',
      'encryption-cipher': CIPHER,
    });
    for (const secret of ['D2CADB5F', '198.51.100.23', 'cust-42', 'idfa', 'json/plain']) {
      expect(Buffer.from(a?.data ?? []).includes(secret), secret).toBe(false);
    }
    expect(Buffer.compare(Buffer.from(a?.data ?? []), Buffer.from(b?.data ?? []))).not.toBe(0);
    expect(payloadKeyId(a as Payload)).toBe('k1');
    // 16-byte salt, 12-byte nonce, 16-byte tag around the protobuf of the original payload.
    expect(a?.data?.length).toBe(temporal.api.common.v1.Payload.encode(payload).finish().length + 44);
  });

  it('rotation: after a new key goes first, payloads of the old key still decrypt; new ones use the new key', async () => {
    const [oldKey, newKey] = [keyText(), keyText()];
    const before = codecWith(`k2025a:${oldKey}`);
    const after = codecWith(`k2025b:${newKey},k2025a:${oldKey}`);
    const [old] = await before.encode([defaultPayloadConverter.toPayload(install)]);
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload(install)]);
    expect([payloadKeyId(old as Payload), payloadKeyId(fresh as Payload)]).toEqual(['k2025a', 'k2025b']);
    expect((await after.decode([old as Payload, fresh as Payload])).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([install, install]);
    // A process that has not got the new key yet cannot read the new payloads, and says which key it lacks.
    await expect(before.decode([fresh as Payload])).rejects.toThrow(
      'cannot decrypt a payload: it was encrypted with key "k2025b", which is not among the configured keys (k2025a). Add "k2025b" to S2S_PAYLOAD_KEYS on every worker, client and codec server',
    );
  });

  it('detects tampering: a changed byte, a swapped key id, or the wrong key under the same id', async () => {
    const k = keyText();
    const codec = codecWith(`k1:${k},k2:${keyText()}`);
    const [payload] = (await codec.encode([defaultPayloadConverter.toPayload(install)])) as [Payload];
    const flipped = Buffer.from(payload.data!);
    flipped[40] = (flipped[40] as number) ^ 1;
    await expect(codec.decode([{ ...payload, data: flipped }])).rejects.toThrow('cannot decrypt a payload encrypted with key "k1": authentication failed');
    const relabelled = { ...payload, metadata: { ...payload.metadata, 'encryption-key-id': Buffer.from('k2') } };
    await expect(codec.decode([relabelled])).rejects.toThrow('key "k2": authentication failed');
    await expect(codecWith(`k1:${keyText()}`).decode([payload])).rejects.toThrow('key "k1": authentication failed');
    await expect(codec.decode([{ ...payload, data: flipped.subarray(0, 20) }])).rejects.toThrow('its data is too short (20 bytes)');
    const otherFormat = { ...payload, metadata: { ...payload.metadata, 'encryption-cipher': Buffer.from('aes-128-cbc') } };
    await expect(codec.decode([otherFormat])).rejects.toThrow('its format is "aes-128-cbc", this codec reads aes-256-gcm+hkdf-sha256/v1');
    expect(defaultPayloadConverter.fromPayload((await codec.decode([payload]))[0] as Payload)).toEqual(install);
  });

  it('derives each payload key with HKDF-SHA256 exactly as node:crypto does', () => {
    for (let i = 0; i < 20; i++) {
      const [key, salt] = [randomBytes(32), randomBytes(16)];
      expect(payloadKey(key, salt)).toEqual(Buffer.from(hkdfSync('sha256', key, salt, HKDF_INFO, 32)));
    }
  });

  it('passes payloads that are not encrypted through decode (histories from before encryption was on)', async () => {
    const codec = codecWith(`k1:${keyText()}`);
    const plain = defaultPayloadConverter.toPayload(install);
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('without keys: encode leaves payloads as they are, decode refuses encrypted ones and says what to set', async () => {
    const none = new AesGcmPayloadCodec(undefined);
    const plain = defaultPayloadConverter.toPayload(install);
    expect(await none.encode([plain])).toEqual([plain]);
    const [encrypted] = (await codecWith(`k7:${keyText()}`).encode([plain])) as [Payload];
    await expect(none.decode([encrypted])).rejects.toThrow(
      'a payload is encrypted (key "k7") but no payload keys are configured here: set S2S_PAYLOAD_KEYS or S2S_PAYLOAD_KEYS_FILE with that key',
    );
  });
});
