// Payload key settings: S2S_PAYLOAD_KEYS and S2S_PAYLOAD_KEYS_FILE entries, the first key encrypting, and every
// bad setting refused with a message that names the variable, the entry and the key id, never the key itself.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPayloadKeys } from '../../../codec/payload-keys';
import { readPayloadEncryption } from '../../../codec/payload-encryption';

const key = (bytes = 32) => randomBytes(bytes).toString('base64');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-relay-keys-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const problem = (env: NodeJS.ProcessEnv) => {
  try {
    readPayloadKeys(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the settings to be refused');
};

describe('payload keys from the environment', () => {
  it('is off without keys (unset or empty), and says so', () => {
    expect(readPayloadKeys({})).toBeUndefined();
    expect(readPayloadKeys({ S2S_PAYLOAD_KEYS: '  ' })).toBeUndefined();
    const off = readPayloadEncryption({});
    expect(off.enabled).toBe(false);
    expect(off.description).toMatch(/^off: payloads are stored in clear \(set S2S_PAYLOAD_KEYS/);
  });

  it('reads keyId:base64 entries in order: the first encrypts, all decrypt', () => {
    const [a, b] = [key(), key()];
    const ring = readPayloadKeys({ S2S_PAYLOAD_KEYS: ` k2025b:${a} , k2025a:${b}` });
    expect(ring?.primary.id).toBe('k2025b');
    expect(ring?.primary.key).toEqual(Buffer.from(a, 'base64'));
    expect([...(ring?.byId.keys() ?? [])]).toEqual(['k2025b', 'k2025a']);
    expect(ring?.source).toBe('S2S_PAYLOAD_KEYS');
    const on = readPayloadEncryption({ S2S_PAYLOAD_KEYS: `k2025b:${a},k2025a:${b}` });
    expect(on.description).toBe('on: AES-256-GCM (aes-256-gcm+hkdf-sha256/v1) with key "k2025b" (decrypts k2025b, k2025a; from S2S_PAYLOAD_KEYS)');
  });

  it('accepts url-safe base64 without padding', () => {
    const bytes = randomBytes(32);
    const ring = readPayloadKeys({ S2S_PAYLOAD_KEYS: `k1:${bytes.toString('base64url')}` });
    expect(ring?.primary.key).toEqual(bytes);
  });

  it('reads a key file: one entry per line, comments and blank lines skipped', () => {
    const [a, b] = [key(), key()];
    const file = path.join(tmp, 'keys');
    fs.writeFileSync(file, `# current key first\nnew:${a}\n\n# kept to read older histories\nold:${b}\n`);
    const ring = readPayloadKeys({ S2S_PAYLOAD_KEYS_FILE: file });
    expect(ring?.primary.id).toBe('new');
    expect([...(ring?.byId.keys() ?? [])]).toEqual(['new', 'old']);
    expect(ring?.source).toBe(`S2S_PAYLOAD_KEYS_FILE (${file})`);
  });

  it('refuses bad entries, naming the entry and key id but never the key', () => {
    const short = key(16);
    const message = problem({ S2S_PAYLOAD_KEYS: `ok:${key()},short:${short}` });
    expect(message).toBe(
      'invalid payload key settings: S2S_PAYLOAD_KEYS: entry 2 (key id "short"): the key must be 32 bytes (AES-256); it decodes to 16 bytes. generate one with `openssl rand -base64 32`',
    );
    expect(message).not.toContain(short);
    expect(problem({ S2S_PAYLOAD_KEYS: key() })).toContain('entry 1 must be keyId:base64key');
    expect(problem({ S2S_PAYLOAD_KEYS: `bad id:${key()}` })).toContain('entry 1: the key id must be 1-64 letters, digits, . _ -');
    expect(problem({ S2S_PAYLOAD_KEYS: 'k1:not*base64!' })).toContain('entry 1 (key id "k1"): the key must be base64');
    expect(problem({ S2S_PAYLOAD_KEYS: `k1:${key()},k1:${key()}` })).toContain('entry 2: key id "k1" is used twice');
    expect(problem({ S2S_PAYLOAD_KEYS: ',#,' })).toContain('S2S_PAYLOAD_KEYS: holds no keyId:base64key entry');
  });

  it('refuses both variables at once, and an unreadable file', () => {
    expect(problem({ S2S_PAYLOAD_KEYS: `k1:${key()}`, S2S_PAYLOAD_KEYS_FILE: '/x' })).toBe(
      'invalid payload key settings: S2S_PAYLOAD_KEYS_FILE: is set together with S2S_PAYLOAD_KEYS: set only one of them',
    );
    expect(problem({ S2S_PAYLOAD_KEYS_FILE: path.join(tmp, 'missing') })).toContain('S2S_PAYLOAD_KEYS_FILE: cannot read');
    expect(problem({ S2S_PAYLOAD_KEYS_FILE: tmp })).toContain('(not a file)');
  });
});
