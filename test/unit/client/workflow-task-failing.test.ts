// The client's test for the server's refusal of an update while the user's workflow task is failing: the one
// refusal it sends again (client/relay-client.ts), found anywhere in the error's cause chain.
import { describe, expect, it } from 'vitest';
import { workflowTaskFailing } from '../../../client/relay-client';

describe('workflowTaskFailing', () => {
  it("finds the server's refusal in the error or its causes", () => {
    const refusal = new Error('9 FAILED_PRECONDITION: Unable to perform workflow execution update due to Workflow Task in failed state.');
    expect(workflowTaskFailing(refusal)).toBe(true);
    expect(workflowTaskFailing(new Error('update failed', { cause: new Error('wrapped', { cause: refusal }) }))).toBe(true);
  });

  it('is false for anything else', () => {
    expect(workflowTaskFailing(new Error('workflow execution already completed'))).toBe(false);
    expect(workflowTaskFailing('Workflow Task in failed state')).toBe(false);
    expect(workflowTaskFailing(undefined)).toBe(false);
  });
});
