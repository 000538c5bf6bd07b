// When a user's run continues as new (workflows/continue-as-new.ts): Temporal's suggestion, the history caps, and
// the idle cap, which needs the user idle and is off for settings recorded before it existed.
import { describe, expect, it } from 'vitest';
import { continueAsNewDue, MAX_HISTORY_BYTES, type RunFacts } from '../../../workflows/continue-as-new';

const run = (overrides: Partial<RunFacts> = {}): RunFacts => ({ suggested: false, historyLength: 100, historySize: 50_000, idle: true, ...overrides });
const POLICY = { maxHistoryEvents: 0, idleContinueAsNewEvents: 300 };

describe('continueAsNewDue', () => {
  it('continues when Temporal suggests it, at maxHistoryEvents and past 8 MiB, busy or not', () => {
    expect(continueAsNewDue(run(), POLICY)).toBe(false);
    expect(continueAsNewDue(run({ suggested: true, idle: false }), POLICY)).toBe(true);
    expect(continueAsNewDue(run({ historyLength: 60, idle: false }), { ...POLICY, maxHistoryEvents: 60 })).toBe(true);
    expect(continueAsNewDue(run({ historyLength: 59, idle: false }), { ...POLICY, maxHistoryEvents: 60 })).toBe(false);
    expect(continueAsNewDue(run({ historySize: MAX_HISTORY_BYTES, idle: false }), POLICY)).toBe(true);
  });

  it('continues past the idle cap only when the user is idle', () => {
    expect(continueAsNewDue(run({ historyLength: 300 }), POLICY)).toBe(true);
    expect(continueAsNewDue(run({ historyLength: 299 }), POLICY)).toBe(false);
    expect(continueAsNewDue(run({ historyLength: 5_000, idle: false }), POLICY)).toBe(false);
  });

  it('has no idle cap at 0, nor for settings recorded before the setting existed', () => {
    expect(continueAsNewDue(run({ historyLength: 5_000 }), { ...POLICY, idleContinueAsNewEvents: 0 })).toBe(false);
    expect(continueAsNewDue(run({ historyLength: 5_000 }), { maxHistoryEvents: 0 })).toBe(false);
  });
});
