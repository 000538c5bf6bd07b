// User workflows by state, counted in Temporal visibility every minute and exported as the gauge
// s2s_user_workflows{state=...}: how many users have deliveries pending or dead letters waiting, and how
// many user workflows are no longer running (failed, terminated, ...), which no worker-side counter can see.
// Every replica counts (the alert rules take the max); S2S_VISIBILITY_METRICS_INTERVAL=0 turns it off.
import type { MetricMeter } from '@temporalio/common';
import { USER_WORKFLOW_TYPE } from '../domain/workflow-api';
import { METRICS } from '../domain/metrics';

export interface CountService {
  countWorkflowExecutions(request: { namespace: string; query: string }): Promise<{ count?: unknown }>;
}

const CLOSED: Record<string, string> = { failed: 'Failed', terminated: 'Terminated', timed_out: 'TimedOut', canceled: 'Canceled', completed: 'Completed' };

/** Visibility queries per state, for the user workflows of one task queue. */
export function userWorkflowQueries(taskQueue: string): Record<string, string> {
  const mine = `WorkflowType = '${USER_WORKFLOW_TYPE}' AND TaskQueue = '${taskQueue.replace(/'/g, "''")}'`;
  const running = `${mine} AND ExecutionStatus = 'Running'`;
  return {
    running,
    pending: `${running} AND S2SPending > 0`,
    dead_letters: `${running} AND S2SDeadLetters > 0`,
    ...Object.fromEntries(Object.entries(CLOSED).map(([state, status]) => [state, `${mine} AND ExecutionStatus = '${status}'`])),
  };
}

/** Counts every state once; a failed count leaves that state's gauge as it was. */
export async function sampleUserWorkflows(
  service: CountService,
  namespace: string,
  taskQueue: string,
  set: (state: string, count: number) => void,
): Promise<void> {
  await Promise.all(
    Object.entries(userWorkflowQueries(taskQueue)).map(async ([state, query]) => {
      const answer = await service.countWorkflowExecutions({ namespace, query }).catch(() => undefined);
      if (answer) set(state, Number(answer.count ?? 0));
    }),
  );
}

/** Counts now and every `intervalMs` (0: never); returns a function that stops it. */
export function startVisibilityGauges(service: CountService, meter: MetricMeter, namespace: string, taskQueue: string, intervalMs: number): () => void {
  if (intervalMs <= 0) return () => undefined;
  const m = METRICS.userWorkflows;
  let gauge: ReturnType<MetricMeter['createGauge']>;
  try {
    gauge = meter.createGauge(m.name, 'int', m.unit, m.help);
  } catch {
    return () => undefined; // metrics must never stop the worker
  }
  const set = (state: string, count: number) => {
    try {
      gauge.set(count, { namespace, taskQueue, state });
    } catch {
      // as above
    }
  };
  let busy = false;
  const sample = () => {
    if (busy) return;
    busy = true;
    void sampleUserWorkflows(service, namespace, taskQueue, set).finally(() => (busy = false));
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
