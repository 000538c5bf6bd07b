// When a user's run continues as new: when Temporal suggests it, at policy.maxHistoryEvents, past 8 MiB of
// history, and once the user is idle past policy.idleContinueAsNewEvents (so the next cache miss replays a short
// run: docs/scaling.md#continue-as-new). Pure: the workflow passes what it knows of its run.
import type { Policy } from '../domain/config';

/** Continue as new before the history grows past this, whatever the server suggests (its hard limit is 50 MiB). */
export const MAX_HISTORY_BYTES = 8 * 1024 * 1024;

export interface RunFacts {
  /** Temporal's continueAsNewSuggested. */
  suggested: boolean;
  historyLength: number;
  historySize: number;
  /** Nothing held, queued, sending or waiting to retry. */
  idle: boolean;
}

/**
 * `policy` is the run's recorded settings: one written before policy.idleContinueAsNewEvents existed has none,
 * and the idle rule stays off for it, as that run was decided.
 */
export function continueAsNewDue(run: RunFacts, policy: Pick<Policy, 'maxHistoryEvents'> & Partial<Pick<Policy, 'idleContinueAsNewEvents'>>): boolean {
  const cap = policy.maxHistoryEvents;
  const idleCap = policy.idleContinueAsNewEvents ?? 0;
  return (
    run.suggested || (cap > 0 && run.historyLength >= cap) || run.historySize >= MAX_HISTORY_BYTES || (idleCap > 0 && run.idle && run.historyLength >= idleCap)
  );
}
