// When each message first entered its user's workflow, read from history events: signals and accepted updates
// that carry an event or a refund, the earliest when one was sent more than once; anything else is ignored.
import { describe, expect, it } from 'vitest';
import { addEntries } from '../../../bench/message-entries';

const json = (value: unknown) => ({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(value)) });
const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

describe('addEntries', () => {
  it('reads track and refund signals and updates, keeps the earliest entry, skips other messages and encrypted payloads', () => {
    const entries = new Map<string, number>([['u1.e9', 500]]);
    addEntries(
      [
        {
          eventTime: at(1_000),
          workflowExecutionSignaledEventAttributes: { signalName: 'track', input: { payloads: [json({ userId: 'u1', eventId: 'u1.e1' })] } },
        },
        {
          eventTime: at(2_250),
          workflowExecutionUpdateAcceptedEventAttributes: {
            acceptedRequest: { input: { name: 'refund', args: { payloads: [json({ userId: 'u1', refundId: 'u1.r1', purchaseEventId: 'u1.e1' })] } } },
          },
        },
        // The same event again (a client retry): the first entry counts.
        {
          eventTime: at(3_000),
          workflowExecutionUpdateAcceptedEventAttributes: { acceptedRequest: { input: { name: 'track', args: { payloads: [json({ eventId: 'u1.e1' })] } } } },
        },
        { eventTime: at(4_000), workflowExecutionSignaledEventAttributes: { signalName: 'track', input: { payloads: [json({ eventId: 'u1.e9' })] } } },
        {
          eventTime: at(5_000),
          workflowExecutionUpdateAcceptedEventAttributes: { acceptedRequest: { input: { name: 'signup', args: { payloads: [json({ userId: 'u1' })] } } } },
        },
        {
          eventTime: at(6_000),
          workflowExecutionSignaledEventAttributes: { signalName: 'laneFailure', input: { payloads: [json({ deliveryId: 'x', eventId: 'nope' })] } },
        },
        {
          eventTime: at(7_000),
          workflowExecutionSignaledEventAttributes: {
            signalName: 'track',
            input: { payloads: [{ metadata: { encoding: Buffer.from('binary/encrypted') }, data: Buffer.from('x') }] },
          },
        },
      ],
      entries,
    );
    expect(Object.fromEntries(entries)).toEqual({ 'u1.e1': 1_000, 'u1.r1': 2_250, 'u1.e9': 500 });
  });
});
