// The worker's structured logger: one JSON object per line, and no raw user id while PII display is off.
import { describe, expect, it } from 'vitest';
import { userHash } from '../../domain/ids';
import { StructuredLogger } from '../../worker/logger';

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
    expect(lines[0]).toEqual({ time: expect.any(String), level: 'warn', msg: 'rejected signal', runId: 'r1', kind: 'event', userHash: userHash('jane@example.com') });
    expect(JSON.stringify(lines[0])).not.toContain('jane');
    expect(lines[1]?.workflowId).toBe('bench-floor-1');

    logger.hideUserIds = false;
    logger.warn('rejected signal', { workflowId: 's2s-user-jane@example.com' });
    expect(lines[2]?.workflowId).toBe('s2s-user-jane@example.com');
  });
});
