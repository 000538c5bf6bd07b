// The user workflow's one alarm clock. Lanes (gate, settle window) and housekeeping ask to be woken at a
// time; a timer is started only if none already pending rings at or before that time, and none is ever
// cancelled, so lanes waiting for the same moment share one timer (each timer started is a billed action).
import { sleep } from '@temporalio/workflow';
import { workflowNow } from './clock';

export class Alarm {
  /** Increases every time a timer rings; waiters re-check their plans when it changes. */
  rung = 0;
  private readonly pending = new Set<number>();

  /** Makes sure a timer rings at `atMs` or earlier (an earlier ring lets the caller ask again). */
  wakeAt(atMs: number, why: string): void {
    for (const t of this.pending) if (t <= atMs) return;
    this.pending.add(atMs);
    // The summary names what the timer waits for in the Temporal UI (e.g. "adjust: settle window until ...").
    sleep(Math.max(1, atMs - workflowNow()), { summary: why }).then(
      () => {
        this.pending.delete(atMs);
        this.rung += 1;
      },
      () => this.pending.delete(atMs), // cancelled with the workflow: nothing left to wake
    );
  }
}
