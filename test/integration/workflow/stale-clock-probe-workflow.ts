// A tiny workflow for the stale-clock test: for each `go` signal it schedules one `note` activity whose input
// is the workflow's clock when it decided to (Date.now() in the sandbox: the time of the task being run).
import * as wf from '@temporalio/workflow';

export const go = wf.defineSignal('go');
export const signalled = wf.defineQuery<number>('signalled');

export interface Decision {
  decidedAtMs: number;
}

const { note } = wf.proxyActivities<{ note(decision: Decision): Promise<void> }>({ startToCloseTimeout: '10s' });

export async function staleClockProbe(): Promise<void> {
  let received = 0;
  let handled = 0;
  wf.setHandler(go, () => void received++);
  wf.setHandler(signalled, () => received);
  for (;;) {
    await wf.condition(() => received > handled);
    handled++;
    await note({ decidedAtMs: Date.now() });
  }
}
