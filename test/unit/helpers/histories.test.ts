// The replay helpers skip a history with no completed workflow task: it records no command, and the SDK's
// replayer never answers for one holding only the start event (a run just begun by a continue-as-new).
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { hasCompletedTask } from '../../helpers/histories';

const { EventType } = temporal.api.enums.v1;
const history = (...types: temporal.api.enums.v1.EventType[]) => temporal.api.history.v1.History.create({ events: types.map((eventType) => ({ eventType })) });

describe('hasCompletedTask', () => {
  it('is false until a workflow task has completed, true from then on', () => {
    expect(hasCompletedTask(history(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED))).toBe(false);
    expect(
      hasCompletedTask(
        history(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED),
      ),
    ).toBe(false);
    expect(
      hasCompletedTask(
        history(
          EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
          EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
          EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
          EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
        ),
      ),
    ).toBe(true);
    expect(hasCompletedTask({})).toBe(false);
  });
});
