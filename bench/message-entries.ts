// When each message first entered its user's workflow history: the server's time of the signal event or
// the accepted-update event that brought it (the earliest, when the harness sent it more than once). Pure. The
// chaos verdict uses it to tell an order inversion the relay caused from one it could not prevent: the earlier
// event reached the workflow only after the relay began sending the later one (a client retrying through an outage).
import type { Payload } from '@temporalio/common';
import { timestampMs, type TimestampLike } from './timestamp';

/** The messages that carry an event or a refund (signal and update names alike). */
const MESSAGE_NAMES = new Set(['track', 'adRevenue', 'refund']);

interface EventLike {
  eventTime?: TimestampLike;
  workflowExecutionSignaledEventAttributes?: { signalName?: string | null; input?: { payloads?: Payload[] | null } | null } | null;
  workflowExecutionUpdateAcceptedEventAttributes?: {
    acceptedRequest?: { input?: { name?: string | null; args?: { payloads?: Payload[] | null } | null } | null } | null;
  } | null;
}

/** The message id a JSON payload holds (an event's eventId, a refund's refundId); undefined for anything else. */
function idOf(payload: Payload | undefined): string | undefined {
  const encoding = payload?.metadata?.encoding ? Buffer.from(payload.metadata.encoding).toString('utf8') : '';
  if (!payload?.data || !encoding.startsWith('json/')) return undefined;
  const body = JSON.parse(Buffer.from(payload.data).toString('utf8')) as { eventId?: unknown; refundId?: unknown } | null;
  const id = body?.refundId ?? body?.eventId;
  return typeof id === 'string' ? id : undefined;
}

/** Adds each message one history brought in (payloads decoded) to `into`, keeping the earliest time. Pure. */
export function addEntries(events: readonly unknown[], into: Map<string, number>): void {
  for (const event of events as readonly EventLike[]) {
    const signal = event.workflowExecutionSignaledEventAttributes;
    const update = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
    const payload = signal
      ? MESSAGE_NAMES.has(signal.signalName ?? '')
        ? signal.input?.payloads?.[0]
        : undefined
      : update && MESSAGE_NAMES.has(update.name ?? '')
        ? update.args?.payloads?.[0]
        : undefined;
    const id = idOf(payload ?? undefined);
    const time = timestampMs(event.eventTime);
    if (id === undefined || time === undefined) continue;
    const at = Math.floor(time); // whole ms, as the emulator records its requests
    const known = into.get(id);
    if (known === undefined || at < known) into.set(id, at);
  }
}
