// What an activity sends to its own workflow run (a lane failure report, the settle window's question), with the
// worker's client and a bound on how long it may take: the activity's own result never waits on it for long.
import type { Context } from '@temporalio/activity';

/** The run that scheduled the activity. */
export function ownRun(ctx: Pick<Context, 'info' | 'client'>) {
  const execution = ctx.info.workflowExecution;
  if (!execution) throw new Error('no workflow run to reach');
  return ctx.client.workflow.getHandle(execution.workflowId, execution.runId);
}

/** The run did not answer in time. */
export class NoAnswerError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/** `call`'s result, or a NoAnswerError once `timeoutMs` has passed without one. */
export async function within<T>(call: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NoAnswerError(timeoutMs)), timeoutMs);
    });
    return await Promise.race([call, late]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
