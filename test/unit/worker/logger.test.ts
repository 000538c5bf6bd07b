// The worker's structured logger: one JSON object per line, no raw user id while PII display is off, never an
// activity task token, and errors with their stack and cause.
import { describe, expect, it } from 'vitest';
import { userHash } from '../../../domain/ids';
import { StructuredLogger } from '../../../worker/logger';

function capture(level: 'INFO' | 'WARN' = 'INFO') {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, logger: new StructuredLogger(level, 'json', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)) };
}

describe('StructuredLogger', () => {
  it('writes the message, level and metadata as one JSON object, and drops lines below its level', () => {
    const { lines, logger } = capture('WARN');
    logger.info('quiet');
    logger.warn('device opted out; lane stopped', { destination: 'adjust' });
    expect(lines).toEqual([{ time: expect.any(String), level: 'warn', msg: 'device opted out; lane stopped', destination: 'adjust' }]);
  });

  it('logs a user workflow id as the user hash while user ids are hidden', () => {
    const { lines, logger } = capture();
    logger.hideUserIds = true;
    logger.warn('rejected signal', { workflowId: 's2s-user-jane@example.com', runId: 'r1', kind: 'event' });
    logger.info('other workflow', { workflowId: 'bench-floor-1' });
    expect(lines[0]).toEqual({
      time: expect.any(String),
      level: 'warn',
      msg: 'rejected signal',
      runId: 'r1',
      kind: 'event',
      userHash: userHash('jane@example.com'),
    });
    expect(JSON.stringify(lines[0])).not.toContain('jane');
    expect(lines[1]?.workflowId).toBe('bench-floor-1');

    logger.hideUserIds = false;
    logger.warn('rejected signal', { workflowId: 's2s-user-jane@example.com' });
    expect(lines[2]?.workflowId).toBe('s2s-user-jane@example.com');
  });

  it('never logs an activity task token (it embeds the raw workflow id), whatever the PII setting', () => {
    const { lines, logger } = capture();
    // What the SDK attaches: base64 of a token whose bytes hold the workflow id in clear.
    const taskToken = Buffer.from('\n\u0007default\u0012\u001as2s-user-jane@example.com\u001a\u0003run').toString('base64');
    for (const hide of [true, false]) {
      logger.hideUserIds = hide;
      logger.info('Activity completed', { taskToken, activityType: 'sendToAdjust', attempt: 1 });
    }
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toHaveProperty('taskToken');
      expect(line).toMatchObject({ activityType: 'sendToAdjust', attempt: 1 });
      expect(JSON.stringify(line)).not.toContain(taskToken);
    }
  });

  it('logs an error with its name, message, stack, failure type and cause', () => {
    const { lines, logger } = capture();
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:9');
    const error = Object.assign(new Error('adjust answered 503', { cause }), { name: 'ApplicationFailure', type: 'S2STransient' });
    logger.warn('Activity failed', { error });
    const logged = lines[0]?.error as Record<string, unknown>;
    expect(logged).toMatchObject({ name: 'ApplicationFailure', message: 'adjust answered 503', type: 'S2STransient' });
    expect(logged.stack).toEqual(error.stack);
    expect(logged.stack).toMatch(/logger\.test\.ts:\d+/);
    expect(logged.cause).toMatchObject({ name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:9', stack: expect.stringContaining('ECONNREFUSED') });
  });

  it('shows the stack in the readable format too', () => {
    const lines: string[] = [];
    const logger = new StructuredLogger('INFO', 'pretty', (line) => lines.push(line));
    logger.error('worker failed', { error: new Error('boom') });
    expect(lines[0]).toContain('worker failed');
    expect(lines[0]).toMatch(/"stack":"Error: boom\\n\s+at /);
  });
});
