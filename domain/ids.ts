// Identity: workflow ids derived from user ids, and deterministic delivery ids per (user, message, destination).
// Pure and dependency-free so workflows, activities and the client all compute the same ids.

/** Prefix of every user workflow id; the rest is the user id, so ids stay readable in the Temporal UI. */
export const USER_WORKFLOW_PREFIX = 's2s-user-';

export function userWorkflowId(userId: string): string {
  return `${USER_WORKFLOW_PREFIX}${userId}`;
}

/** FNV-1a, 64 bit, as 16 hex chars. Deterministic, fast, and available in the workflow sandbox (no crypto). */
export function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const bytes = new TextEncoder().encode(text);
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * prime) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/**
 * The id of one logical delivery: the same for every attempt, replay and redrive of sending message
 * `sourceKey` (e.g. `event:evt_1` or `refund:rf_1`) of `userId` to `destination`.
 */
export function deliveryId(userId: string, sourceKey: string, destination: string): string {
  return `dlv_${destination === 'adjust' ? 'adj' : 'af'}_${fnv1a64(`${userId}\u0000${sourceKey}\u0000${destination}`)}`;
}

/** Hash of a user id for logs and metrics when PII display is off. */
export function userHash(userId: string): string {
  return `u_${fnv1a64(`user\u0000${userId}`)}`;
}
