// The chaos run's attempt log read back: an attempt is ended only by its own end line (activity ids repeat
// across workflows and attempts), an attempt of a killed worker has none, one attempt started twice is two, and a
// line cut by SIGKILL is skipped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAttemptLog } from '../../../bench/attempt-log';

describe('readAttemptLog', () => {
  it('pairs start and end lines per worker, workflow run, activity and attempt', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'attempts-')), 'attempts.jsonl');
    const line = (o: Record<string, unknown>) => `${JSON.stringify({ pid: 7, activityId: '5', attempt: 1, ...o })}\n`;
    fs.writeFileSync(
      file,
      line({ ev: 'start', at: 100, run: 'wf-a/r1', deliveryIds: ['dlv_a'] }) +
        line({ ev: 'start', at: 110, run: 'wf-b/r1', deliveryIds: ['dlv_b'] }) +
        line({ ev: 'end', at: 120, run: 'wf-b/r1', result: 'ok' }) + // another workflow's activity 5 ended, not wf-a's
        line({ ev: 'start', at: 130, run: 'wf-a/r1', attempt: 2, deliveryIds: ['dlv_a'] }) +
        line({ ev: 'start', at: 131, run: 'wf-c/r1', deliveryIds: ['dlv_c'] }) +
        line({ ev: 'start', at: 132, run: 'wf-c/r1', deliveryIds: ['dlv_c'] }) + // the same attempt handed out twice
        line({ ev: 'end', at: 135, run: 'wf-c/r1', result: 'failed' }) +
        '{"ev":"end","at":14', // cut by the SIGKILL
    );
    expect(readAttemptLog(file)).toEqual([
      { pid: 7, activityId: '5', attempt: 1, deliveryIds: ['dlv_a'], startedAtMs: 100 },
      { pid: 7, activityId: '5', attempt: 1, deliveryIds: ['dlv_b'], startedAtMs: 110, endedAtMs: 120, result: 'ok' },
      { pid: 7, activityId: '5', attempt: 2, deliveryIds: ['dlv_a'], startedAtMs: 130 },
      { pid: 7, activityId: '5', attempt: 1, deliveryIds: ['dlv_c'], startedAtMs: 131 },
      { pid: 7, activityId: '5', attempt: 1, deliveryIds: ['dlv_c'], startedAtMs: 132, endedAtMs: 135, result: 'failed' },
    ]);
    expect(readAttemptLog(path.join(path.dirname(file), 'missing.jsonl'))).toEqual([]);
  });
});
