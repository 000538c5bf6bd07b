// What one replay is made of, counted rather than timed: how many activations the SDK hands the workflow, how
// many passes over its conditions it makes, how many calls it makes into the workflow sandbox in all, and how
// many promises the workflow's code and the SDK's workflow side create. These counts are the same on every run
// and every machine for the same history and bundle, so they show what a change to the workflow did to a
// replay's work where the CPU figures move by several ms between runs. The SDK's replayer runs workflows in
// this process (it runs them in debug mode); the counting wraps node:vm's runInContext and adds a promise hook
// while the history is replayed twice (the second replay counted, the first also sets the sandbox up), then
// undoes both. The caller runs it after its timed replays: the counting slows a replay down.
import v8 from 'node:v8';
import vm from 'node:vm';
import type { DataConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';

type History = temporal.api.history.v1.IHistory;

export interface ReplayAnatomy {
  /** Workflow activations (each a batch of jobs from Core). */
  activations: number;
  /** Passes over the workflow's conditions after an activation's jobs (one more each time a condition unblocked). */
  condition_passes: number;
  /** Every call into the workflow sandbox (each runs under the SDK's execution-timeout watchdog). */
  sandbox_calls: number;
  /** Promises created inside the sandbox (the SDK records a stack trace for each). */
  promises: number;
}

/** The SDK's name for a call into the sandbox, as its reusable context passes it (undefined if it changes). */
function callName(context: unknown): string | undefined {
  const args = (context as { __temporal_args?: unknown[] } | undefined)?.__temporal_args;
  return Array.isArray(args) && typeof args[1] === 'string' ? args[1] : undefined;
}

/** Counts what replaying `history` once with `bundlePath` takes. Not re-entrant: one at a time per process. */
export async function replayAnatomy(bundlePath: string, history: History, dataConverter?: DataConverter): Promise<ReplayAnatomy> {
  const counts: ReplayAnatomy = { activations: 0, condition_passes: 0, sandbox_calls: 0, promises: 0 };
  // The history is replayed twice and the second counted: the first also sets the sandbox up (the bundle's code).
  let counting = false;
  const original = vm.Script.prototype.runInContext;
  vm.Script.prototype.runInContext = function counted(this: vm.Script, ...args: Parameters<typeof original>) {
    if (!counting) return original.apply(this, args);
    counts.sandbox_calls += 1;
    const name = callName(args[0]);
    if (name === 'activate') counts.activations += 1;
    if (name === 'tryUnblockConditions') counts.condition_passes += 1;
    return original.apply(this, args);
  };
  // The sandbox has its own Promise; a promise of this realm (the worker's own) is not the workflow's.
  const stopHook = v8.promiseHooks.onInit((promise) => {
    if (counting && promise.constructor !== Promise) counts.promises += 1;
  });
  try {
    const runs = ['set-up', 'counted'].map((name) => ({ workflowId: `replay-anatomy-${name}`, history }));
    let results = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: bundlePath }, ...(dataConverter ? { dataConverter } : {}) }, runs)) {
      if (result.error) throw new Error(`the counted replay failed: ${result.error.message}`);
      counting = (results += 1) === 1;
    }
  } finally {
    stopHook();
    vm.Script.prototype.runInContext = original;
  }
  return counts;
}
