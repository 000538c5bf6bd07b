// Test helpers for the emulator suites: one in-process emulator per file on a free port with a settable
// clock, reset before each test, and small undici-based HTTP helpers (real HTTP, no mocks).
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { request } from 'undici';
import type { Emulator, StartEmulatorOptions } from '../../../emulator/server';
import { startEmulator } from '../../../emulator/server';

/** Monday 2 June 2025, 12:00 UTC: the emulator's "now" unless a test moves the clock. */
export const T0 = Date.parse('2025-06-02T12:00:00.000Z');
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** The Adjust guide's example devices (installed long ago in the demo config). */
export const IDFA_A = 'D2CADB5F-410F-4963-AC0C-2A78534BDF1E';
export const IDFA_B = '8A3CB124-5A79-4334-8802-F75FEC099C58';
export const GPS_ADID = '660e1d86-6796-463a-be86-897993136018';
export const IOS_APP = '4w565xzmb54d';
export const ANDROID_APP = '2fm6y3pm9ahs';
export const ANDROID_BEARER = 'Bearer demo-adjust-s2s-token';
export const AF_KEY = 'demo-appsflyer-s2s-key';
export const AF_ID = '1234567890123-1234567';

export interface Clock {
  now: () => number;
  set(ms: number): void;
  advance(ms: number): void;
}

export function makeClock(start = T0): Clock {
  let t = start;
  return { now: () => t, set: (ms) => (t = ms), advance: (ms) => (t += ms) };
}

export interface EmulatorFixture {
  emu: Emulator;
  clock: Clock;
}

/** Starts one emulator for the file; before each test: clock back to T0, state and config reset. */
export function useEmulator(options: Omit<StartEmulatorOptions, 'now' | 'quiet'> = {}): EmulatorFixture {
  const fx = { clock: makeClock() } as EmulatorFixture;
  beforeAll(async () => {
    fx.emu = await startEmulator({ ...options, now: fx.clock.now, quiet: true });
  });
  afterAll(async () => {
    await fx.emu.close();
  });
  beforeEach(() => {
    fx.clock.set(T0);
    fx.emu.reset({ config: true });
  });
  return fx;
}

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export async function call(
  url: string,
  init: { method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; headers?: Record<string, string>; body?: string; headersTimeout?: number } = {},
): Promise<Reply> {
  const res = await request(url, {
    method: init.method ?? 'GET',
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.body !== undefined ? { body: init.body } : {}),
    ...(init.headersTimeout !== undefined ? { headersTimeout: init.headersTimeout, bodyTimeout: init.headersTimeout } : {}),
  });
  return { status: res.statusCode, body: await res.body.text(), headers: res.headers };
}

export function qs(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

/** A valid Adjust event for the iOS demo app and guide device A, with overrides. */
export function adjustEvent(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = { s2s: '1', app_token: IOS_APP, event_token: 'f0ob4r', idfa: IDFA_A, ...overrides };
  return Object.fromEntries(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined));
}

export function adjustError(message: string, prefix = 'Event request failed'): string {
  return JSON.stringify({ error: `${prefix} (${message})` });
}

export const OK_JSON = JSON.stringify({ status: 'OK' });

/** ISO string without milliseconds, e.g. for created_at. */
export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

/** A valid AppsFlyer body for the demo install, with overrides (undefined removes a field). */
export function afBody(overrides: Record<string, unknown> = {}): string {
  const base: Record<string, unknown> = {
    appsflyer_id: AF_ID,
    eventName: 'af_purchase',
    eventValue: JSON.stringify({ af_revenue: '9.99', af_currency: 'USD' }),
    os: '17.4',
    ...overrides,
  };
  return JSON.stringify(Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)));
}

export function postAf(emu: Emulator, body: string, appId = 'id1234567890', headers: Record<string, string> = {}): Promise<Reply> {
  return call(`${emu.url}/appsflyer/inappevent/${appId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authentication: AF_KEY, ...headers },
    body,
  });
}

export function lastRecord(emu: Emulator): ReturnType<Emulator['requests']>[number] {
  const all = emu.requests();
  const last = all[all.length - 1];
  if (!last) throw new Error('no request recorded');
  return last;
}
