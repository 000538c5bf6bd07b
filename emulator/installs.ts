// Install registry of the emulator: which Adjust devices and AppsFlyer ids are installed, since when, and
// (AppsFlyer) when the vendor finished processing the install. Owns the install-input schema shared by the
// config file and POST /__emulator/installs, and the canonical device key used by per-device state.
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Device identifiers Adjust accepts for S2S requests, in the order the emulator prefers them. */
export const ADJUST_DEVICE_ID_NAMES = ['idfa', 'gps_adid', 'fire_adid', 'oaid', 'web_uuid', 'idfv', 'android_id', 'adid'] as const;
export type AdjustDeviceIdName = (typeof ADJUST_DEVICE_ID_NAMES)[number];

/** AppsFlyer id: 13 digits, a dash, 7 to 19 digits (api2 documents 7, api3 19). */
export const APPSFLYER_ID_RE = /^\d{13}-\d{7,19}$/;

const idValue = z.string().min(1).max(256);
export const DeviceIdsSchema = z.strictObject(
  Object.fromEntries(ADJUST_DEVICE_ID_NAMES.map((n) => [n, idValue.optional()])) as Record<AdjustDeviceIdName, z.ZodOptional<typeof idValue>>,
);

export const InstallInputSchema = z
  .strictObject({
    appToken: z.string().min(1).optional(),
    appId: z.string().min(1).optional(),
    appsflyerId: z.string().regex(APPSFLYER_ID_RE, 'appsflyerId must look like 1234567890123-1234567').optional(),
    deviceIds: DeviceIdsSchema.optional(),
    installedAt: z.iso.datetime({ offset: true }).optional(),
    processingDelayMs: z.number().int().min(0).optional(),
  })
  .refine((v) => v.appsflyerId !== undefined || Object.values(v.deviceIds ?? {}).some((x) => x !== undefined), {
    message: 'give appsflyerId (AppsFlyer) and/or at least one deviceIds entry (Adjust)',
  });
export type InstallInput = z.input<typeof InstallInputSchema>;

export type InstallSource = 'control' | 'config' | 'lenient' | 'session';

export interface AdjustDevice {
  key: string;
  appToken: string | null; // null: installed for every Adjust app
  ids: Record<string, string>;
  installedAtMs: number;
  adid: string;
  source: InstallSource;
}

export interface AppsflyerInstall {
  appId: string | null; // null: installed for every AppsFlyer app
  appsflyerId: string;
  installedAtMs: number;
  processedAtMs: number;
  source: InstallSource;
}

export interface RegisteredInstall {
  adjust?: { appToken: string | null; deviceKey: string; ids: Record<string, string>; installedAt: string };
  appsflyer?: { appId: string | null; appsflyerId: string; installedAt: string; processedAt: string };
}

/** Device ids are compared case-insensitively (IDFA is upper case, GAID lower case, senders differ). */
export function normalizeId(value: string): string {
  return value.trim().toLowerCase();
}

/** The first id present, by preference order, names the device: e.g. `idfa:d2cadb5f-...`. */
export function canonicalDeviceKey(ids: Iterable<readonly [string, string]>): string | undefined {
  const map = new Map(ids);
  for (const name of ADJUST_DEVICE_ID_NAMES) {
    const v = map.get(name);
    if (v !== undefined && v !== '') return `${name}:${normalizeId(v)}`;
  }
  return undefined;
}

/** The Adjust device id (adid) the emulator hands out for a device that sent none: stable per app and device. */
export function deriveAdid(appScope: string, deviceKey: string): string {
  return createHash('md5').update(`${appScope}|${deviceKey}`).digest('hex');
}

export class InstallRegistry {
  private readonly adjust = new Map<string, AdjustDevice>();
  private readonly appsflyer = new Map<string, AppsflyerInstall>();

  clear(): void {
    this.adjust.clear();
    this.appsflyer.clear();
  }

  /** Finds an installed device by any of the ids given (preference order), for this app or for all apps. */
  findAdjustDevice(appToken: string, ids: ReadonlyArray<readonly [string, string]>): { device: AdjustDevice; matchedBy: string } | undefined {
    for (const [name, value] of ids) {
      for (const scope of [appToken, '*']) {
        const device = this.adjust.get(`${scope}|${name}|${normalizeId(value)}`);
        if (device) return { device, matchedBy: `${name}:${value}` };
      }
    }
    return undefined;
  }

  findAppsflyer(appId: string, appsflyerId: string): AppsflyerInstall | undefined {
    return this.appsflyer.get(`${appId}|${appsflyerId}`) ?? this.appsflyer.get(`*|${appsflyerId}`);
  }

  registerAdjust(appToken: string | null, ids: Record<string, string>, installedAtMs: number, source: InstallSource): AdjustDevice {
    const entries = Object.entries(ids).filter(([, v]) => v !== '');
    const scope = appToken ?? '*';
    const existing = entries.map(([n, v]) => this.adjust.get(`${scope}|${n}|${normalizeId(v)}`)).find((d) => d !== undefined);
    const key = existing?.key ?? canonicalDeviceKey(entries) ?? 'unknown';
    const device: AdjustDevice = existing ?? { key, appToken, ids: {}, installedAtMs, adid: ids['adid'] ?? deriveAdid(scope, key), source };
    device.installedAtMs = installedAtMs;
    device.source = source;
    for (const [n, v] of entries) {
      device.ids[n] = v;
      this.adjust.set(`${scope}|${n}|${normalizeId(v)}`, device);
    }
    return device;
  }

  registerAppsflyer(appId: string | null, appsflyerId: string, installedAtMs: number, processedAtMs: number, source: InstallSource): AppsflyerInstall {
    const install: AppsflyerInstall = { appId, appsflyerId, installedAtMs, processedAtMs, source };
    this.appsflyer.set(`${appId ?? '*'}|${appsflyerId}`, install);
    return install;
  }

  /** Registers what a validated install input describes; installedAt defaults to now. */
  register(input: z.output<typeof InstallInputSchema>, nowMs: number, defaultDelayMs: number, source: InstallSource): RegisteredInstall {
    const installedAtMs = input.installedAt !== undefined ? Date.parse(input.installedAt) : nowMs;
    const out: RegisteredInstall = {};
    const ids = Object.fromEntries(Object.entries(input.deviceIds ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
    if (Object.keys(ids).length > 0) {
      const d = this.registerAdjust(input.appToken ?? null, ids, installedAtMs, source);
      out.adjust = { appToken: d.appToken, deviceKey: d.key, ids: { ...d.ids }, installedAt: new Date(installedAtMs).toISOString() };
    }
    if (input.appsflyerId !== undefined) {
      const processedAtMs = installedAtMs + (input.processingDelayMs ?? defaultDelayMs);
      const i = this.registerAppsflyer(input.appId ?? null, input.appsflyerId, installedAtMs, processedAtMs, source);
      out.appsflyer = {
        appId: i.appId,
        appsflyerId: i.appsflyerId,
        installedAt: new Date(i.installedAtMs).toISOString(),
        processedAt: new Date(i.processedAtMs).toISOString(),
      };
    }
    return out;
  }
}
