// The settle window waited out in the combined first attempt (activities/settle.ts): each settling lane waits
// until its time, lanes due at one time share one question, a lane still first goes, any other answer (not
// first, no answer, an error, a late answer) hands the batch back with the reason; an attempt whose worker is
// likely gone (scheduled before this worker started, or picked up late) hands its settling batches back unasked.
import { describe, expect, it } from 'vitest';
import type { CombinedSendInput, Destination, LaneBatchIds, SendBatchInput } from '../../../domain/delivery';
import { LATE_PICKUP_MS, reasonNotToAsk, settleLanes, type AskStillFirst } from '../../../activities/settle';

const lane = (ids: string[], notBeforeMs?: number): SendBatchInput =>
  ({
    app: 'demo-ios',
    user: {} as SendBatchInput['user'],
    items: ids.map((deliveryId) => ({ deliveryId }) as SendBatchInput['items'][number]),
    ...(notBeforeMs !== undefined ? { notBeforeMs } : {}),
  }) as SendBatchInput;

/** A clock that only moves when the attempt sleeps, and the sleeps it was asked for. */
function fakeTime(startMs: number) {
  const slept: number[] = [];
  let now = startMs;
  return {
    slept,
    now: () => now,
    context: {
      sleep: async (ms: number | string) => {
        slept.push(Number(ms));
        now += Number(ms);
      },
    },
  };
}

async function answers(out: ReturnType<typeof settleLanes>): Promise<Partial<Record<Destination, string | undefined>>> {
  const entries = await Promise.all(Object.entries(out).map(async ([d, p]) => [d, await p] as const));
  return Object.fromEntries(entries);
}

describe('settleLanes', () => {
  it('asks nothing and waits for nothing when no lane was planned ahead of its time', async () => {
    const time = fakeTime(1_000);
    const asked: LaneBatchIds[] = [];
    const out = settleLanes(time.context, { adjust: lane(['a1']), appsflyer: lane(['f1']) }, async (b) => (asked.push(b), {}), { nowMs: time.now });
    expect(out).toEqual({});
    expect(asked).toEqual([]);
    expect(time.slept).toEqual([]);
  });

  it('hands every settling lane back at once, unasked, with the reason not to ask; a lane without a window still goes', async () => {
    const time = fakeTime(10_000);
    const asked: LaneBatchIds[] = [];
    const input: CombinedSendInput = { adjust: lane(['a1'], 11_000), appsflyer: lane(['f1']) };
    const handedBack = settleLanes(time.context, input, async (b) => (asked.push(b), { adjust: true }), { nowMs: time.now, notAsking: 'its worker is gone' });
    expect(await answers(handedBack)).toEqual({ adjust: 'its worker is gone' });
    expect(asked).toEqual([]);
    expect(time.slept).toEqual([]);
  });

  it('does not ask when the attempt was scheduled before this worker started, or picked up late', () => {
    const workerStartedAtMs = 50_000;
    expect(reasonNotToAsk({ scheduledAtMs: 49_000, startedAtMs: 50_500, workerStartedAtMs })).toBe(
      'scheduled before this worker started: the worker that planned it is gone, so the workflow is not asked',
    );
    expect(reasonNotToAsk({ scheduledAtMs: 60_000, startedAtMs: 60_000 + LATE_PICKUP_MS + 1_200, workerStartedAtMs })).toBe(
      `picked up ${((LATE_PICKUP_MS + 1_200) / 1000).toFixed(1)} s after it was scheduled: its worker is most likely gone, so the workflow is not asked`,
    );
    expect(reasonNotToAsk({ scheduledAtMs: 60_000, startedAtMs: 60_000 + LATE_PICKUP_MS, workerStartedAtMs })).toBeUndefined();
    expect(reasonNotToAsk({ scheduledAtMs: 60_000, startedAtMs: 60_020, workerStartedAtMs })).toBeUndefined();
  });

  it('waits until the planned time, asks once for the lanes due then, and sends a lane still first', async () => {
    const time = fakeTime(1_000);
    const asked: Array<{ at: number; batches: LaneBatchIds }> = [];
    const ask: AskStillFirst = async (batches) => {
      asked.push({ at: time.now(), batches });
      return { adjust: true, appsflyer: false };
    };
    const input: CombinedSendInput = { adjust: lane(['a1', 'a2'], 3_000), appsflyer: lane(['f1'], 3_000) };
    expect(await answers(settleLanes(time.context, input, ask, { nowMs: time.now }))).toEqual({
      adjust: undefined,
      appsflyer: 'something now goes before it in its lane',
    });
    expect(time.slept).toEqual([2_000]);
    expect(asked).toEqual([{ at: 3_000, batches: { adjust: ['a1', 'a2'], appsflyer: ['f1'] } }]);
  });

  it('asks apart for lanes due at different times; a lane not planned ahead is not asked about', async () => {
    const time = fakeTime(1_000);
    const asked: LaneBatchIds[] = [];
    const ask: AskStillFirst = async (batches) => (asked.push(batches), { adjust: true, appsflyer: true });
    const input: CombinedSendInput = { adjust: lane(['a1'], 2_000), appsflyer: lane(['f1'], 2_500) };
    expect(await answers(settleLanes(time.context, input, ask, { nowMs: time.now }))).toEqual({ adjust: undefined, appsflyer: undefined });
    expect(asked).toEqual([{ adjust: ['a1'] }, { appsflyer: ['f1'] }]);
    const one = settleLanes(time.context, { adjust: lane(['a1']), appsflyer: lane(['f1'], 9_000) }, ask, { nowMs: time.now });
    expect(Object.keys(one)).toEqual(['appsflyer']);
  });

  it('hands the batch back, saying why, when the workflow cannot be asked or has no answer in time', async () => {
    const time = fakeTime(1_000);
    const failing = settleLanes(time.context, { adjust: lane(['a1'], 1_000) }, () => Promise.reject(new Error('workflow not found')), { nowMs: time.now });
    expect(await answers(failing)).toEqual({ adjust: 'the workflow could not be asked: workflow not found' });
    const silent = settleLanes(time.context, { adjust: lane(['a1'], 1_000) }, () => new Promise(() => {}), { nowMs: time.now, timeoutMs: 50 });
    expect(await answers(silent)).toEqual({ adjust: 'the workflow did not answer within 50 ms' });
  });

  it('withdraws a question left without an answer (its request is cancelled), and only that one', async () => {
    const time = fakeTime(1_000);
    const signals: AbortSignal[] = [];
    const silent = settleLanes(time.context, { adjust: lane(['a1'], 1_000) }, (_, withdrawn) => (signals.push(withdrawn), new Promise(() => {})), {
      nowMs: time.now,
      timeoutMs: 50,
    });
    expect(await answers(silent)).toEqual({ adjust: 'the workflow did not answer within 50 ms' });
    const answered = settleLanes(time.context, { adjust: lane(['a1'], 1_000) }, async (_, withdrawn) => (signals.push(withdrawn), { adjust: true }), {
      nowMs: time.now,
    });
    expect(await answers(answered)).toEqual({ adjust: undefined });
    expect(signals.map((s) => s.aborted)).toEqual([true, false]);
  });

  it('a cancelled wait rejects (the attempt ends as cancelled)', async () => {
    const cancelled = new Error('cancelled');
    const out = settleLanes({ sleep: () => Promise.reject(cancelled) }, { appsflyer: lane(['f1'], Date.now() + 60_000) }, async () => ({ appsflyer: true }));
    await expect(out.appsflyer).rejects.toBe(cancelled);
  });
});
