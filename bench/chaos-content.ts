// What each intended delivery must look like at the vendor, from the harness's own workload and the app
// configuration it gave the relay, never from the relay's code or ids: vendor, app, device, Adjust token or
// AppsFlyer event name, amount with its sign, currency, and time. Also reads the same fields back out of a
// raw request the emulator recorded, and compares the two. Pure.
import type { RelayConfigInput } from '../domain/config';
import type { Destination } from '../domain/delivery';
import type { Signup } from '../domain/contract/install';
import { CHAOS_MARKER } from './relay-sender';

export interface AdjustContent {
  vendor: 'adjust';
  appToken: string;
  /** `idfa:<lower-case>` or `gps_adid:<lower-case>`. */
  device: string;
  token: string;
  revenue?: string;
  currency?: string;
  /** created_at (Unix seconds). */
  createdAtSec: number;
}

export interface AppsflyerContent {
  vendor: 'appsflyer';
  appId: string;
  appsflyerId: string;
  eventName: string;
  /** af_revenue as sent: negative for refunds. */
  revenue?: string;
  currency?: string;
  eventTimeMs: number;
}

export type Content = AdjustContent | AppsflyerContent;

export interface IntendedDelivery {
  /** `<vendor>/<message id>`: the harness's own key. */
  key: string;
  userId: string;
  vendor: Destination;
  kind: 'event' | 'refund';
  messageId: string;
  /** The event time the harness gave (order is checked on this). */
  occurredAtMs: number;
  /** installedAt + post-install delay: nothing may reach the vendor before. */
  gateAtMs: number;
  /** Seconds of the install, rounded up: the earliest created_at Adjust takes (a restamp target). */
  installedAtSec: number;
  /** Refunds: the key of the purchase's delivery on the same vendor. */
  purchaseKey?: string;
  /** AppsFlyer refunds: the purchase must have been accepted before the refund's first request. */
  purchaseMustBeAccepted?: boolean;
  expected: Content;
}

/** A message as the harness sent it (and the client was told was accepted). */
export interface SentMessageFacts {
  userId: string;
  id: string;
  kind: 'event' | 'refund';
  name: string;
  revenue?: string;
  currency?: string;
  occurredAtMs: number;
  /** Refunds: the purchase's message id. */
  purchaseId?: string;
}

type AppsSection = RelayConfigInput['apps'];

/** The deliveries one message must produce, per the app configuration (none for a vendor the app lacks). */
export function intendedFor(message: SentMessageFacts, install: Signup, apps: AppsSection, postInstallDelayMs: number): IntendedDelivery[] {
  const app = apps[install.app];
  if (!app) throw new Error(`the workload uses app ${install.app}, which the configuration lacks`);
  const installedAtMs = Date.parse(install.installedAt);
  const base = {
    userId: message.userId,
    kind: message.kind,
    messageId: message.id,
    occurredAtMs: message.occurredAtMs,
    gateAtMs: installedAtMs + postInstallDelayMs,
    installedAtSec: Math.ceil(installedAtMs / 1000),
  };
  const out: IntendedDelivery[] = [];
  const adjust = app.adjust;
  const ids = install.deviceIds ?? {};
  const device = ids.idfa ? `idfa:${ids.idfa.toLowerCase()}` : ids.gps_adid ? `gps_adid:${ids.gps_adid.toLowerCase()}` : undefined;
  if (adjust && device) {
    const mapping = message.kind === 'event' ? adjust.events?.[message.name] : undefined;
    const token = message.kind === 'refund' ? adjust.refundToken : mapping?.token;
    if (token) {
      const revenue = message.kind === 'event' && mapping?.revenue === true && message.revenue !== undefined;
      out.push({
        ...base,
        key: `adjust/${message.id}`,
        vendor: 'adjust',
        ...(message.purchaseId ? { purchaseKey: `adjust/${message.purchaseId}` } : {}),
        expected: {
          vendor: 'adjust',
          appToken: adjust.appToken,
          device,
          token,
          createdAtSec: Math.floor(message.occurredAtMs / 1000),
          ...(revenue ? { revenue: message.revenue, currency: message.currency } : {}),
        },
      });
    }
  }
  const af = app.appsflyer;
  if (af && install.appsflyerId) {
    const eventName = message.kind === 'refund' ? (af.refundEventName ?? 'cancel_purchase') : (af.events?.[message.name] ?? message.name);
    const revenue = message.revenue === undefined ? undefined : message.kind === 'refund' ? `-${message.revenue}` : message.revenue;
    out.push({
      ...base,
      key: `appsflyer/${message.id}`,
      vendor: 'appsflyer',
      ...(message.purchaseId ? { purchaseKey: `appsflyer/${message.purchaseId}`, purchaseMustBeAccepted: true } : {}),
      expected: {
        vendor: 'appsflyer',
        appId: af.appId,
        appsflyerId: install.appsflyerId,
        eventName,
        eventTimeMs: message.occurredAtMs,
        ...(revenue !== undefined ? { revenue, currency: message.currency } : {}),
      },
    });
  }
  return out;
}

/** The fields of an emulator record this module reads (emulator/record.ts RecordedRequest). */
export interface RawRequest {
  vendor: Destination;
  path: string;
  query: Record<string, string>;
  body: string;
}

/** What a request said, read from its raw query, form or JSON body; `marker` is the harness's message id. */
export function contentOf(r: RawRequest): { content: Content; marker?: string } | undefined {
  try {
    if (r.vendor === 'adjust') {
      const p = { ...r.query, ...Object.fromEntries(new URLSearchParams(r.body)) };
      const device = p.idfa ? `idfa:${p.idfa.toLowerCase()}` : p.gps_adid ? `gps_adid:${p.gps_adid.toLowerCase()}` : '';
      const createdAtSec = p.created_at_unix !== undefined ? Number(p.created_at_unix) : Math.floor(Date.parse(p.created_at ?? '') / 1000);
      const callback = p.callback_params ? (JSON.parse(p.callback_params) as Record<string, string>) : {};
      const content: AdjustContent = {
        vendor: 'adjust',
        appToken: p.app_token ?? '',
        device,
        token: p.event_token ?? '',
        createdAtSec,
        ...(p.revenue !== undefined ? { revenue: p.revenue } : {}),
        ...(p.currency !== undefined ? { currency: p.currency } : {}),
      };
      return { content, ...(callback[CHAOS_MARKER] ? { marker: callback[CHAOS_MARKER] } : {}) };
    }
    const body = JSON.parse(r.body) as Record<string, unknown>;
    const value = typeof body.eventValue === 'string' && body.eventValue !== '' ? (JSON.parse(body.eventValue) as Record<string, string>) : {};
    const content: AppsflyerContent = {
      vendor: 'appsflyer',
      appId: decodeURIComponent(r.path.split('/').pop() ?? ''),
      appsflyerId: String(body.appsflyer_id ?? ''),
      eventName: String(body.eventName ?? ''),
      eventTimeMs: Date.parse(`${String(body.eventTime ?? '').replace(' ', 'T')}Z`),
      ...(value.af_revenue !== undefined ? { revenue: String(value.af_revenue) } : {}),
      ...(value.af_currency !== undefined ? { currency: String(value.af_currency) } : {}),
    };
    return { content, ...(value[CHAOS_MARKER] ? { marker: value[CHAOS_MARKER] } : {}) };
  } catch {
    return undefined;
  }
}

const sameAmount = (a: string | undefined, b: string | undefined) =>
  a === undefined || b === undefined ? a === b : Number(a) === Number(b) && a.startsWith('-') === b.startsWith('-');

/**
 * The fields that differ (empty: a match). An Adjust created_at later than the event is a restamp, allowed
 * only onto a second in `restampTargets` (created_at of an earlier acceptance for the device, or the install).
 */
export function contentDiffers(expected: Content, actual: Content, restampTargets: ReadonlySet<number>): string[] {
  const diffs: string[] = [];
  const check = (field: string, want: unknown, got: unknown) => {
    if (want !== got) diffs.push(`${field}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  };
  if (expected.vendor !== actual.vendor) return [`vendor: expected ${expected.vendor}, got ${actual.vendor}`];
  if (expected.vendor === 'adjust' && actual.vendor === 'adjust') {
    check('app_token', expected.appToken, actual.appToken);
    check('device', expected.device, actual.device);
    check('event_token', expected.token, actual.token);
    if (!sameAmount(expected.revenue, actual.revenue)) check('revenue', expected.revenue, actual.revenue);
    check('currency', expected.currency, actual.currency);
    if (actual.createdAtSec !== expected.createdAtSec && !(actual.createdAtSec > expected.createdAtSec && restampTargets.has(actual.createdAtSec))) {
      diffs.push(`created_at: expected ${expected.createdAtSec} (or a restamp onto an earlier acceptance's second), got ${actual.createdAtSec}`);
    }
  } else if (expected.vendor === 'appsflyer' && actual.vendor === 'appsflyer') {
    check('app_id', expected.appId, actual.appId);
    check('appsflyer_id', expected.appsflyerId, actual.appsflyerId);
    check('eventName', expected.eventName, actual.eventName);
    if (!sameAmount(expected.revenue, actual.revenue)) check('af_revenue', expected.revenue, actual.revenue);
    check('af_currency', expected.currency, actual.currency);
    check('eventTime', expected.eventTimeMs, actual.eventTimeMs);
  }
  return diffs;
}

/** The device a request is about, as `<vendor>:<id>` (for refunds, which carry no marker). */
export function deviceOf(content: Content): string {
  return content.vendor === 'adjust' ? `adjust:${content.device}` : `appsflyer:${content.appsflyerId}`;
}
