// AppsFlyer's 1 KB body, split between the install and each event: the install's fields may use 560 bytes
// (checked at signup), each event's fields the rest (checked when the event is accepted). So any accepted
// event fits with any accepted install, whichever arrives first. Shown here property-style: installs and
// events are generated (seeded, so a failure reproduces), pushed to the edge of what the contract accepts,
// and every accepted pair is built into a request.
import { describe, expect, it } from 'vitest';
import type { PublicAppConfig } from '../../../domain/config';
import { checkMessage, LIMITS, type RuleContext } from '../../../domain/contract';
import type { Signup } from '../../../domain/contract/install';
import type { Refund, Track } from '../../../domain/contract/messages';
import { APPSFLYER_EVENT_SHARE_BYTES } from '../../../domain/contract/rules';
import { utf8Bytes } from '../../../domain/contract/text';
import type { Message } from '../../../domain/delivery';
import { InvalidRequestError } from '../../../domain/errors';
import { appsflyerEventFields, appsflyerInstallFields, buildAppsflyerEventRequest, fieldsBytes } from '../../../domain/vendors/appsflyer';
import { AF_KEY, androidApp, appWith, delivery, iosApp, iosSignup, track, vendors } from '../../helpers/demo-apps';
import { withApp } from './check';

/** mulberry32: a small seeded PRNG, so every run generates the same cases. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
  const chance = (p: number) => next() < p;
  return { int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

// Characters that cost the most per character in the body: JSON escapes (twice inside eventValue's string),
// 2-, 3- and 4-byte UTF-8, and plain ASCII.
const CHARS = ['a', 'Z', '7', ' ', '-', '"', '\\', '/', 'é', 'ж', '€', 'ク', '😀', '𝄞'];
const text = (r: Rng, n: number) => Array.from({ length: n }, () => r.pick(CHARS)).join('');
const digits = (r: Rng, n: number) => Array.from({ length: n }, () => String(r.int(0, 9))).join('');
const uuid = (r: Rng) => [8, 4, 4, 4, 12].map((n) => Array.from({ length: n }, () => r.pick([...'0123456789ABCDEF'])).join('')).join('-');

const APPS: Array<[key: string, app: PublicAppConfig]> = [
  ['demo-ios', iosApp],
  ['demo-android', androidApp],
  // Everything the app adds to each event at its largest: long event names, delivery id key, app-level sharing filter.
  [
    'wide-ios',
    appWith(iosApp, {
      bundleId: `com.example.${'x'.repeat(48)}`,
      appsflyer: {
        events: { purchase: 'p'.repeat(100), renewal: 'r'.repeat(100) },
        refundEventName: 'c'.repeat(100),
        deliveryIdKey: 'k'.repeat(64),
        sharingFilter: ['googleadwords_int', 'Apple Search Ads', 'twitter'],
      },
    }),
  ],
  ['legacy-android', appWith(androidApp, { appsflyer: { apiVersion: 'api2' } })],
];

function genInstall(r: Rng, key: string, app: PublicAppConfig): Signup {
  const ios = app.platform === 'ios';
  const deviceIds: Record<string, string> = ios
    ? { idfa: uuid(r), ...(r.chance(0.7) ? { idfv: uuid(r) } : {}) }
    : {
        gps_adid: uuid(r).toLowerCase(),
        ...(r.chance(0.5) ? { oaid: 'o'.repeat(r.int(1, 64)) } : {}),
        ...(r.chance(0.5) ? { fire_adid: uuid(r).toLowerCase() } : {}),
      };
  return iosSignup({
    userId: `user_${digits(r, r.int(1, 100))}`,
    app: key,
    platform: app.platform,
    deviceIds,
    appsflyerId: `${digits(r, 13)}-${digits(r, r.int(7, 19))}`,
    osVersion: [digits(r, 3), digits(r, 4), digits(r, 4), digits(r, 4)]
      .slice(0, r.int(1, 4))
      .join('.')
      .replace(/^0+(?=\d)/, ''),
    ip: r.chance(0.8) ? [1, 2, 3, 4].map(() => String(r.int(100, 255))).join('.') : undefined,
    customerUserId: r.chance(0.8) ? text(r, r.int(1, LIMITS.customerUserIdChars)) : undefined,
    appVersion: r.chance(0.8) ? text(r, r.int(1, LIMITS.appVersionChars)) : undefined,
    userAgent: r.chance(0.8) ? text(r, r.int(1, LIMITS.userAgentChars)) : undefined,
    attStatus: ios && r.chance(0.7) ? r.int(0, 3) : undefined,
    trackingEnabled: r.chance(0.5) ? r.chance(0.5) : undefined,
  });
}

function genEvent(r: Rng, userId: string): Message {
  if (r.chance(0.15)) {
    const rf: Refund = {
      userId,
      refundId: `rf_${digits(r, r.int(1, 126))}`,
      purchaseEventId: `evt_${digits(r, 10)}`,
      amount: `${r.int(1, 9)}${digits(r, r.int(0, 10))}.${digits(r, r.int(1, 5))}`,
      currency: r.pick(['USD', 'EUR', 'XOF']),
      occurredAt: '2026-11-22T10:15:00.123+14:00',
    };
    return { kind: 'refund', refund: rf };
  }
  const eventValue: Record<string, string> = {};
  for (let i = r.int(0, 6); i > 0; i--) eventValue[text(r, r.int(1, 16))] = text(r, r.int(0, 160));
  const t: Track = track(
    {
      eventId: `evt_${digits(r, r.int(1, 124))}`,
      name: r.pick(['purchase', 'renewal', 'trial', `custom_${'n'.repeat(r.int(0, 57))}`]),
      ...(r.chance(0.7)
        ? { revenue: `${r.int(1, 9)}${digits(r, r.int(0, 10))}.${digits(r, r.int(1, 5))}`, currency: r.pick(['USD', 'EUR', 'XOF', 'JPY']) }
        : { revenue: undefined, currency: undefined }),
      ...(Object.keys(eventValue).length > 0 ? { eventValue } : {}),
      ...(r.chance(0.3) ? { sharingFilter: r.chance(0.3) ? ('all' as const) : Array.from({ length: r.int(1, 6) }, () => text(r, r.int(1, 16))) } : {}),
    },
    userId,
  );
  return { kind: 'track', track: t };
}

const accepts = (m: Message, ctx: RuleContext) => checkMessage(m.kind, m.kind === 'track' ? m.track : m.kind === 'refund' ? m.refund : m.adRevenue, ctx).ok;

/**
 * Shrinks a message until the contract accepts it, so the cases sit at the edge of the limits: each step cuts
 * the longest free text by a quarter of the bytes still over the share (a character costs 1 to 4 bytes, so
 * this never cuts far below the edge), by one character when close.
 */
function toTheEdge<T>(value: T, ok: (v: T) => boolean, over: (v: T) => number, shorten: (v: T, chars: number) => T | undefined): T | undefined {
  let v: T | undefined = value;
  for (let i = 0; v !== undefined && i < 2000; i++) {
    if (ok(v)) return v;
    const excess = over(v);
    v = shorten(v, excess > 8 ? Math.ceil(excess / 4) : 1);
  }
  return undefined;
}

const cut = (text: string, chars: number) => [...text].slice(0, -chars).join('');

function shortenInstall(s: Signup, chars: number): Signup | undefined {
  const fields = (['userAgent', 'customerUserId', 'appVersion'] as const).filter((f) => s[f]);
  const longest = fields.sort((a, b) => utf8Bytes(s[b] as string) - utf8Bytes(s[a] as string))[0];
  if (!longest) return undefined;
  const next = cut(s[longest] as string, chars);
  return { ...s, [longest]: next === '' ? undefined : next };
}

function shortenEvent(m: Message, chars: number): Message | undefined {
  if (m.kind !== 'track') return undefined;
  const ev = m.track.eventValue;
  if (ev && Object.keys(ev).length > 0) {
    const [key, value] = Object.entries(ev).sort((a, b) => utf8Bytes(b[1]) - utf8Bytes(a[1]))[0] as [string, string];
    const next = { ...ev };
    if (value.length > 0) next[key] = cut(value, chars);
    else delete next[key];
    return { kind: 'track', track: { ...m.track, eventValue: next } };
  }
  const sf = m.track.sharingFilter;
  if (Array.isArray(sf) && sf.length > 1) return { kind: 'track', track: { ...m.track, sharingFilter: sf.slice(0, -1) } };
  return undefined;
}

const installOver = (app: PublicAppConfig) => (s: Signup) => fieldsBytes(appsflyerInstallFields(s, app)) - LIMITS.appsflyerInstallShareBytes;
const eventOver = (app: PublicAppConfig) => (m: Message) => fieldsBytes(appsflyerEventFields(delivery('appsflyer', m), app)) - APPSFLYER_EVENT_SHARE_BYTES;

describe('AppsFlyer body budget', () => {
  it('splits 1,024 bytes: 560 for the install, 462 for each event, 2 for the braces', () => {
    expect(LIMITS.appsflyerBodyBytes).toBe(1024);
    expect(LIMITS.appsflyerInstallShareBytes).toBe(560);
    expect(APPSFLYER_EVENT_SHARE_BYTES).toBe(462);
    // The body is the install's fields and the event's fields joined: their byte counts add up exactly.
    const user = iosSignup();
    const item = delivery('appsflyer', { kind: 'track', track: track({ eventValue: { note: 'é"\\😀' } }) });
    const body = buildAppsflyerEventRequest(item, user, iosApp, vendors, AF_KEY).body;
    expect(utf8Bytes(body)).toBe(fieldsBytes(appsflyerInstallFields(user, iosApp)) + fieldsBytes(appsflyerEventFields(item, iosApp)) + 1);
  });

  it("refuses at acceptance an eventValue that would push the body over 1 KB, though under eventValue's own 1 KB", () => {
    // About 650 bytes of eventValue: within the map limit (1,024), but no room with the install's share taken.
    const event = track({ eventValue: { description: 'x'.repeat(600), sku: 'sku_1' } });
    const install = iosSignup({ userAgent: 'M'.repeat(200) });
    const ctx = withApp(iosApp, { install });
    const result = checkMessage('track', event, ctx);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toEqual([
      {
        path: 'eventValue',
        message: expect.stringMatching(
          /^the event's AppsFlyer fields \(name, eventValue with revenue and the delivery id, time, currency, sharing filter\) take \d{3} bytes; each event may use 462 of AppsFlyer's 1 KB body: send fewer or shorter eventValue entries$/,
        ),
      },
    ]);
    // Had it been accepted, AppsFlyer's body would be over the limit and the delivery a dead letter.
    expect(checkMessage('signup', install, withApp(iosApp)).ok).toBe(true);
    expect(() => buildAppsflyerEventRequest(delivery('appsflyer', { kind: 'track', track: event }), install, iosApp, vendors, AF_KEY)).toThrow(
      InvalidRequestError,
    );
    // The same event is fine for an app that does not send it to AppsFlyer.
    expect(checkMessage('track', event, withApp(appWith(iosApp, { appsflyer: null }))).ok).toBe(true);
  });

  it('builds every accepted install with every accepted event into a body of at most 1,024 bytes (generated, pushed to the limits)', () => {
    const r = prng(20261122);
    const oversized: string[] = [];
    let pairs = 0;
    let largest = 0;
    let fullestInstall = 0;
    let fullestEvent = 0;
    for (const [key, app] of APPS) {
      const installs: Signup[] = [];
      while (installs.length < 50) {
        const edge = toTheEdge(genInstall(r, key, app), (s) => checkMessage('signup', s, withApp(app, { appKey: key })).ok, installOver(app), shortenInstall);
        if (edge) installs.push(edge);
      }
      const events: Message[] = [];
      while (events.length < 100) {
        const install = r.pick(installs);
        const ctx = withApp(app, { appKey: key, install });
        const edge = toTheEdge(genEvent(r, install.userId), (m) => accepts(m, ctx), eventOver(app), shortenEvent);
        if (edge) events.push(edge);
      }
      const items = events.map((message) => delivery('appsflyer', message));
      for (const item of items) fullestEvent = Math.max(fullestEvent, fieldsBytes(appsflyerEventFields(item, app)));
      for (const install of installs) {
        fullestInstall = Math.max(fullestInstall, fieldsBytes(appsflyerInstallFields(install, app)));
        // Every event is built for every install of the app, other users' installs included (worst-case sizes).
        for (const item of items) {
          const body = buildAppsflyerEventRequest(item, install, app, vendors, AF_KEY).body;
          const bytes = Buffer.byteLength(body);
          if (bytes > 1024) oversized.push(body);
          largest = Math.max(largest, bytes);
          pairs += 1;
        }
      }
    }
    expect(oversized).toEqual([]);
    // The generator reached the edges: installs and events that use (almost) all of their share.
    expect(pairs).toBe(APPS.length * 50 * 100);
    expect(fullestInstall).toBeGreaterThan(LIMITS.appsflyerInstallShareBytes - 8);
    expect(fullestEvent).toBeGreaterThan(APPSFLYER_EVENT_SHARE_BYTES - 8);
    expect(largest).toBeGreaterThan(1000);
  });

  it('the worst accepted install with the worst accepted event still fits', () => {
    const app = APPS[2]?.[1] as PublicAppConfig;
    const ctx = withApp(app, { appKey: 'wide-ios' });
    // Escape-heavy text costs the most bytes per character: grow it until the contract refuses, keep the last accepted.
    const grow = <T>(make: (n: number) => T, ok: (v: T) => boolean) => {
      let n = 0;
      while (ok(make(n + 1))) n += 1;
      return make(n);
    };
    const install = grow(
      (n) =>
        iosSignup({
          app: 'wide-ios',
          appsflyerId: `${'9'.repeat(13)}-${'9'.repeat(19)}`,
          osVersion: '999.9999.9999.9999',
          customerUserId: '"'.repeat(Math.min(n, 100)),
          userAgent: n > 100 ? '"'.repeat(n - 100) : undefined,
        }),
      (s) => checkMessage('signup', s, ctx).ok,
    );
    expect(fieldsBytes(appsflyerInstallFields(install, app))).toBeGreaterThan(LIMITS.appsflyerInstallShareBytes - 2);
    const event = grow(
      (n) =>
        track({ eventId: 'e'.repeat(128), name: 'purchase', revenue: '99999999999.99999', currency: 'USD', eventValue: { q: '"'.repeat(n) } }, install.userId),
      (t) => checkMessage('track', t, withApp(app, { appKey: 'wide-ios', install })).ok,
    );
    const item = delivery('appsflyer', { kind: 'track', track: event });
    expect(fieldsBytes(appsflyerEventFields(item, app))).toBeGreaterThan(APPSFLYER_EVENT_SHARE_BYTES - 4);
    const body = buildAppsflyerEventRequest(item, install, app, vendors, AF_KEY).body;
    expect(utf8Bytes(body)).toBeGreaterThan(1016);
    expect(utf8Bytes(body)).toBeLessThanOrEqual(1024);
  });
});
