// Sends planned messages through the typed client, as a backend would: purchases as trackSignal
// (signal-with-start) or track (update), refunds as refundSignal or refund. Stamps occurredAt at send time
// (plus the plan's offset), remembers each payload so a repeat is byte-identical, and logs send times.
import type { RelayClient } from '../client/relay-client';
import type { RefundInput, TrackEventInput } from '../domain/event';
import type { PlannedGroup } from './workload';

export type SendApi = 'signal' | 'update';

export interface SentMessage {
  userId: string;
  payload: { kind: 'event'; event: TrackEventInput } | { kind: 'refund'; refund: RefundInput };
  /** When the first attempt to send it started (latency is measured from here). */
  sentAtMs: number;
  occurredAtMs: number;
}

export class SentLog {
  readonly messages = new Map<string, SentMessage>();
  duplicatesSent = 0;
}

/** A Driver sender for the relay: one group, its messages in order. `api` may choose per message id. */
export function relaySender(client: RelayClient, userIds: readonly string[], api: SendApi | ((messageId: string) => SendApi), log: SentLog) {
  const apiFor = typeof api === 'function' ? api : () => api;
  return async (user: number, group: PlannedGroup): Promise<void> => {
    const userId = userIds[user] as string;
    for (const planned of group) {
      let message: SentMessage;
      if (planned.kind === 'duplicate') {
        const original = log.messages.get(planned.of);
        if (!original) throw new Error(`the plan repeats ${planned.of} before sending it`);
        message = original;
        log.duplicatesSent += 1;
      } else {
        const existing = log.messages.get(planned.id);
        if (existing) message = existing;
        else {
          const now = Date.now();
          if (planned.kind === 'event') {
            const occurredAtMs = now + planned.offsetMs;
            const event: TrackEventInput = { userId, eventId: planned.id, name: 'purchase', occurredAt: new Date(occurredAtMs).toISOString(), revenue: planned.revenue, currency: 'USD' };
            message = { userId, payload: { kind: 'event', event }, sentAtMs: now, occurredAtMs };
          } else {
            const purchase = log.messages.get(planned.purchaseId);
            const occurredAtMs = Math.max(now, purchase?.occurredAtMs ?? now);
            const refund: RefundInput = { userId, refundId: planned.id, purchaseEventId: planned.purchaseId, amount: planned.amount, currency: 'USD', occurredAt: new Date(occurredAtMs).toISOString() };
            message = { userId, payload: { kind: 'refund', refund }, sentAtMs: now, occurredAtMs };
          }
          log.messages.set(planned.id, message);
        }
      }
      await sendOne(client, apiFor(message.payload.kind === 'event' ? message.payload.event.eventId : message.payload.refund.refundId), message);
    }
  };
}

async function sendOne(client: RelayClient, api: SendApi, message: SentMessage): Promise<void> {
  const p = message.payload;
  if (p.kind === 'event') {
    if (api === 'signal') await client.trackSignal(p.event);
    else await client.track(p.event);
  } else if (api === 'signal') await client.refundSignal(p.refund);
  else await client.refund(p.refund);
}
