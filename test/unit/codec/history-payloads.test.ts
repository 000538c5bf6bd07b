// Which payloads of a history may be in clear (Temporal never runs the codec on them) and nothing more: the
// privacy scan and the encryption tests rely on clearPayloadSlots to report everything else.
import { describe, expect, it } from 'vitest';
import { clearPayloadSlots } from '../../../codec/history-payloads';

const json = (value: unknown) => ({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(value)) });
const patchMarker = (record: unknown) => ({
  markerRecordedEventAttributes: { markerName: 'core_patch', details: { 'patch-data': { payloads: [json(record)] } } },
});
const paths = (events: unknown[]) => clearPayloadSlots({ events }).map((slot) => slot.path.join('.'));

describe('clearPayloadSlots', () => {
  it("accepts the core SDK's patch record (a patch id and its flag) and reports anything more in a patch marker", () => {
    expect(paths([patchMarker({ id: 'main-loop-after-handlers', deprecated: false })])).toEqual([]);
    expect(paths([patchMarker({ id: 'main-loop-after-handlers', deprecated: false, idfa: 'AAAAAAAA-1111-4111-A111-111111111111' })])).toEqual([
      'events.0.markerRecordedEventAttributes.details.patch-data.payloads.0',
    ]);
    expect(paths([patchMarker({ id: '203.0.113.7 customer@example.com', deprecated: false })])).toHaveLength(1);
    expect(paths([patchMarker('main-loop-after-handlers')])).toHaveLength(1);
  });

  it('reports a payload in clear anywhere else, e.g. a signal input', () => {
    expect(paths([{ workflowExecutionSignaledEventAttributes: { input: { payloads: [json({ userId: 'u1' })] } } }])).toEqual([
      'events.0.workflowExecutionSignaledEventAttributes.input.payloads.0',
    ]);
  });
});
