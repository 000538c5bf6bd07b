// Identity: workflow ids derived from user ids, deterministic delivery ids per (user, message, destination),
// and the compact hashes the dedup window keeps. Pure and dependency-free so workflows, activities and the
// client all compute the same ids.

/** Prefix of every user workflow id; the rest is the user id, so ids stay readable in the Temporal UI. */
export const USER_WORKFLOW_PREFIX = 's2s-user-';

export function userWorkflowId(userId: string): string {
  return `${USER_WORKFLOW_PREFIX}${userId}`;
}

/**
 * FNV-1a, 64 bit, as 16 hex chars: deterministic and available in the workflow sandbox (no crypto). Computed
 * on four 16-bit limbs with plain number arithmetic (the same result as BigInt, many times faster).
 */
export function fnv1a64(text: string): string {
  // offset basis 0xcbf29ce484222325, limbs from least significant
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i] as number;
    // multiply by the FNV prime 0x00000100000001b3 = 2^40 + 0x1b3, modulo 2^64
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3;
    const t2 = h2 * 0x1b3 + (h0 << 8);
    const t3 = h3 * 0x1b3 + (h1 << 8);
    h0 = t0 & 0xffff;
    const c1 = t1 + (t0 >>> 16);
    h1 = c1 & 0xffff;
    const c2 = t2 + Math.floor(c1 / 0x10000);
    h2 = c2 & 0xffff;
    h3 = (t3 + Math.floor(c2 / 0x10000)) & 0xffff;
  }
  return [h3, h2, h1, h0].map((h) => h.toString(16).padStart(4, '0')).join('');
}

/**
 * The id of one logical delivery: the same for every attempt, replay and redrive of sending message
 * `sourceKey` (e.g. `event:evt_1` or `refund:rf_1`) of `userId` to `destination`.
 */
export function deliveryId(userId: string, sourceKey: string, destination: string): string {
  return `dlv_${destination === 'adjust' ? 'adj' : 'af'}_${fnv1a64(`${userId}\u0000${sourceKey}\u0000${destination}`)}`;
}

/** The id of a dead letter that never reached a lane (no delivery id): the message's, hashed. */
export function messageLetterId(userId: string, sourceKey: string): string {
  return `dlm_${fnv1a64(`${userId}\u0000${sourceKey}\u0000held`)}`;
}

/** Hash of a user id for logs and metrics when PII display is off. */
export function userHash(userId: string): string {
  return `u_${fnv1a64(`user\u0000${userId}`)}`;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Two independent 32-bit hashes of the UTF-16 code units (FNV-1a with different seeds, then a murmur finaliser). */
function hash2x32(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x0100019d);
  }
  return [mix32(a ^ text.length), mix32(b + text.length)];
}

function base64(n: number, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++) {
    out = B64[n & 63] + out;
    n = Math.floor(n / 64);
  }
  return out;
}

/** 64-bit hash of `text` as 11 base64url characters (the dedup window's key). */
export function hash64(text: string): string {
  const [a, b] = hash2x32(text);
  return base64(a >>> 2, 5) + base64(((a & 3) * 2 ** 30 + (b >>> 2)) % 2 ** 32, 6);
}

/** 30-bit hash of `text` as 5 base64url characters (the dedup window's content fingerprint). */
export function hash30(text: string): string {
  return base64(hash2x32(`c\u0000${text}`)[0] >>> 2, 5);
}
