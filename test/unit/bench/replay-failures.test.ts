// Workflow task failures read from a history: only nondeterminism counts (by cause, or by the core SDK's message
// when the cause is not set); other failed tasks (e.g. a worker's own error) are not replay failures.
import { describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { replayFailures } from '../../../bench/replay-failures';

const Cause = temporal.api.enums.v1.WorkflowTaskFailedCause;

describe('replayFailures', () => {
  it('reports the nondeterminism failures of a run with the workflow id and the message', () => {
    const events = [
      {
        workflowTaskFailedEventAttributes: {
          cause: Cause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR,
          failure: { message: '[TMPRL1100] Nondeterminism error: x' },
        },
      },
      { workflowTaskFailedEventAttributes: { cause: 'WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR', failure: { message: 'as JSON' } } },
      {
        workflowTaskFailedEventAttributes: {
          cause: Cause.WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED,
          failure: { message: 'Nondeterminism error: without a cause' },
        },
      },
      {
        workflowTaskFailedEventAttributes: {
          cause: Cause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
          failure: { message: 'TypeError: boom' },
        },
      },
      { workflowTaskCompletedEventAttributes: {} },
    ];
    expect(replayFailures('s2s-user-u1', events as never)).toEqual([
      { workflowId: 's2s-user-u1', message: '[TMPRL1100] Nondeterminism error: x' },
      { workflowId: 's2s-user-u1', message: 'as JSON' },
      { workflowId: 's2s-user-u1', message: 'Nondeterminism error: without a cause' },
    ]);
  });
});
