// Sends planned messages through the typed client, as a backend would: purchases as trackSignal
// (signal-with-start) or track (update), refunds as refundSignal or refund. Stamps occurredAt at send time
// (plus the plan's offset), remembers each payload so a repeat is byte-identical, and logs send times.
import type { RelayClient } from '../client/relay-client';
import type { Refund, Track } from '../domain/contract/messages';
import type { PlannedGroup } from './workload';

export type SendApi = 'signal' | 'update';

/** Key of the harness's own message id in marked events' callbackParams (Adjust) and eventValue (AppsFlyer). */
export const CHAOS_MARKER = 'chaos_msg';

export interface SentMessage {
  userId: string;
  payload: { kind: 'event'; event: Track } | { kind: 'refund'; refund: Refund };
  /** When the first attempt to send it started (latency is measured from here). */
  sentAtMs: number;
  occurredAtMs: number;
}

export class SentLog {
  readonly messages = new Map<string, SentMessage>();
  /** Message ids the client was told were accepted (the call returned without an error). */
  readonly accepted = new Set<string>();
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
          if (planned.kind === 'bad') throw new Error(`bad message ${planned.id}: send it with bench/chaos-workload.ts, not as a valid message`);
          if (planned.kind === 'event') {
            const occurredAtMs = now + planned.offsetMs;
            const event: Track = { userId, eventId: planned.id, name: planned.name ?? 'purchase', occurredAt: new Date(occurredAtMs).toISOString() };
            if (planned.revenue !== undefined) Object.assign(event, { revenue: planned.revenue, currency: planned.currency ?? 'USD' });
            if (planned.mark) Object.assign(event, { callbackParams: { [CHAOS_MARKER]: planned.id }, eventValue: { [CHAOS_MARKER]: planned.id } });
            message = { userId, payload: { kind: 'event', event }, sentAtMs: now, occurredAtMs };
          } else {
            const purchase = log.messages.get(planned.purchaseId);
            const occurredAtMs = Math.max(now, purchase?.occurredAtMs ?? now);
            const refund: Refund = {
              userId,
              refundId: planned.id,
              purchaseEventId: planned.purchaseId,
              amount: planned.amount,
              currency: planned.currency ?? 'USD',
              occurredAt: new Date(occurredAtMs).toISOString(),
            };
            message = { userId, payload: { kind: 'refund', refund }, sentAtMs: now, occurredAtMs };
          }
          log.messages.set(planned.id, message);
        }
      }
      const id = message.payload.kind === 'event' ? message.payload.event.eventId : message.payload.refund.refundId;
      await sendOne(client, apiFor(id), message);
      log.accepted.add(id);
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
