// The main loop acts only once every message handler has answered. Temporal's core SDK hands a workflow task
// to the workflow in a different number of activations live than on replay in one case: a task that recorded
// no command (say, a signal refused as invalid), followed at once by a task an update opened. Live, on a worker
// that replays the history first (a cache miss, a fresh worker), the signal and the update arrive in one
// activation; on replay they arrive in two. If the signal woke the main loop, its commands (a send, a timer)
// then landed between the update's acceptance and its answer live, but after the answer on replay, and the
// user's workflow could no longer replay (docs/fault-tolerance.md, "Replay and the order of commands").
// Waiting for the handlers makes the order the same both ways: acceptance, answer, then the main loop's commands.
import * as wf from '@temporalio/workflow';

/** The patch id: runs started before this rule replay as they were recorded (the rule off). */
export const HANDLERS_FIRST_PATCH = 'main-loop-after-handlers';

/** Whether this run keeps the rule: asked once, as the run starts, so the answer is the same live and on replay. */
export function handlersFirst(): boolean {
  return wf.patched(HANDLERS_FIRST_PATCH);
}

/** Resolves once no signal or update handler is running; undefined (no wait, no extra yield) when none is. */
export function untilHandlersFinished(): Promise<void> | undefined {
  return wf.allHandlersFinished() ? undefined : wf.condition(wf.allHandlersFinished);
}
