// What operators see of a user (pure presentation): the status query's answer, the current-details text in
// the Temporal UI, and the one-line activity summaries ("appsflyer cancel_purchase rf_1 -4.99 USD"). Device
// ids and other personal data appear only in the current details, and only with policy.showDeviceIds.
import type { PublicAppConfig } from '../domain/config';
import type { Signup } from '../domain/contract/install';
import { isoTime, timestampMs } from '../domain/contract/time';
import { kindWord, messageId, messageRevenue, type DeliveryItem, type Destination } from '../domain/delivery';
import { negateAmount } from '../domain/money';
import { adjustRoute, appsflyerRoute, isSkip } from '../domain/routing';
import type { PublishedState, UserStateKeyword } from '../domain/search-attributes';
import type { Rejection } from '../domain/snapshot';
import type { WorkflowSettings } from '../domain/settings';
import type { Counters, DeadLetterView, LaneView, UserStatus } from '../domain/status';
import { clip, mdText, uiLines } from '../domain/ui-markdown';
import { readyAt, type Lane } from './lane';
import { displayName } from './outcomes';

/** What the status is built from: a read-only view of the user (implemented by User). */
export interface UserFacts {
  userId: string;
  settings: WorkflowSettings;
  install: Signup | undefined;
  lanes: Record<Destination, Lane>;
  inFlight: Record<Destination, string[]>;
  heldCount: number;
  orphanRefundCount: number;
  pendingCount: number;
  deadLetters: DeadLetterView[];
  rejections: readonly Rejection[];
  counters: Counters;
  backlogBytes: number;
  dedupFacts: { entries: number; sinceDay?: number };
}

export function gateAtMs(install: Signup | undefined, settings: WorkflowSettings): number | undefined {
  return install ? timestampMs(install.installedAt) + settings.policy.postInstallDelay : undefined;
}

export function stateKeyword(u: UserFacts, nowMs: number): UserStateKeyword {
  if (!u.install) return 'waiting for install';
  if (u.lanes.adjust.stopped || u.lanes.appsflyer.stopped) return 'lane stopped';
  if (u.lanes.adjust.retrying || u.lanes.appsflyer.retrying) return 'retrying';
  const gate = gateAtMs(u.install, u.settings) ?? 0;
  if (u.pendingCount > 0 && nowMs < gate) return 'gated';
  if (u.pendingCount > 0 || u.inFlight.adjust.length + u.inFlight.appsflyer.length > 0) return 'sending';
  return 'idle';
}

/** The S2SState value: the states operators filter on; everything else is `ok`. */
export function publishedState(state: UserStateKeyword): PublishedState {
  return state === 'waiting for install' || state === 'lane stopped' || state === 'retrying' ? state : 'ok';
}

/** The name the vendor sees: the AppsFlyer event name or the Adjust token, as routed. */
export function vendorEventName(item: DeliveryItem, app: PublicAppConfig | undefined): string {
  const name = displayName(item);
  if (!app) return name;
  if (item.destination === 'appsflyer') {
    const r = appsflyerRoute(item.message, app);
    return isSkip(r) ? name : r.eventName;
  }
  const r = adjustRoute(item.message, app);
  if (isSkip(r)) return name;
  return r.endpoint === 'ad_revenue' ? 'ad_revenue' : `${item.message.kind === 'track' ? item.message.track.name : 'refund'}(${r.token})`;
}

/**
 * The one-line summary of a send activity in the UI's history: destination, the name the vendor sees, the
 * message id and the amount as sent, e.g. "appsflyer cancel_purchase rf_1 -4.99 USD (refund of evt_1)".
 */
export function activitySummary(destination: Destination, items: DeliveryItem[], app: PublicAppConfig | undefined): string {
  const describe = (item: DeliveryItem) => {
    const money = sentRevenue(item, app);
    const negative = item.message.kind === 'refund' && destination === 'appsflyer';
    const amount = money ? ` ${negative ? negateAmount(money.revenue) : money.revenue} ${money.currency}` : '';
    const notes: string[] = [];
    if (item.message.kind === 'refund') notes.push(`refund of ${item.message.refund.purchaseEventId}`);
    if (item.sendAtMs !== undefined && item.sendAtMs !== item.occurredAtMs) notes.push(`restamped ${isoTime(item.sendAtMs)}`);
    return `${vendorEventName(item, app)} ${messageId(item.message)}${amount}${notes.length ? ` (${notes.join(', ')})` : ''}`;
  };
  const [first] = items;
  if (!first) return destination;
  const rest = items.slice(1);
  const more = rest.length
    ? ` +${rest.length} more: ${rest
        .slice(0, 3)
        .map((i) => messageId(i.message))
        .join(', ')}${rest.length > 3 ? ', ...' : ''}`
    : '';
  return `${destination} ${describe(first)}${more}`;
}

/** Revenue as the vendor receives it: AppsFlyer gets every amount; Adjust only on revenue tokens and ad revenue. */
function sentRevenue(item: DeliveryItem, app: PublicAppConfig | undefined): { revenue: string; currency: string } | undefined {
  const money = messageRevenue(item.message);
  if (!money || item.destination === 'appsflyer' || item.message.kind === 'adRevenue') return money;
  const r = app ? adjustRoute(item.message, app) : undefined;
  return r && !isSkip(r) && r.endpoint === 'event' && r.withRevenue ? money : undefined;
}

function laneView(u: UserFacts, destination: Destination, nowMs: number): LaneView {
  const lane = u.lanes[destination];
  const gate = gateAtMs(u.install, u.settings);
  const head = lane.queue[0];
  const view: LaneView = { queued: lane.queue.length, inFlight: u.inFlight[destination], counts: { ...lane.counts } };
  if (head) {
    view.next = {
      deliveryId: head.item.deliveryId,
      messageId: messageId(head.item.message),
      name: displayName(head.item),
      occurredAt: isoTime(head.item.occurredAtMs),
      ...(gate !== undefined ? { readyAt: isoTime(Math.max(nowMs, readyAt(head, { gateAtMs: gate, policy: u.settings.policy }))) } : {}),
      ...(head.waitFor ? { waitingFor: head.waitFor } : {}),
    };
  }
  const last = lane.last;
  if (last) {
    view.last = {
      deliveryId: last.deliveryId,
      messageId: last.messageId,
      name: last.name,
      outcome: last.outcome,
      at: isoTime(last.atMs),
      ...(last.status !== undefined ? { status: last.status } : {}),
      ...(last.detail !== undefined ? { detail: last.detail } : {}),
    };
  }
  const r = lane.retrying;
  if (r)
    view.retrying = {
      deliveryId: r.deliveryId,
      since: isoTime(r.sinceMs),
      attempt: r.attempt,
      answer: r.answer,
      ...(r.status !== undefined ? { status: r.status } : {}),
    };
  if (lane.stopped) view.stopped = { reason: lane.stopped.reason, at: isoTime(lane.stopped.atMs) };
  if (destination === 'adjust' && Object.keys(lane.highWater).length > 0) {
    view.highWater = Object.fromEntries(Object.entries(lane.highWater).map(([k, sec]) => [k, isoTime(sec * 1000)]));
  }
  return view;
}

export function buildStatus(u: UserFacts, nowMs: number): UserStatus {
  const gate = gateAtMs(u.install, u.settings);
  const status: UserStatus = {
    userId: u.userId,
    state: stateKeyword(u, nowMs),
    gateOpen: gate !== undefined && nowMs >= gate,
    held: u.heldCount,
    orphanRefunds: u.orphanRefundCount,
    pending: u.pendingCount,
    lanes: { adjust: laneView(u, 'adjust', nowMs), appsflyer: laneView(u, 'appsflyer', nowMs) },
    deadLetters: u.deadLetters,
    recentRejections: u.rejections.map((r) => ({ at: isoTime(r.atMs), kind: r.kind, reason: r.reason, ...(r.id !== undefined ? { id: r.id } : {}) })),
    counters: { ...u.counters },
    backlog: { bytes: u.backlogBytes, limitBytes: u.settings.policy.maxUndeliveredKiB * 1024 },
    dedup: {
      entries: u.dedupFacts.entries,
      ...(u.dedupFacts.sinceDay !== undefined ? { since: isoTime(u.dedupFacts.sinceDay * 86_400_000).slice(0, 10) } : {}),
    },
  };
  if (u.install) {
    status.app = u.install.app;
    status.platform = u.install.platform;
    status.installedAt = u.install.installedAt;
  }
  if (gate !== undefined) status.gateAt = isoTime(gate);
  if (u.settings.appProblem) status.settingsProblem = u.settings.appProblem;
  return status;
}

const MAX_DEAD_LETTER_LINES = 3;

function laneLine(destination: Destination, v: LaneView): string {
  const parts: string[] = [];
  if (v.stopped) parts.push(`STOPPED: ${mdText(clip(v.stopped.reason, 160))} (since ${v.stopped.at})`);
  parts.push(`${v.queued} queued`);
  if (v.inFlight.length) parts.push(`sending ${v.inFlight.length}`);
  if (v.retrying) parts.push(`RETRYING since ${v.retrying.since} (attempt ${v.retrying.attempt}): ${mdText(clip(v.retrying.answer, 160))}`);
  if (v.next && v.queued)
    parts.push(
      `next ${mdText(v.next.messageId)} (${mdText(v.next.name)}) ready ${v.next.readyAt ?? '?'}${v.next.waitingFor ? `, waits for ${mdText(v.next.waitingFor)}` : ''}`,
    );
  if (v.last) parts.push(`last ${mdText(v.last.messageId)} ${v.last.outcome}${v.last.status ? ` (${v.last.status})` : ''} at ${v.last.at}`);
  const c = v.counts;
  parts.push(
    [
      `${c.delivered} delivered`,
      c.duplicate && `${c.duplicate} duplicate`,
      c.skipped && `${c.skipped} skipped`,
      c.deadLettered && `${c.deadLettered} dead-lettered`,
    ]
      .filter(Boolean)
      .join(', '),
  );
  return `**${destination}**: ${parts.join(' · ')}`;
}

function deadLetterLine(d: DeadLetterView): string {
  const what = `${d.destination ?? '(held)'} ${kindWord(d.kind)} ${mdText(d.messageId)}${d.name ? ` (${mdText(d.name)})` : ''}`;
  return `dead letter: ${what} ${d.id}: ${mdText(clip(d.reason, 200))}`;
}

/**
 * Markdown for the Temporal UI's "current details": state, install, one line per lane, the latest dead letters
 * and how to redrive them. Device ids, the AppsFlyer id, the IP and the customer user id appear only when
 * `install` is passed (policy.showDeviceIds: personal data).
 */
export function currentDetails(status: UserStatus, install?: Signup): string {
  const dead = status.deadLetters.length;
  const head = [
    `**${status.state}**${status.gateAt && !status.gateOpen ? ` until ${status.gateAt}` : ''}`,
    `${status.pending} pending`,
    `${dead} dead letter${dead === 1 ? '' : 's'}`,
  ].join(' · ');
  // Temporal does not carry user metadata over continue-as-new, so the current details always say whose workflow this is.
  const who = status.app
    ? `user ${mdText(status.userId)} · app ${mdText(status.app)} (${status.platform}) · installed ${status.installedAt}${status.gateAt ? ` · sends from ${status.gateAt}` : ''}`
    : `user ${mdText(status.userId)} · install context (signup) not received yet`;
  const held =
    status.held || status.orphanRefunds
      ? `held: ${status.held} message(s) waiting for the signup${status.orphanRefunds ? `, ${status.orphanRefunds} refund(s) waiting for their purchase` : ''}`
      : undefined;
  const letters = status.deadLetters.slice(-MAX_DEAD_LETTER_LINES).reverse().map(deadLetterLine);
  const more = dead > MAX_DEAD_LETTER_LINES ? `… ${dead - MAX_DEAD_LETTER_LINES} more: \`s2s status ${status.userId}\`` : undefined;
  const redrive = dead ? `after the fix: \`s2s redrive ${status.userId}\` or More Actions → Send an Update → redrive` : undefined;
  const lastRejection = status.recentRejections[status.recentRejections.length - 1];
  const rejected =
    status.counters.rejectedMessages && lastRejection
      ? `rejected messages: ${status.counters.rejectedMessages} (latest ${lastRejection.at}: ${mdText(clip(lastRejection.reason, 160))})`
      : undefined;
  const problem = status.settingsProblem ? `**configuration problem**: ${mdText(status.settingsProblem)}` : undefined;
  const ids = install
    ? `device ids (policy.showDeviceIds): ${mdText(JSON.stringify(install.deviceIds ?? {}))}${install.appsflyerId ? ` · appsflyer_id ${install.appsflyerId}` : ''}${install.ip ? ` · ip ${mdText(install.ip)}` : ''}${install.customerUserId ? ` · customer_user_id ${mdText(install.customerUserId)}` : ''}`
    : undefined;
  return uiLines([
    head,
    problem,
    who,
    held,
    laneLine('adjust', status.lanes.adjust),
    laneLine('appsflyer', status.lanes.appsflyer),
    ...letters,
    more,
    redrive,
    rejected,
    ids,
  ]);
}
