// The domain modules the workflow sandbox shares between workflows (domain/shared-modules.ts) are deep-frozen
// by the SDK once loaded. Here they are frozen the same way, then every message of the contract, valid and
// invalid, is checked again: a check that writes to a frozen schema (as zod's .regex() does with lastIndex)
// would throw a TypeError here instead of failing a user's workflow task in production.
import { describe, expect, it } from 'vitest';
import * as contract from '../../../domain/contract';
import * as config from '../../../domain/config';
import * as fields from '../../../domain/contract/fields';
import * as install from '../../../domain/contract/install';
import * as messages from '../../../domain/contract/messages';
import * as routing from '../../../domain/routing';
import * as shared from '../../../domain/shared-modules';
import { iosApp, iosUser, track } from '../../helpers/demo-apps';

/** The SDK's deepFreeze (worker/lib/workflow/reusable-vm.js): properties first (getters run), then the object. */
function deepFreeze(object: unknown, seen = new WeakSet<object>()): void {
  if (object === null || (typeof object !== 'object' && typeof object !== 'function')) return;
  if (seen.has(object as object) || Object.isFrozen(object)) return;
  seen.add(object as object);
  if (typeof object === 'object') {
    for (const name of [...Object.getOwnPropertyNames(object), ...Object.getOwnPropertySymbols(object)]) {
      try {
        deepFreeze((object as Record<PropertyKey, unknown>)[name], seen);
      } catch {
        // as the SDK: some objects cannot be frozen
      }
    }
  }
  Object.freeze(object);
}

describe('shared workflow modules, frozen', () => {
  it('check every message, valid and invalid, without writing to a frozen schema', () => {
    // Fixtures first: zod defines a schema's methods on first use, so only what the workflow calls (checkMessage,
    // that is safeParse) may be called once frozen, as in the sandbox.
    const signup = iosUser();
    const valid = track();
    for (const module of [contract, config, fields, install, messages, routing]) for (const value of Object.values(module)) deepFreeze(value);
    expect(Object.isFrozen(messages.Track)).toBe(true);
    expect(() => shared.warmedUp()).not.toThrow();
    const ctx = { nowMs: Date.parse('2026-11-22T12:00:00Z'), policy: config.DEFAULT_POLICY, appKey: 'demo-ios', app: iosApp, install: signup };
    const bad = contract.checkMessage('track', { ...valid, eventId: 'bad id', name: 'Bad', userId: '' }, ctx);
    expect(bad.ok).toBe(false);
    expect(contract.checkMessage('signup', { ...signup, deviceIds: { idfa: 'nope' }, appsflyerId: 'x', osVersion: 'y' }, ctx)).toMatchObject({ ok: false });
    expect(contract.checkMessage('track', valid, ctx)).toMatchObject({ ok: true });
  });
});
