// Routing: turns an accepted message into one delivery per destination the app uses, following the app's
// routing (which events go to Adjust with which token, AppsFlyer names, refund rules). A destination that
// cannot take the message gets a visible `skipped` outcome with the reason, never a silent drop.
import type { DeliveryItem, Destination } from '../domain/delivery';
import { deliveryId } from '../domain/ids';
import type { InstallContext } from '../domain/install';
import type { Routing } from '../domain/settings';
import type { HeldMessage, Pending, UserState } from './state';
import { dedupKey } from './intake';
import { enqueue } from './lane';
import { recordOutcome } from './outcome';

/** Why `destination` cannot take this message for this user, or undefined if it can. */
function skipReason(state: UserState, held: HeldMessage, destination: Destination, routing: Routing, install: InstallContext): string | undefined {
  const lane = state.lanes[destination];
  if (lane.stopped) return `${destination} lane stopped: ${lane.stopped.reason}`;
  const message = held.message;
  if (destination === 'adjust') {
    const adjust = routing.adjust;
    if (!adjust) return 'app has no Adjust configuration';
    if (!Object.values(install.deviceIds).some((v) => v !== undefined)) return 'no Adjust device identifier in the install context';
    if (message.kind === 'refund') {
      return adjust.refundToken ? undefined : 'refunds are not sent to Adjust: no refundToken configured (Adjust accepts no negative revenue)';
    }
    return adjust.events[message.event.name] ? undefined : `no Adjust event token configured for "${message.event.name}"`;
  }
  const af = routing.appsflyer;
  if (!af) return 'app has no AppsFlyer configuration';
  if (!install.appsflyerId) return 'no appsflyerId in the install context';
  if (message.kind === 'refund') {
    const purchase = state.purchases[message.refund.purchaseEventId];
    const purchaseDelivery = purchase?.appsflyerDeliveryId;
    if (!purchaseDelivery) return `purchase "${message.refund.purchaseEventId}" was not sent to AppsFlyer, so neither is its refund`;
    const outcome = state.outcomes[purchaseDelivery]?.outcome;
    if (outcome === 'skipped') return `purchase "${message.refund.purchaseEventId}" was skipped for AppsFlyer, so its refund is too`;
    return undefined;
  }
  if (!af.events[message.event.name] && af.unmappedEvents === 'skip') return `no AppsFlyer event name configured for "${message.event.name}" (unmappedEvents: skip)`;
  return undefined;
}

/** The Adjust ordering keys of a delivery: its token, plus `#revenue` for revenue tokens. */
export function adjustOrderKeys(item: DeliveryItem, routing: Routing): string[] {
  const adjust = routing.adjust;
  if (!adjust) return [];
  if (item.kind === 'refund') return adjust.refundToken ? [adjust.refundToken] : [];
  const mapping = adjust.events[item.name];
  if (!mapping) return [];
  return mapping.revenue ? [mapping.token, '#revenue'] : [mapping.token];
}

function buildItem(state: UserState, held: HeldMessage, destination: Destination): DeliveryItem {
  const message = held.message;
  const id = deliveryId(state.userId, dedupKey(message), destination);
  if (message.kind === 'event') {
    const e = message.event;
    return {
      deliveryId: id,
      destination,
      kind: 'event',
      sourceId: e.eventId,
      name: e.name,
      occurredAtMs: Date.parse(e.occurredAt),
      ...(e.revenue !== undefined ? { revenue: e.revenue } : {}),
      ...(e.currency !== undefined ? { currency: e.currency } : {}),
      ...(e.callbackParams ? { callbackParams: e.callbackParams } : {}),
      ...(e.partnerParams ? { partnerParams: e.partnerParams } : {}),
      ...(e.eventValue ? { eventValue: e.eventValue } : {}),
    };
  }
  const r = message.refund;
  const purchase = state.purchases[r.purchaseEventId];
  return {
    deliveryId: id,
    destination,
    kind: 'refund',
    sourceId: r.refundId,
    name: purchase?.name ?? 'purchase',
    occurredAtMs: Date.parse(r.occurredAt),
    // Adjust gets the refund token without revenue; AppsFlyer gets the amount, sent negative.
    ...(destination === 'appsflyer' ? { revenue: r.amount, currency: r.currency } : {}),
    purchaseEventId: r.purchaseEventId,
  };
}

/** Routes one held message into the lanes (or skipped outcomes). */
export function routeMessage(state: UserState, held: HeldMessage, routing: Routing, install: InstallContext, nowMs: number): void {
  const entry = state.dedup[dedupKey(held.message)];
  for (const destination of ['adjust', 'appsflyer'] as const) {
    if (destination === 'adjust' && !routing.adjust) continue;
    if (destination === 'appsflyer' && !routing.appsflyer) continue;
    const item = buildItem(state, held, destination);
    entry?.deliveryIds.push(item.deliveryId);
    const pending: Pending = { item, arrivedAtMs: held.arrivedAtMs, seq: held.seq, redrives: 0 };
    const reason = skipReason(state, held, destination, routing, install);
    if (reason) {
      recordOutcome(state, pending, { outcome: 'skipped', detail: reason }, nowMs);
      continue;
    }
    if (destination === 'appsflyer') {
      if (held.message.kind === 'event' && state.purchases[held.message.event.eventId]) {
        (state.purchases[held.message.event.eventId] as { appsflyerDeliveryId?: string }).appsflyerDeliveryId = item.deliveryId;
      }
      if (held.message.kind === 'refund') pending.waitFor = state.purchases[held.message.refund.purchaseEventId]?.appsflyerDeliveryId;
    }
    enqueue(state, pending);
  }
}
