// What operators see: the status query's answer, the S2S* search attribute values, the current-details
// text shown in the Temporal UI, and the one-line activity summaries ("appsflyer cancel_purchase rf_1 -4.99 USD").
// Presentation only, and deterministic (workflow code): no I/O, no clocks.
import type { DeliveryItem, Destination } from '../domain/delivery';
import type { InstallContext } from '../domain/install';
import { negateAmount } from '../domain/money';
import type { UserState as UserStateKeyword } from '../domain/search-attributes';
import type { WorkflowSettings } from '../domain/settings';
import type { DeadLetterView, LaneView, TimelineEntry, UserStatus } from '../domain/status';
import { clip, mdText, uiLines } from '../domain/ui-markdown';
import { iso } from './clock';
import { readyAt } from './lane';
import { pendingCount, type DeadLetter, type UserState } from './state';

export function gateAt(state: UserState, settings: WorkflowSettings): number | undefined {
  return state.install ? Date.parse(state.install.installedAt) + settings.policy.postInstallDelayMs : undefined;
}

export function stateKeyword(state: UserState, settings: WorkflowSettings, nowMs: number, inFlight: number): UserStateKeyword {
  const pending = pendingCount(state);
  if (!state.install) return 'waiting for install';
  const gate = gateAt(state, settings) ?? 0;
  if (pending > 0 && nowMs < gate) return 'gated';
  if (state.lanes.adjust.stopped || state.lanes.appsflyer.stopped) return 'lane stopped';
  if (pending > 0 || inFlight > 0) return 'sending';
  return 'idle';
}

/**
 * The one-line summary of a send activity, shown in the UI's event history and timeline: destination, the
 * name the vendor sees, the message id and the amount as sent, e.g. "appsflyer cancel_purchase rf_1 -4.99 USD
 * (refund of evt_1)" or "adjust purchase(p4rch1) evt_2 9.99 USD (restamped 2026-11-22T10:00:05.000Z)".
 * Never device ids or other install context.
 */
export function activitySummary(destination: Destination, items: DeliveryItem[], settings: WorkflowSettings): string {
  const describe = (item: DeliveryItem) => {
    const name = vendorEventName(item, settings);
    const amount = item.revenue !== undefined ? ` ${item.kind === 'refund' && destination === 'appsflyer' ? negateAmount(item.revenue) : item.revenue} ${item.currency ?? ''}`.trimEnd() : '';
    const notes: string[] = [];
    if (item.kind === 'refund' && item.purchaseEventId) notes.push(`refund of ${item.purchaseEventId}`);
    if (item.sendAtMs !== undefined && item.sendAtMs !== item.occurredAtMs) notes.push(`restamped ${iso(item.sendAtMs)}`);
    return `${name} ${item.sourceId}${amount}${notes.length ? ` (${notes.join(', ')})` : ''}`;
  };
  const [first] = items;
  if (!first) return destination;
  const more = items.length > 1 ? ` +${items.length - 1} more: ${items.slice(1, 4).map((i) => i.sourceId).join(', ')}${items.length > 4 ? ', ...' : ''}` : '';
  return `${destination} ${describe(first)}${more}`;
}

/** The name the vendor will see: AppsFlyer event name or Adjust token, as routed. */
export function vendorEventName(item: DeliveryItem, settings: WorkflowSettings): string {
  const routing = settings.routing;
  if (item.destination === 'appsflyer') {
    if (item.kind === 'refund') return routing?.appsflyer?.refundEventName ?? 'refund';
    return routing?.appsflyer?.events[item.name] ?? item.name;
  }
  if (item.kind === 'refund') return `refund(${routing?.adjust?.refundToken ?? '?'})`;
  const token = routing?.adjust?.events[item.name]?.token;
  return token ? `${item.name}(${token})` : item.name;
}

function deadLetterView(letter: DeadLetter): DeadLetterView {
  const item = letter.item;
  const held = letter.held?.message;
  const base = item
    ? {
        deliveryId: item.deliveryId,
        destination: item.destination,
        kind: item.kind,
        id: item.sourceId,
        name: item.name,
        occurredAt: iso(item.occurredAtMs),
        ...(item.revenue !== undefined ? { revenue: item.revenue } : {}),
        ...(item.currency !== undefined ? { currency: item.currency } : {}),
      }
    : held?.kind === 'event'
      ? { kind: 'event' as const, id: held.event.eventId, name: held.event.name, occurredAt: held.event.occurredAt }
      : { kind: 'refund' as const, id: held?.kind === 'refund' ? held.refund.refundId : '?', occurredAt: held?.kind === 'refund' ? held.refund.occurredAt : iso(0) };
  return {
    ...base,
    reason: letter.reason,
    ...(letter.status !== undefined ? { status: letter.status } : {}),
    ...(letter.vendorMessage !== undefined ? { vendorMessage: letter.vendorMessage } : {}),
    ...(letter.attempts !== undefined ? { attempts: letter.attempts } : {}),
    at: iso(letter.atMs),
    redrives: letter.redrives,
  };
}

export function buildStatus(state: UserState, settings: WorkflowSettings, nowMs: number, inFlight: Record<Destination, string[]>): UserStatus {
  const gate = gateAt(state, settings);
  const install = state.install;
  const laneView = (destination: Destination): LaneView => {
    const lane = state.lanes[destination];
    const head = lane.queue[0];
    const view: LaneView = { queued: lane.queue.length, inFlight: inFlight[destination], counts: { ...lane.counts } };
    if (head) {
      view.next = {
        deliveryId: head.item.deliveryId,
        id: head.item.sourceId,
        name: head.item.name,
        occurredAt: iso(head.item.occurredAtMs),
        ...(gate !== undefined ? { readyAt: iso(readyAt(head, { nowMs, installedAtMs: Date.parse(install?.installedAt ?? '0'), gateAtMs: gate, policy: settings.policy, routing: settings.routing ?? { app: '' } })) } : {}),
        ...(head.waitFor ? { waitingFor: head.waitFor } : {}),
      };
    }
    if (lane.last) {
      view.last = {
        deliveryId: lane.last.deliveryId,
        id: lane.last.sourceId,
        name: lane.last.name,
        outcome: lane.last.outcome,
        at: iso(lane.last.atMs),
        ...(lane.last.status !== undefined ? { status: lane.last.status } : {}),
        ...(lane.last.detail !== undefined ? { detail: lane.last.detail } : {}),
      };
    }
    if (lane.stopped) view.stopped = { reason: lane.stopped.reason, at: iso(lane.stopped.atMs) };
    if (destination === 'adjust' && Object.keys(lane.highWater).length > 0) {
      view.highWater = Object.fromEntries(Object.entries(lane.highWater).map(([k, sec]) => [k, iso(sec * 1000)]));
    }
    return view;
  };
  const status: UserStatus = {
    userId: state.userId,
    state: stateKeyword(state, settings, nowMs, inFlight.adjust.length + inFlight.appsflyer.length),
    gateOpen: gate !== undefined && nowMs >= gate,
    held: state.held.length,
    orphanRefunds: state.orphanRefunds.length,
    pending: pendingCount(state),
    lanes: { adjust: laneView('adjust'), appsflyer: laneView('appsflyer') },
    deadLetters: state.deadLetters.map(deadLetterView),
    deadLettersEvicted: state.deadLettersEvicted,
    recentRejections: state.rejections.map((r) => ({ at: iso(r.atMs), kind: r.kind, reason: r.reason, ...(r.id !== undefined ? { id: r.id } : {}) })),
    counters: { ...state.counters },
  };
  if (install) {
    status.app = install.app;
    status.platform = install.platform;
    status.installedAt = install.installedAt;
  }
  if (gate !== undefined) status.gateAt = iso(gate);
  if (settings.routingError) status.settingsProblem = settings.routingError;
  return status;
}

export function buildTimeline(state: UserState): TimelineEntry[] {
  return Object.entries(state.outcomes)
    .map(([deliveryId, r]) => ({
      destination: r.destination,
      deliveryId,
      kind: r.kind,
      id: r.sourceId,
      name: r.name,
      occurredAt: iso(r.occurredAtMs),
      ...(r.revenue !== undefined ? { revenue: r.revenue } : {}),
      ...(r.currency !== undefined ? { currency: r.currency } : {}),
      outcome: r.outcome,
      ...(r.atMs !== undefined ? { at: iso(r.atMs) } : {}),
      ...(r.status !== undefined ? { status: r.status } : {}),
      ...(r.detail !== undefined ? { detail: r.detail } : {}),
    }))
    .sort((a, b) => (a.destination === b.destination ? a.occurredAt.localeCompare(b.occurredAt) : a.destination.localeCompare(b.destination)));
}

const MAX_DEAD_LETTER_LINES = 3;

function laneLine(destination: Destination, v: LaneView): string {
  const parts: string[] = [];
  if (v.stopped) parts.push(`STOPPED: ${mdText(clip(v.stopped.reason, 160))} (since ${v.stopped.at})`);
  parts.push(`${v.queued} queued`);
  if (v.inFlight.length) parts.push(`sending ${v.inFlight.length} (retries: Pending Activities tab)`);
  if (v.next && v.queued) {
    const waiting = v.next.waitingFor ? `, waits for ${mdText(v.next.waitingFor)}` : '';
    parts.push(`next ${mdText(v.next.id)} (${mdText(v.next.name)}) ready ${v.next.readyAt ?? '?'}${waiting}`);
  }
  if (v.last) parts.push(`last ${mdText(v.last.id)} ${v.last.outcome}${v.last.status ? ` (${v.last.status})` : ''} at ${v.last.at}`);
  const c = v.counts;
  const counts = [`${c.delivered} delivered`, c.duplicate && `${c.duplicate} duplicate`, c.skipped && `${c.skipped} skipped`, c.deadLettered && `${c.deadLettered} dead-lettered`];
  parts.push(counts.filter(Boolean).join(', '));
  return `**${destination}**: ${parts.join(' · ')}`;
}

function deadLetterLine(d: DeadLetterView): string {
  const what = `${d.destination ?? '(not routed)'} ${d.kind} ${mdText(d.id)}${d.name ? ` (${mdText(d.name)})` : ''}`;
  return `dead letter: ${what}${d.deliveryId ? ` ${d.deliveryId}` : ''}: ${mdText(clip(d.reason, 200))}`;
}

/**
 * Markdown for the Temporal UI's "current details" (User Metadata tab): state, install, one line per lane,
 * the latest dead letters and how to redrive them. Device ids, the AppsFlyer id, the IP and the customer
 * user id appear only when `install` is passed (policy.showDeviceIds: PII).
 */
export function currentDetails(status: UserStatus, install?: InstallContext): string {
  const dead = status.deadLetters.length;
  const head = [
    `**${status.state}**${status.gateAt && !status.gateOpen ? ` until ${status.gateAt}` : ''}`,
    `${status.pending} pending`,
    `${dead} dead letter${dead === 1 ? '' : 's'}${status.deadLettersEvicted ? ` (+${status.deadLettersEvicted} evicted)` : ''}`,
  ].join(' · ');
  // The static summary is lost at continue-as-new (Temporal does not carry user metadata over), so the
  // current details always say whose workflow this is.
  const who = status.app
    ? `user ${mdText(status.userId)} · app ${mdText(status.app)} (${status.platform}) · installed ${status.installedAt}${status.gateAt ? ` · sends from ${status.gateAt}` : ''}`
    : `user ${mdText(status.userId)} · install context (signup) not received yet`;
  const held = status.held || status.orphanRefunds
    ? `held: ${status.held} message(s) waiting for the signup${status.orphanRefunds ? `, ${status.orphanRefunds} refund(s) waiting for their purchase` : ''}`
    : undefined;
  const letters = status.deadLetters.slice(-MAX_DEAD_LETTER_LINES).reverse().map(deadLetterLine);
  const moreLetters = dead > MAX_DEAD_LETTER_LINES ? `… ${dead - MAX_DEAD_LETTER_LINES} more: \`s2s status ${status.userId}\`` : undefined;
  const redrive = dead ? `after the fix: \`s2s redrive ${status.userId}\` or More Actions → Send an Update → redrive` : undefined;
  const lastRejection = status.recentRejections[status.recentRejections.length - 1];
  const rejected = status.counters.rejectedMessages && lastRejection
    ? `rejected messages: ${status.counters.rejectedMessages} (latest ${lastRejection.at}: ${mdText(clip(lastRejection.reason, 160))})`
    : undefined;
  const problem = status.settingsProblem ? `**configuration problem**: ${mdText(status.settingsProblem)}` : undefined;
  const ids = install
    ? `device ids (policy.showDeviceIds): ${mdText(JSON.stringify(install.deviceIds))}${install.appsflyerId ? ` · appsflyer_id ${install.appsflyerId}` : ''}${install.ip ? ` · ip ${mdText(install.ip)}` : ''}${install.customerUserId ? ` · customer_user_id ${mdText(install.customerUserId)}` : ''}`
    : undefined;
  return uiLines([
    head,
    problem,
    who,
    held,
    laneLine('adjust', status.lanes.adjust),
    laneLine('appsflyer', status.lanes.appsflyer),
    ...letters,
    moreLetters,
    redrive,
    rejected,
    ids,
  ]);
}
