// The chaos verdict on crafted emulator records: requests matched to the harness's own messages (markers,
// refunds by device and time), content checked field by field (restamps only onto an earlier acceptance),
// AppsFlyer not_recorded is no delivery, duplicates explained only with evidence for that request, order,
// early sends, refunds before their purchase, and requests nobody asked for.
import { describe, expect, it } from 'vitest';
import { intendedFor, type IntendedDelivery, type SentMessageFacts } from '../../../bench/chaos-content';
import { checkInvariants, type Evidence, type VendorRecord } from '../../../bench/invariants';
import { CHAOS_MARKER } from '../../../bench/relay-sender';
import type { RelayConfigInput } from '../../../domain/config';
import type { Signup } from '../../../domain/contract/install';

const T0 = 1_800_000_000_000;
const apps = {
  'demo-ios': {
    platform: 'ios',
    adjust: { appToken: '4w565xzmb54d', events: { purchase: { token: 'p4rch1', revenue: true }, trial: { token: 'tr1al1' } }, refundToken: 'r3fnd1' },
    appsflyer: { appId: 'id1234567890', key: { env: 'K' }, events: { purchase: 'af_purchase', trial: 'af_start_trial' }, refundEventName: 'cancel_purchase' },
  },
} as unknown as RelayConfigInput['apps'];
const install: Signup = {
  userId: 'u1',
  app: 'demo-ios',
  platform: 'ios',
  installedAt: new Date(T0 - 60_000).toISOString(),
  deviceIds: { idfa: 'AAAAAAAA-1111-4111-A111-111111111111' },
  appsflyerId: '1111111111111-2222222222',
};
const NO_EVIDENCE: Evidence = { attempts: [], kills: [], serverDowntimes: [], slowAnswerMs: 800 };

function message(id: string, occurredAtMs: number, extra: Partial<SentMessageFacts> = {}): SentMessageFacts {
  return { userId: 'u1', id, kind: 'event', name: 'purchase', revenue: '4.99', currency: 'EUR', occurredAtMs, ...extra };
}
const intended = (...messages: SentMessageFacts[]): IntendedDelivery[] => messages.flatMap((m) => intendedFor(m, install, apps, 0));

let nextId = 0;
/** The request the relay should send for `d`, with `change` applied to its fields, as the emulator records it. */
function rec(d: IntendedDelivery, receivedAtMs: number, extra: Partial<VendorRecord> = {}, change: Record<string, string | undefined> = {}): VendorRecord {
  nextId += 1;
  const e = d.expected;
  const base = { id: nextId, receivedAtMs, status: 200, deliveryId: `dlv_${d.key}`, ...extra };
  if (e.vendor === 'adjust') {
    const fields: Record<string, string | undefined> = {
      app_token: e.appToken,
      event_token: e.token,
      idfa: e.device.split(':')[1]?.toUpperCase(),
      created_at_unix: String(e.createdAtSec),
      revenue: e.revenue,
      currency: e.currency,
      callback_params: d.kind === 'event' ? JSON.stringify({ [CHAOS_MARKER]: d.messageId, s2s_delivery_id: 'x' }) : undefined,
      ...change,
    };
    const query = Object.fromEntries(Object.entries(fields).filter((f): f is [string, string] => f[1] !== undefined));
    return { vendor: 'adjust', path: '/adjust/event', query, body: '', outcome: 'accepted', ...base };
  }
  const value: Record<string, string | undefined> = {
    af_revenue: e.revenue,
    af_currency: e.currency,
    ...(d.kind === 'event' ? { [CHAOS_MARKER]: d.messageId } : {}),
  };
  for (const k of ['af_revenue', 'af_currency']) if (k in change) value[k] = change[k];
  const body = {
    appsflyer_id: e.appsflyerId,
    eventName: change.eventName ?? e.eventName,
    eventTime: new Date(Number(change.eventTimeMs ?? e.eventTimeMs)).toISOString().replace('T', ' ').slice(0, 23),
    eventValue: JSON.stringify(value),
  };
  return { vendor: 'appsflyer', path: `/appsflyer/inappevent/${e.appId}`, query: {}, body: JSON.stringify(body), outcome: 'attributed', ...base };
}

const on = (ds: IntendedDelivery[], vendor: 'adjust' | 'appsflyer', id: string) =>
  ds.find((d) => d.vendor === vendor && d.messageId === id) as IntendedDelivery;

describe('checkInvariants', () => {
  it('passes a clean run (faults before the acceptance are no duplicates), refunds matched without a marker', () => {
    const ds = intended(
      message('e1', T0 + 1_000),
      message('t1', T0 + 2_000, { name: 'trial', revenue: undefined, currency: undefined }),
      message('r1', T0 + 3_000, { kind: 'refund', name: 'refund', revenue: '2.5', purchaseId: 'e1' }),
    );
    expect(ds).toHaveLength(6);
    expect(on(ds, 'appsflyer', 'r1').expected).toMatchObject({ eventName: 'cancel_purchase', revenue: '-2.5', currency: 'EUR' });
    expect(on(ds, 'adjust', 't1').expected).not.toHaveProperty('revenue');
    const records = [
      rec(on(ds, 'adjust', 'e1'), T0 + 5_000, { status: 500, outcome: 'fault', fault: 'error5xx' }),
      ...['e1', 't1', 'r1'].flatMap((id, i) => [rec(on(ds, 'adjust', id), T0 + 6_000 + i), rec(on(ds, 'appsflyer', id), T0 + 6_100 + i)]),
    ];
    const result = checkInvariants({ intended: ds, records, evidence: NO_EVIDENCE });
    expect(result).toMatchObject({ delivered: 6, lost: 0, duplicates: 0, contentMismatches: 0, orderViolations: 0, earlySends: 0, unexpectedRequests: 0 });
    expect(result.failures).toEqual([]);
  });

  it('sends a resend of an Adjust refund to the refund its delivery was, not to another of the same device and second', () => {
    const ds = intended(
      message('e1', T0 + 1_000),
      message('r1', T0 + 3_100, { kind: 'refund', name: 'refund', revenue: '1', purchaseId: 'e1' }),
      message('e2', T0 + 3_200),
      message('r2', T0 + 3_500, { kind: 'refund', name: 'refund', revenue: '2', purchaseId: 'e1' }),
    ).filter((d) => d.vendor === 'adjust');
    const [e1, r1, e2, r2] = [on(ds, 'adjust', 'e1'), on(ds, 'adjust', 'r1'), on(ds, 'adjust', 'e2'), on(ds, 'adjust', 'r2')];
    const records = [
      rec(e1, T0 + 5_000),
      rec(r1, T0 + 5_100, { fault: 'reset' }), // accepted, its answer lost: sent again below
      rec(r1, T0 + 6_000),
      rec(e2, T0 + 6_100),
      rec(r2, T0 + 6_200),
    ];
    const result = checkInvariants({ intended: ds, records, evidence: NO_EVIDENCE });
    // Matched by look alone, the resend of r1 would have been taken for r2: r2 "delivered" before e2, and r2's own request a duplicate.
    expect(result).toMatchObject({ delivered: 4, lost: 0, duplicates: 1, orderViolations: 0, contentMismatches: 0 });
    expect(result.failures).toEqual([]);
  });

  it('checks content field by field: amount, sign, currency, token, event name, device, time', () => {
    const ds = intended(
      message('e1', T0 + 1_000),
      message('e2', T0 + 2_000),
      message('r1', T0 + 3_000, { kind: 'refund', name: 'refund', revenue: '1', purchaseId: 'e1' }),
    );
    const records = [
      rec(on(ds, 'adjust', 'e1'), T0 + 5_000, {}, { revenue: '5.99' }),
      rec(on(ds, 'appsflyer', 'e1'), T0 + 5_001, {}, { af_currency: 'USD' }),
      rec(on(ds, 'adjust', 'e2'), T0 + 5_002, {}, { event_token: 'r3new1' }),
      rec(on(ds, 'appsflyer', 'e2'), T0 + 5_003, {}, { eventName: 'purchase' }),
      rec(on(ds, 'adjust', 'r1'), T0 + 5_004),
      rec(on(ds, 'appsflyer', 'r1'), T0 + 5_005, {}, { af_revenue: '1' }), // a refund sent as positive revenue
    ];
    const result = checkInvariants({ intended: ds, records, evidence: NO_EVIDENCE });
    expect(result.contentMismatches).toBe(5);
    expect(result.samples.content?.map((s) => s.detail.replace(/request #\d+/, '#'))).toEqual([
      'adjust #: revenue: expected "4.99", got "5.99"',
      'appsflyer #: af_currency: expected "EUR", got "USD"',
      'adjust #: event_token: expected "p4rch1", got "r3new1"',
      'appsflyer #: eventName: expected "af_purchase", got "purchase"',
      'appsflyer #: af_revenue: expected "-1", got "1"',
    ]);
    expect(result.failures).toContain('5 accepted requests whose content differs from the message sent (content_mismatches)');
    const device = checkInvariants({
      intended: ds,
      records: [rec(on(ds, 'adjust', 'e1'), T0 + 5_000, {}, { idfa: 'BBBBBBBB-1111-4111-A111-111111111111' })],
      evidence: NO_EVIDENCE,
    });
    expect(device.samples.content?.[0]?.detail).toMatch(/device: expected "idfa:aaaaaaaa-1111-4111-a111-111111111111", got "idfa:bbbbbbbb-/);
  });

  it('allows an Adjust restamp only onto the second of an earlier acceptance for the device', () => {
    const ds = intended(message('late', T0 + 1_000), message('new', T0 + 9_000));
    const newSec = String(Math.floor((T0 + 9_000) / 1000));
    const allowed = checkInvariants({
      intended: ds,
      records: [rec(on(ds, 'adjust', 'new'), T0 + 10_000), rec(on(ds, 'adjust', 'late'), T0 + 11_000, {}, { created_at_unix: newSec })],
      evidence: NO_EVIDENCE,
    });
    expect(allowed.contentMismatches).toBe(0);
    const invented = checkInvariants({
      intended: ds,
      records: [rec(on(ds, 'adjust', 'late'), T0 + 11_000, {}, { created_at_unix: String(Math.floor((T0 + 5_000) / 1000)) })],
      evidence: NO_EVIDENCE,
    });
    expect(invented.contentMismatches).toBe(1);
    expect(invented.samples.content?.[0]?.detail).toMatch(/created_at: expected \d+ \(or a restamp onto an earlier acceptance's second\)/);
  });

  it('counts AppsFlyer 200 not_recorded as no delivery', () => {
    const ds = intended(message('e1', T0 + 1_000)).filter((d) => d.vendor === 'appsflyer');
    const result = checkInvariants({ intended: ds, records: [rec(ds[0] as IntendedDelivery, T0 + 2_000, { outcome: 'not_recorded' })], evidence: NO_EVIDENCE });
    expect(result).toMatchObject({ delivered: 0, lost: 1, notRecorded: 1 });
    expect(result.failures).toContain('1 deliveries lost');
  });

  it('explains a duplicate only with evidence for the earlier acceptance, and flags every other', () => {
    const ds = intended(
      message('a', T0 + 1),
      message('b', T0 + 2),
      message('c', T0 + 3),
      message('d', T0 + 4),
      message('e', T0 + 5),
      message('f', T0 + 6),
      message('g', T0 + 7),
    ).filter((d) => d.vendor === 'appsflyer');
    const [a, b, c, d, e, f, g] = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => on(ds, 'appsflyer', id));
    const evidence: Evidence = {
      slowAnswerMs: 800,
      attempts: [
        { pid: 11, activityId: '1', attempt: 1, deliveryIds: [`dlv_${b?.key}`], startedAtMs: T0 + 1_900 }, // never ended: worker 11 killed after b's answer
        { pid: 11, activityId: '1', attempt: 1, deliveryIds: [`dlv_${f?.key}`], startedAtMs: T0 + 2_000 }, // never ended: f's slow answer still on its way at the kill
        { pid: 12, activityId: '2', attempt: 1, deliveryIds: [`dlv_${c?.key}`], startedAtMs: T0 + 2_900, endedAtMs: T0 + 3_100 }, // completed while the server was down
        { pid: 12, activityId: '3', attempt: 1, deliveryIds: [`dlv_${d?.key}`], startedAtMs: T0 + 3_900, endedAtMs: T0 + 4_100 }, // completed normally
        { pid: 13, activityId: '4', attempt: 1, deliveryIds: [`dlv_${e?.key}`], startedAtMs: T0 + 4_900 }, // never ended, but worker 13 was never killed
      ],
      kills: [{ pid: 11, killedAtMs: T0 + 2_500 }],
      serverDowntimes: [{ fromMs: T0 + 3_050, toMs: T0 + 3_500 }],
    };
    const records = [
      rec(a as IntendedDelivery, T0 + 1_000, { fault: 'reset' }), // acceptThenReset: processed, answer lost
      rec(a as IntendedDelivery, T0 + 1_500),
      rec(b as IntendedDelivery, T0 + 2_000),
      rec(b as IntendedDelivery, T0 + 2_600),
      rec(c as IntendedDelivery, T0 + 3_000),
      rec(c as IntendedDelivery, T0 + 3_600),
      rec(d as IntendedDelivery, T0 + 4_000),
      rec(d as IntendedDelivery, T0 + 4_600),
      rec(e as IntendedDelivery, T0 + 5_000),
      rec(e as IntendedDelivery, T0 + 5_600),
      rec(f as IntendedDelivery, T0 + 2_100, { fault: 'slow', answerUndelivered: true }), // the kill closed the connection: the kill is the cause
      rec(f as IntendedDelivery, T0 + 6_000),
      rec(g as IntendedDelivery, T0 + 6_500, { fault: 'slow', answerUndelivered: true }), // the relay closed the connection first
      rec(g as IntendedDelivery, T0 + 7_000),
    ];
    const result = checkInvariants({ intended: ds, records, evidence });
    expect(result.duplicates).toBe(7);
    expect(result.duplicatesByCause).toEqual({ acceptThenReset: 1, answerUndelivered: 1, workerKilledInFlight: 1, workerKilledAfterAnswer: 1, serverDown: 1 });
    expect(result.unexplainedDuplicates).toBe(2);
    expect(result.samples.duplicates?.map((s) => s.key)).toEqual([d?.key, e?.key]);
    // The sample carries the evidence to diagnose it from the log: each acceptance, its attempts, the kills and outages.
    expect(result.samples.duplicates?.[0]?.detail).toMatch(
      new RegExp(
        `#\\d+ at [\\d:.]+, delivery dlv_${d?.key}: attempts \\[pid 12 attempt 1 [\\d:.]+-[\\d:.]+\\]; #\\d+ at .*; kills \\[pid 11 [\\d:.]+\\]; server down \\[[\\d:.]+-[\\d:.]+\\]`,
      ),
    );
    expect(result.samples.duplicates?.[1]?.detail).toMatch(/attempts \[pid 13 attempt 1 [\d:.]+-unfinished\]/);
    expect(result.failures).toContain('2 duplicate deliveries without evidence of a lost answer for that request');
  });

  it('flags order violations, early sends, refunds before their purchase, and requests nobody asked for', () => {
    const ds = intended(
      message('old', T0 + 1_000),
      message('newer', T0 + 2_000),
      message('r', T0 + 3_000, { kind: 'refund', name: 'refund', revenue: '1', purchaseId: 'newer' }),
    ).filter((d) => d.vendor === 'appsflyer');
    const stranger = intended(message('stranger', T0 + 1_000, { userId: 'u2' })).filter((d) => d.vendor === 'appsflyer');
    const records = [
      rec(on(ds, 'appsflyer', 'r'), T0 + 69_000), // before its purchase was accepted, and before its gate
      rec(on(ds, 'appsflyer', 'newer'), T0 + 70_000),
      rec(on(ds, 'appsflyer', 'old'), T0 + 70_001), // older than what the lane already delivered
      rec(stranger[0] as IntendedDelivery, T0 + 70_002),
    ];
    const early = ds.map((d) => ({ ...d, gateAtMs: d.messageId === 'r' ? T0 + 69_500 : d.gateAtMs }));
    const result = checkInvariants({ intended: early, records, evidence: NO_EVIDENCE });
    // The refund (newest) came first, so both purchases arrive out of order after it.
    expect(result).toMatchObject({ orderViolations: 2, earlySends: 1, refundsBeforePurchase: 1, unexpectedRequests: 1 });
  });

  it('an earlier event that entered the workflow only after the vendor had the later one (and past its settle window) is a late arrival', () => {
    const ds = intended(message('first', T0 + 1_000), message('second', T0 + 1_500)).filter((d) => d.vendor === 'appsflyer');
    const records = [rec(on(ds, 'appsflyer', 'second'), T0 + 70_000), rec(on(ds, 'appsflyer', 'first'), T0 + 75_000)];
    // The client's call for 'first' got through only after 'second' was sent (an outage in between).
    const late = checkInvariants({
      intended: ds,
      records,
      evidence: {
        ...NO_EVIDENCE,
        enteredAtMs: new Map([
          ['first', T0 + 72_000],
          ['second', T0 + 1_600],
        ]),
      },
    });
    expect(late).toMatchObject({ orderViolations: 0, lateArrivals: 1, failures: [] });
    expect(late.samples.lateArrival?.[0]?.detail).toMatch(/first entered the workflow 2000 ms after the vendor had second/);
    // In the workflow before the vendor had the later one: the relay had both, so the inversion is its own.
    const own = checkInvariants({ intended: ds, records, evidence: { ...NO_EVIDENCE, enteredAtMs: new Map([['first', T0 + 69_999]]) } });
    expect(own).toMatchObject({ orderViolations: 1, lateArrivals: 0 });
    // After the vendor had 'second' but within its settle window (2 s from when it happened): the relay promises
    // to order what reaches it that soon, so waiting was its job (policy.settleLoneEvents false loses this bet).
    const withinWindow = { ...NO_EVIDENCE, settleWindowMs: 2_000, enteredAtMs: new Map([['first', T0 + 72_000]]) };
    const recordsEarly = [rec(on(ds, 'appsflyer', 'second'), T0 + 1_700), rec(on(ds, 'appsflyer', 'first'), T0 + 75_000)];
    expect(
      checkInvariants({ intended: ds, records: recordsEarly, evidence: { ...withinWindow, enteredAtMs: new Map([['first', T0 + 2_000]]) } }),
    ).toMatchObject({
      orderViolations: 1,
      lateArrivals: 0,
    });
    expect(checkInvariants({ intended: ds, records, evidence: withinWindow })).toMatchObject({ orderViolations: 0, lateArrivals: 1 });
    // Without the evidence nothing is excused.
    expect(checkInvariants({ intended: ds, records, evidence: NO_EVIDENCE })).toMatchObject({ orderViolations: 1, lateArrivals: 0 });
  });

  it('a late arrival is counted from when the relay began sending the later one (its first attempt), and an order violation says when each happened', () => {
    const ds = intended(message('first', T0 + 1_000), message('second', T0 + 1_500)).filter((d) => d.vendor === 'appsflyer');
    const second = on(ds, 'appsflyer', 'second');
    // 'second' went out at the end of its window (T0 + 3.5 s), failed, and was accepted on a retry at T0 + 8 s.
    const records = [rec(second, T0 + 8_000), rec(on(ds, 'appsflyer', 'first'), T0 + 9_000)];
    const attempts = [
      { pid: 7, activityId: '5', attempt: 1, deliveryIds: [`dlv_${second.key}`], startedAtMs: T0 + 1_600, endedAtMs: T0 + 3_600, result: 'failed' as const },
      { pid: 7, activityId: '6', attempt: 1, deliveryIds: [`dlv_${second.key}`], startedAtMs: T0 + 7_900, endedAtMs: T0 + 8_100, result: 'ok' as const },
    ];
    const evidence = (firstEnteredMs: number): Evidence => ({
      ...NO_EVIDENCE,
      attempts,
      settleWindowMs: 2_000,
      serverDowntimes: [{ fromMs: T0 + 3_000, toMs: T0 + 6_000 }],
      enteredAtMs: new Map([['first', firstEnteredMs]]),
    });
    // 'first' got through at T0 + 6.5 s: past the window, after the relay had begun sending 'second' (the vendor
    // had it only later).
    const late = checkInvariants({ intended: ds, records, evidence: evidence(T0 + 6_500) });
    expect(late).toMatchObject({ orderViolations: 0, lateArrivals: 1, failures: [] });
    expect(late.samples.lateArrival?.[0]?.detail).toMatch(/first entered the workflow 4900 ms after the first attempt to send second/);
    // Within the window, the relay had it before it was to send 'second': its own inversion, with its evidence.
    const own = checkInvariants({ intended: ds, records, evidence: evidence(T0 + 3_400) });
    expect(own).toMatchObject({ orderViolations: 1, lateArrivals: 0 });
    const example = own.samples.order?.[0]?.detail ?? '';
    expect(example).toContain('first entered the workflow at 08:00:03.400, the window of the later one ended 08:00:03.500');
    expect(example).toContain('pid 7 attempt 1 08:00:01.600-08:00:03.600 failed, pid 7 attempt 1 08:00:07.900-08:00:08.100 ok');
    expect(example).toContain('server down [08:00:03.000-08:00:06.000]');
    // Past the window, but before any attempt carried 'second': the relay planned it with 'first' in hand.
    const beforeAnyAttempt = checkInvariants({ intended: ds, records, evidence: { ...evidence(T0 + 3_550), attempts: attempts.slice(1) } });
    expect(beforeAnyAttempt).toMatchObject({ orderViolations: 1, lateArrivals: 0 });
  });
});
