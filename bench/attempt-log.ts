// Harness-only evidence for the chaos verdict: an activity interceptor the chaos worker process adds
// (bench/chaos-worker.ts) that appends one JSON line when a send attempt starts and one when it ends, with
// the worker's pid, the activity and attempt, and the delivery ids of the batch. Lines are written
// synchronously, so what a SIGKILLed worker logged is on disk. Also reads the log back as attempt records.
import fs from 'node:fs';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { DESTINATIONS, type CombinedSendInput, type SendBatchInput } from '../domain/delivery';
import type { AttemptRecord } from './invariants';

interface Line {
  ev: 'start' | 'end';
  at: number;
  pid: number;
  /** Activity ids are unique within one workflow run only. */
  run: string;
  activityId: string;
  attempt: number;
  deliveryIds?: string[];
  result?: 'ok' | 'failed';
}

/** The delivery ids an attempt carries: a vendor's batch, or every batch of a combined first attempt. */
function sentIds(arg: unknown): string[] {
  const ids = (batch: SendBatchInput | undefined) => (Array.isArray(batch?.items) ? batch.items.map((i) => i.deliveryId) : []);
  const one = arg as SendBatchInput | undefined;
  if (Array.isArray(one?.items)) return ids(one);
  return DESTINATIONS.flatMap((d) => ids((arg as CombinedSendInput | undefined)?.[d]));
}

export function attemptLogInterceptor(file: string): ActivityInterceptorsFactory {
  const write = (line: Line) => fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const { activityId, attempt } = ctx.info;
        const run = `${ctx.info.workflowExecution?.workflowId ?? '?'}/${ctx.info.workflowExecution?.runId ?? '?'}`;
        const deliveryIds = sentIds(input.args[0]);
        write({ ev: 'start', at: Date.now(), pid: process.pid, run, activityId, attempt, deliveryIds });
        try {
          const result = await next(input);
          write({ ev: 'end', at: Date.now(), pid: process.pid, run, activityId, attempt, result: 'ok' });
          return result;
        } catch (error) {
          write({ ev: 'end', at: Date.now(), pid: process.pid, run, activityId, attempt, result: 'failed' });
          throw error;
        }
      },
    },
  });
}

/**
 * The attempts a log holds (an attempt without an end line never finished on its worker). One attempt started
 * twice on one worker (a task the server handed out again) is two attempts: an end line ends the latest open one.
 */
export function readAttemptLog(file: string): AttemptRecord[] {
  if (!fs.existsSync(file)) return [];
  const attempts: AttemptRecord[] = [];
  const open = new Map<string, AttemptRecord>();
  for (const text of fs.readFileSync(file, 'utf8').split('\n')) {
    if (text.trim() === '') continue;
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      continue; // a line cut by a SIGKILL
    }
    const key = `${line.pid}/${line.run}/${line.activityId}/${line.attempt}`;
    if (line.ev === 'start') {
      const attempt: AttemptRecord = {
        pid: line.pid,
        activityId: line.activityId,
        attempt: line.attempt,
        deliveryIds: line.deliveryIds ?? [],
        startedAtMs: line.at,
      };
      attempts.push(attempt);
      open.set(key, attempt);
    } else {
      const a = open.get(key);
      if (!a) continue;
      open.delete(key);
      a.endedAtMs = line.at;
      if (line.result) a.result = line.result;
    }
  }
  return attempts;
}
