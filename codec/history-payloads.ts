// Every payload in a Temporal API object (a workflow history as fetchHistory returns it, a describe answer),
// found by shape, with where it sits: for decoding a history in place with the payload codec (tests, tools
// that read histories) and for checking that a history holds no payload in clear (the privacy scan).
import type { Payload, PayloadCodec } from '@temporalio/common';
import { isEncrypted } from './aes-gcm-codec';

export interface PayloadSlot {
  /** Field names from the root, e.g. ["events", "3", "activityTaskScheduledEventAttributes", "input", "payloads", "0"]. */
  path: string[];
  payload: Payload;
  replace(payload: Payload): void;
}

function isPayload(value: unknown): value is Payload {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) return false;
  const metadata = (value as { metadata?: unknown }).metadata;
  return metadata !== null && typeof metadata === 'object' && 'encoding' in metadata;
}

/** Every payload under `tree` (objects and arrays, depth-first, in field order). */
export function payloadSlots(tree: unknown): PayloadSlot[] {
  const slots: PayloadSlot[] = [];
  const visit = (node: unknown, path: string[], depth: number) => {
    if (node === null || typeof node !== 'object' || node instanceof Uint8Array || depth > 64) return;
    for (const [key, child] of Object.entries(node)) {
      if (isPayload(child)) {
        slots.push({ path: [...path, key], payload: child, replace: (p) => ((node as Record<string, unknown>)[key] = p) });
      } else {
        visit(child, [...path, key], depth + 1);
      }
    }
  };
  visit(tree, [], 0);
  return slots;
}

/** Decodes every payload of `tree` in place with `codec` (payloads it did not encode pass through) and returns it. */
export async function decodePayloadsInPlace<T>(tree: T, codec: PayloadCodec): Promise<T> {
  const slots = payloadSlots(tree);
  const decoded = await codec.decode(slots.map((s) => s.payload));
  slots.forEach((slot, i) => slot.replace(decoded[i] as Payload));
  return tree;
}

/** The SDK core's patch record: a patch id and a flag, nothing else (anything more is reported). */
function isPatchRecord(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const keys = Object.keys(value).sort();
    const { id, deprecated } = value as { id?: unknown; deprecated?: unknown };
    return keys.join(',') === 'deprecated,id' && typeof id === 'string' && /^[a-z0-9-]{1,64}$/.test(id) && typeof deprecated === 'boolean';
  } catch {
    return false;
  }
}

/** What the Temporal server itself writes as the details of an activity cancelled before it started. */
const SERVER_NOT_STARTED = JSON.stringify('ACTIVITY_ID_NOT_STARTED');

/** What `temporal workflow signal --query ... --name redrive --input '{}'` stores without a codec endpoint. */
const EMPTY_OBJECT = '{}';

/**
 * Payloads that are not encrypted although the codec sees every payload the relay writes, except where Temporal
 * never runs the codec: search attributes (the visibility store indexes them), headers (no relay data), the
 * SDK core's own record of a local activity (a marker's `data`: sequence number, activity type, times) and of a
 * patch (a `core_patch` marker's `patch-data`: exactly `{"id": <the patch id>, "deprecated": <boolean>}`), the
 * server's own note on an activity cancelled before it started (`"ACTIVITY_ID_NOT_STARTED"`), and a signal
 * whose input is the empty JSON object `{}` (an operator's batch redrive from the Temporal CLI: it holds nothing).
 */
export function clearPayloadSlots(tree: unknown): PayloadSlot[] {
  return payloadSlots(tree).filter((slot) => {
    if (isEncrypted(slot.payload)) return false;
    const at = (name: string) => slot.path.includes(name);
    const follows = (...names: string[]) => slot.path.some((_, i) => names.every((name, k) => slot.path[i + k] === name));
    const markerData = follows('markerRecordedEventAttributes', 'details', 'data');
    const data = () => Buffer.from(slot.payload.data ?? []).toString('utf8');
    const serverNote = follows('activityTaskCanceledEventAttributes', 'details') && data() === SERVER_NOT_STARTED;
    const emptySignal = follows('workflowExecutionSignaledEventAttributes', 'input') && data().trim() === EMPTY_OBJECT;
    const patch = follows('markerRecordedEventAttributes', 'details', 'patch-data') && isPatchRecord(data());
    return !(at('searchAttributes') || at('header') || markerData || serverNote || emptySignal || patch);
  });
}
