// Helpers for the contract tests: a fixed clock, rule contexts for the demo apps, and checkMessage's answer
// as a list of issues (empty when the message is accepted).
import { expect } from 'vitest';
import { DEFAULT_POLICY, type Policy, type PublicAppConfig } from '../../../domain/config';
import { checkMessage, type FieldIssue, type MessageName, type RuleContext } from '../../../domain/contract';
import type { Signup } from '../../../domain/contract/install';

/** The checker's "now" in every contract test (the demo messages happened 1h45 earlier). */
export const NOW = Date.parse('2026-11-22T12:00:00Z');
export const DAY = 86_400_000;

/** Only the clock (what a client without the relay configuration knows). */
export function clockOnly(policy: Partial<Policy> = {}, nowMs = NOW): RuleContext {
  return { nowMs, policy: { ...DEFAULT_POLICY, ...policy } };
}

/** The clock and the user's app (what the workflow knows once the app is loaded), optionally the install. */
export function withApp(app: PublicAppConfig, opts: { appKey?: string; install?: Signup; policy?: Partial<Policy>; nowMs?: number } = {}): RuleContext {
  return { ...clockOnly(opts.policy, opts.nowMs), appKey: opts.appKey ?? 'demo-ios', app, ...(opts.install ? { install: opts.install } : {}) };
}

/** The issues checkMessage answers for `raw` (an empty list when it accepts it). */
export function issuesOf(name: MessageName, raw: unknown, ctx?: RuleContext): FieldIssue[] {
  const result = checkMessage(name, raw, ctx);
  return result.ok ? [] : result.issues;
}

/** Asserts the message is accepted (showing the issues when it is not). */
export function accepted(name: MessageName, raw: unknown, ctx?: RuleContext): void {
  expect(issuesOf(name, raw, ctx)).toEqual([]);
}

/** Asserts the message is refused with exactly one issue, at `path`, whose text matches `message`. */
export function refusedOnce(name: MessageName, raw: unknown, path: string, message: RegExp | string, ctx?: RuleContext): FieldIssue {
  const issues = issuesOf(name, raw, ctx);
  expect(issues, JSON.stringify(issues)).toHaveLength(1);
  const [issue] = issues as [FieldIssue];
  expect(issue.path).toBe(path);
  if (typeof message === 'string') expect(issue.message).toBe(message);
  else expect(issue.message).toMatch(message);
  return issue;
}
