// The message contract's front door: one check per message, used by the client, the CLI, the workflow's
// update validators and its signal handlers alike. A message is checked in three steps: its size (so an
// oversized message costs nothing to refuse), its shape (the zod schemas, also published as JSON Schema),
// then the rules that need the clock, the app's configuration or the user's install (rules.ts).
import type { z } from 'zod';
import type { Message } from '../delivery';
import { Signup } from './install';
import { fromZod, type FieldIssue } from './issues';
import { LIMITS } from './limits';
import { AdRevenue, Forget, Redrive, Refund, Track } from './messages';
import { messageIssues, signupIssues, type RuleContext } from './rules';
import { jsonBytes } from './text';

/** Every message, by the name it has on the wire (signal and update share the name). */
export const MESSAGES = { signup: Signup, track: Track, refund: Refund, adRevenue: AdRevenue, redrive: Redrive, forget: Forget } as const;
export type MessageName = keyof typeof MESSAGES;
export type MessageOf<K extends MessageName> = z.infer<(typeof MESSAGES)[K]>;

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** Bytes of a message as JSON, or a refusal when it is over the limit (checked before anything else). */
function sizeIssue(raw: unknown): FieldIssue | undefined {
  let bytes: number;
  try {
    bytes = jsonBytes(raw);
  } catch {
    return { path: '(message)', message: 'must be a JSON object' };
  }
  return bytes > LIMITS.messageBytes
    ? { path: '(message)', message: `is ${bytes} bytes as JSON; a message may be at most ${LIMITS.messageBytes} bytes (${LIMITS.messageBytes / 1024} KiB)` }
    : undefined;
}

/**
 * Checks one message. Without a context only the size and shape are checked; with one, the clock rules too,
 * and the app's rules when the context has the app (and the install, for events).
 */
export function checkMessage<K extends MessageName>(name: K, raw: unknown, ctx?: RuleContext): Checked<MessageOf<K>> {
  const tooBig = sizeIssue(raw);
  if (tooBig) return { ok: false, issues: [tooBig] };
  const parsed = MESSAGES[name].safeParse(raw);
  if (!parsed.success) return { ok: false, issues: fromZod(parsed.error) };
  const value = parsed.data as MessageOf<K>;
  if (!ctx) return { ok: true, value };
  const issues = ruleIssues(name, value, ctx);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value };
}

/** The rules of step three for a message whose shape is already known to be valid. */
export function ruleIssues<K extends MessageName>(name: K, value: MessageOf<K>, ctx: RuleContext): FieldIssue[] {
  if (name === 'signup') return signupIssues(value as Signup, ctx);
  const message = asMessage(name, value);
  return message ? messageIssues(message, ctx) : [];
}

/** The workflow's tagged form of an event-like message (track, refund, adRevenue). */
export function asMessage(name: MessageName, value: unknown): Message | undefined {
  if (name === 'track') return { kind: 'track', track: value as Track };
  if (name === 'refund') return { kind: 'refund', refund: value as Refund };
  if (name === 'adRevenue') return { kind: 'adRevenue', adRevenue: value as AdRevenue };
  return undefined;
}

export type { RuleContext } from './rules';
export type { FieldIssue } from './issues';
export { describeIssues } from './issues';
export { Signup, AMENDABLE_FIELDS } from './install';
export { Track, Refund, AdRevenue, Redrive, Forget } from './messages';
export { LIMITS } from './limits';
