// Payload encryption as the relay's processes use it: on whenever a key is configured (S2S_PAYLOAD_KEYS or
// S2S_PAYLOAD_KEYS_FILE), off otherwise. The same data converter goes to the worker (Worker.create), the
// client library (RelayClient.connect), the CLI, the harnesses and the codec server; a one-line description
// of the state goes to every startup banner.
import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, CIPHER } from './aes-gcm-codec';
import { readPayloadKeys, type PayloadKeyRing } from './payload-keys';

export interface PayloadEncryption {
  enabled: boolean;
  codec: AesGcmPayloadCodec;
  /** For Client, Worker.create and Worker.runReplayHistories. */
  dataConverter: DataConverter;
  /** One line for banners and logs, e.g. `on: AES-256-GCM with key "k2" (decrypts k2, k1; from S2S_PAYLOAD_KEYS)`. */
  description: string;
}

export function payloadEncryption(ring: PayloadKeyRing | undefined): PayloadEncryption {
  const codec = new AesGcmPayloadCodec(ring);
  const description = ring
    ? `on: AES-256-GCM (${CIPHER}) with key "${ring.primary.id}" (decrypts ${[...ring.byId.keys()].join(', ')}; from ${ring.source})`
    : 'off: payloads are stored in clear (set S2S_PAYLOAD_KEYS or S2S_PAYLOAD_KEYS_FILE to encrypt them; see docs/privacy.md)';
  return { enabled: ring !== undefined, codec, dataConverter: { payloadCodecs: [codec] }, description };
}

/** Payload encryption as the environment configures it; throws a message naming the bad setting. */
export function readPayloadEncryption(env: NodeJS.ProcessEnv = process.env): PayloadEncryption {
  return payloadEncryption(readPayloadKeys(env));
}
