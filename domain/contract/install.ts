// The signup message: who the user is to the vendors (app, platform, device ids, AppsFlyer id) and when the
// app was installed. The post-install gate and every request builder read it. A later signup may fill in
// the fields listed in AMENDABLE_FIELDS that the first one left out; it never changes one already given.
import { z } from 'zod';
import { LIMITS } from './limits';
import { AppKey, IpAddress, pattern, PrintableText, Timestamp, UserId } from './fields';

const UUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
const uuid = (name: string, example: string) => pattern(z.string({ error: `${name} must be a string` }), UUID, `${name} must be a UUID such as ${example}`);

export const Platform = z.enum(['ios', 'android'], { error: 'platform must be "ios" or "android"' });
export type Platform = z.infer<typeof Platform>;

/** Device identifiers as Adjust and AppsFlyer name them; every one the user has is sent. */
export const DeviceIds = z.strictObject(
  {
    idfa: uuid('idfa', 'D2CADB5F-410F-4963-AC0C-2A78534BDF1E').optional(),
    idfv: uuid('idfv', '95C9BD22-4A4C-41C8-9548-ED07C5C8C145').optional(),
    gps_adid: uuid('gps_adid', '660e1d86-6796-463a-be86-897993136018').optional(),
    fire_adid: uuid('fire_adid', 'df07c7dc-cea7-4a89-b328-810ff5acb15d').optional(),
    oaid: pattern(z.string({ error: 'oaid must be a string' }), /^[0-9A-Za-z-]{1,64}$/, 'oaid must be 1-64 letters, digits and hyphens').optional(),
    android_id: pattern(
      z.string({ error: 'android_id must be a string' }),
      /^[0-9a-f]{8,32}$/,
      'android_id must be the raw Android ID: lowercase hex, no hyphens',
    ).optional(),
    web_uuid: uuid('web_uuid', 'a9b8c7d6-e5f4-4321-8765-0fedcba98765').optional(),
    adid: pattern(
      z.string({ error: 'adid must be a string' }),
      /^[0-9a-f]{32}$/,
      'adid must be the 32-character Adjust device id, e.g. 18546f6171f67e29d1cb983322ad1329',
    ).optional(),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `deviceIds has unknown key(s) ${iss.keys.join(', ')}: the relay knows ${['idfa', 'idfv', 'gps_adid', 'fire_adid', 'oaid', 'android_id', 'web_uuid', 'adid'].join(', ')}`
        : 'deviceIds must be an object such as {"idfa":"D2CADB5F-410F-4963-AC0C-2A78534BDF1E"}',
  },
);
export type DeviceIds = z.infer<typeof DeviceIds>;

/** Adjust's device id parameters, in the order the builder sends them. */
export const ADJUST_DEVICE_ID_KEYS = ['idfa', 'gps_adid', 'fire_adid', 'oaid', 'web_uuid', 'idfv', 'android_id', 'adid'] as const;
const IOS_ONLY = ['idfa', 'idfv'] as const;
const ANDROID_ONLY = ['gps_adid', 'android_id', 'fire_adid', 'oaid'] as const;

export const AppsflyerId = pattern(
  z.string({ error: 'appsflyerId must be a string' }),
  /^\d{13}-\d{7,19}$/,
  'appsflyerId must look like 1234567890123-1234567 (13 digits, a hyphen, 7 to 19 digits)',
);

export const Signup = z
  .strictObject({
    userId: UserId,
    /** Key of the app in the relay configuration (e.g. "demo-ios"). */
    app: AppKey,
    installedAt: Timestamp('installedAt'),
    platform: Platform,
    deviceIds: DeviceIds.optional(),
    appsflyerId: AppsflyerId.optional(),
    customerUserId: PrintableText('customerUserId', LIMITS.customerUserIdChars).optional(),
    ip: IpAddress.optional(),
    /** OS version; AppsFlyer needs it for iOS ("os"). */
    osVersion: pattern(
      z.string({ error: 'osVersion must be a string' }),
      /^\d{1,3}(\.\d{1,4}){0,3}$/,
      'osVersion must look like "17.1" or "14.5.1"',
    ).optional(),
    /** iOS App Tracking Transparency status: 0 not determined, 1 restricted, 2 denied, 3 authorized. */
    attStatus: z.int({ error: 'attStatus must be 0, 1, 2 or 3' }).min(0, 'attStatus must be 0, 1, 2 or 3').max(3, 'attStatus must be 0, 1, 2 or 3').optional(),
    /** Limit-ad-tracking state (Android, and iOS before ATT): true when tracking is allowed. */
    trackingEnabled: z.boolean({ error: 'trackingEnabled must be true or false' }).optional(),
    appVersion: PrintableText('appVersion', LIMITS.appVersionChars).optional(),
    /** The device's User-Agent (Adjust user_agent, AppsFlyer api3 ua). */
    userAgent: PrintableText('userAgent', LIMITS.userAgentChars).optional(),
  })
  .superRefine((s, ctx) => {
    const ids = s.deviceIds ?? {};
    const foreign = s.platform === 'android' ? IOS_ONLY.filter((k) => ids[k]) : ANDROID_ONLY.filter((k) => ids[k]);
    for (const key of foreign) {
      ctx.addIssue({
        code: 'custom',
        path: ['deviceIds', key],
        message: `${key} is ${s.platform === 'android' ? 'an iOS' : 'an Android'} identifier; an ${s.platform} install must not carry it`,
      });
    }
    if (s.platform === 'android' && s.attStatus !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['attStatus'], message: 'attStatus is iOS App Tracking Transparency; an android install uses trackingEnabled' });
    }
  })
  .meta({
    title: 'Signup',
    description: 'The install context of one app user. Starts the user workflow; a repeated signup fills in missing optional fields only.',
  });
export type Signup = z.infer<typeof Signup>;

/** Fields a later signup may fill in when the first one left them out; the others are fixed once given. */
export const AMENDABLE_FIELDS = [
  'osVersion',
  'appVersion',
  'attStatus',
  'trackingEnabled',
  'customerUserId',
  'ip',
  'userAgent',
  'appsflyerId',
] as const satisfies ReadonlyArray<keyof Signup>;
export type AmendableField = (typeof AMENDABLE_FIELDS)[number];

/** Whether the install context carries at least one Adjust device identifier. */
export function hasAdjustDeviceId(install: Pick<Signup, 'deviceIds'>): boolean {
  return ADJUST_DEVICE_ID_KEYS.some((k) => install.deviceIds?.[k] !== undefined);
}
