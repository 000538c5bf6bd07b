// Lane failure reports from the vendor workers: which failed attempts are reported (only those Temporal will
// retry, with the vendor's answer), and that sending one never fails the attempt, whatever the client does.
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { SendFailureType, type SendFailureDetails } from '../../../domain/errors';
import { laneFailureReport, sendLaneFailureReport } from '../../../worker/lane-failure-reports';

const details: SendFailureDetails = {
  deliveryId: 'dlv_adj_0123456789abcdef',
  status: 503,
  message: 'Adjust 503: Adjust server error; answer: {"error":"down"}',
  attempt: 2,
};
const failure = (type: string, nonRetryable = false, d: unknown = details) =>
  ApplicationFailure.create({ type, message: 'failed', nonRetryable, details: [d] });

describe('laneFailureReport', () => {
  it('reports the failures Temporal retries, with the delivery, attempt, type, status and answer', () => {
    for (const type of [SendFailureType.transient, SendFailureType.misconfigured, SendFailureType.deviceNotYetKnown]) {
      expect(laneFailureReport('adjust', failure(type), 2)).toEqual({
        destination: 'adjust',
        deliveryId: details.deliveryId,
        attempt: 2,
        type,
        status: 503,
        answer: details.message,
      });
    }
    const noStatus = laneFailureReport(
      'appsflyer',
      failure(SendFailureType.transient, false, { deliveryId: 'dlv_af_1', message: 'network: ECONNRESET', attempt: 1 }),
      1,
    );
    expect(noStatus).toEqual({ destination: 'appsflyer', deliveryId: 'dlv_af_1', attempt: 1, type: 'S2STransient', answer: 'network: ECONNRESET' });
  });

  it('reports nothing for failures that end the send (the workflow hears of them), nor for anything not a send failure', () => {
    for (const type of [
      SendFailureType.rejected,
      SendFailureType.invalidRequest,
      SendFailureType.optedOut,
      SendFailureType.deviceNotFound,
      SendFailureType.deadlinePassed,
    ]) {
      expect(laneFailureReport('adjust', failure(type), 3), type).toBeUndefined();
    }
    expect(laneFailureReport('adjust', failure(SendFailureType.transient, true), 1)).toBeUndefined();
    expect(laneFailureReport('adjust', failure('SomethingElse'), 1)).toBeUndefined();
    expect(laneFailureReport('adjust', failure(SendFailureType.transient, false, { message: 'no delivery id' }), 1)).toBeUndefined();
    expect(laneFailureReport('adjust', new CancelledFailure('cancelled'), 1)).toBeUndefined();
    expect(laneFailureReport('adjust', new Error('bug'), 1)).toBeUndefined();
  });
});

describe('sendLaneFailureReport', () => {
  const report = { destination: 'adjust' as const, deliveryId: 'dlv_adj_1', attempt: 1, type: SendFailureType.transient, answer: 'down' };
  const context = (signal: () => Promise<void>, debug: string[] = []) =>
    ({
      info: { workflowExecution: { workflowId: 's2s-user-u1', runId: 'run-1' } },
      client: { workflow: { getHandle: (id: string, runId: string) => (id === 's2s-user-u1' && runId === 'run-1' ? { signal } : undefined) } },
      log: { debug: (message: string) => debug.push(message) },
    }) as unknown as Context;

  it("signals the activity's own run", async () => {
    const sent: unknown[] = [];
    expect(
      await sendLaneFailureReport(
        context(async () => void sent.push(1)),
        report,
      ),
    ).toBe(true);
    expect(sent).toHaveLength(1);
  });

  it('never throws: a failing or hanging signal is logged and dropped within the timeout', async () => {
    const debug: string[] = [];
    expect(
      await sendLaneFailureReport(
        context(() => Promise.reject(new Error('workflow execution already completed')), debug),
        report,
      ),
    ).toBe(false);
    const started = Date.now();
    expect(
      await sendLaneFailureReport(
        context(() => new Promise(() => undefined), debug),
        report,
        50,
      ),
    ).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
    const noClient = {
      info: { workflowExecution: { workflowId: 'w', runId: 'r' } },
      get client(): never {
        throw new Error('no client');
      },
      log: { debug: () => undefined },
    } as unknown as Context;
    expect(await sendLaneFailureReport(noClient, report)).toBe(false);
    expect(debug).toEqual(['lane failure report not sent (best effort)', 'lane failure report not sent (best effort)']);
  });
});
