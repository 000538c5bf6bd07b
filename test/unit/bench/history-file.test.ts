// A history written as a chaos run saves it reads back the same (the form `npm run replay` and the tests read),
// and the recorded fixtures read in that form.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { readHistoryFile, writeHistoryFile } from '../../../bench/history-file';
import { PROJECT_ROOT } from '../../../worker/paths';

const E = temporal.api.enums.v1.EventType;

describe('history files', () => {
  it('reads back what it wrote: ids, times, types, attributes and payload bytes', () => {
    const history = temporal.api.history.v1.History.fromObject({
      events: [
        { eventId: 1, eventTime: { seconds: 1_796_264_050, nanos: 5 }, eventType: E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED },
        {
          eventId: 2,
          eventType: E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
          workflowExecutionSignaledEventAttributes: {
            signalName: 'track',
            input: { payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"a":1}') }] },
          },
        },
      ],
    });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'history-file-')), 'h.json');
    writeHistoryFile(file, history);
    const back = readHistoryFile(file);
    expect(back.toJSON()).toEqual(history.toJSON());
    expect(Buffer.from(back.events[1]?.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0]?.data ?? []).toString()).toBe('{"a":1}');
  });

  it('reads the recorded fixtures', () => {
    const history = readHistoryFile(path.join(PROJECT_ROOT, 'test', 'fixtures', 'history-before-handlers-first.json'));
    expect(history.events[0]?.eventType).toBe(E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
    expect(history.events.length).toBeGreaterThan(10);
  });
});
