// Builders for track events and refunds in tests, with times relative to now.
import type { Refund, Track } from '../../domain/contract/messages';

export function secondsAgo(s: number): string {
  return new Date(Date.now() - s * 1000).toISOString();
}

export function purchase(userId: string, eventId: string, occurredAt: string, revenue = '4.99', currency = 'USD'): Track {
  return { userId, eventId, name: 'purchase', occurredAt, revenue, currency };
}

export function refund(userId: string, refundId: string, purchaseEventId: string, amount: string, occurredAt: string, currency = 'USD'): Refund {
  return { userId, refundId, purchaseEventId, amount, currency, occurredAt };
}
