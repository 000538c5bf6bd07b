// Builders for track events and refunds in tests, with times relative to now.
import type { RefundInput, TrackEventInput } from '../../domain/event';

export function secondsAgo(s: number): string {
  return new Date(Date.now() - s * 1000).toISOString();
}

export function purchase(userId: string, eventId: string, occurredAt: string, revenue = '4.99', currency = 'USD'): TrackEventInput {
  return { userId, eventId, name: 'purchase', occurredAt, revenue, currency };
}

export function refund(userId: string, refundId: string, purchaseEventId: string, amount: string, occurredAt: string, currency = 'USD'): RefundInput {
  return { userId, refundId, purchaseEventId, amount, currency, occurredAt };
}
