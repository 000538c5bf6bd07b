// The install context: who the user is to the vendors (app, platform, device ids, AppsFlyer id) and when
// the app was installed. Sent once at signup; the post-install gate and every request builder read it.
import { z } from 'zod';
import { IpAddress, Timestamp, UserId } from './fields';

const UUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
const uuid = (name: string, example: string) =>
  z.string().regex(UUID, `${name} must be a UUID such as ${example}`);

export const Platform = z.enum(['ios', 'android'], { error: 'platform must be "ios" or "android"' });
export type Platform = z.infer<typeof Platform>;

/** Device identifiers as Adjust and AppsFlyer name them; every one the user has is sent. */
export const DeviceIds = z.strictObject(
  {
    idfa: uuid('idfa', 'D2CADB5F-410F-4963-AC0C-2A78534BDF1E').transform((s) => s.toUpperCase()).optional(),
    idfv: uuid('idfv', '95C9BD22-4A4C-41C8-9548-ED07C5C8C145').transform((s) => s.toUpperCase()).optional(),
    gps_adid: uuid('gps_adid', '660e1d86-6796-463a-be86-897993136018').transform((s) => s.toLowerCase()).optional(),
    fire_adid: uuid('fire_adid', 'df07c7dc-cea7-4a89-b328-810ff5acb15d').optional(),
    oaid: z.string().min(1).max(64).optional(),
    android_id: z.string().regex(/^[0-9a-f]{8,32}$/, 'android_id must be the raw Android ID: lowercase hex, no hyphens').optional(),
    web_uuid: uuid('web_uuid', 'a9b8c7d6-e5f4-4321-8765-0fedcba98765').optional(),
    adid: z.string().regex(/^[0-9a-f]{32}$/, 'adid must be the 32-character Adjust device id, e.g. 18546f6171f67e29d1cb983322ad1329').optional(),
  },
  { error: 'deviceIds must be an object such as {"idfa":"D2CADB5F-410F-4963-AC0C-2A78534BDF1E"}' },
);
export type DeviceIds = z.infer<typeof DeviceIds>;

export const ADJUST_DEVICE_ID_KEYS = ['idfa', 'gps_adid', 'fire_adid', 'oaid', 'web_uuid', 'idfv', 'android_id', 'adid'] as const;

export const AppsflyerId = z
  .string()
  .regex(/^\d{13}-\d{7,19}$/, 'appsflyerId must look like 1234567890123-1234567 (13 digits, a hyphen, 7 to 19 digits)');

export const InstallContext = z.strictObject({
  userId: UserId,
  /** Key of the app in the app configuration (e.g. "demo-ios"). */
  app: z.string({ error: 'app is required: the key of the app in the app configuration, e.g. "demo-ios"' }).regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'app must be an app key from the app configuration, e.g. "demo-ios"'),
  installedAt: Timestamp('installedAt'),
  platform: Platform,
  deviceIds: DeviceIds.default({}),
  appsflyerId: AppsflyerId.optional(),
  customerUserId: z.string().min(1).max(256).optional(),
  ip: IpAddress.optional(),
  osVersion: z.string().regex(/^\d+(\.\d+){0,3}$/, 'osVersion must look like "17.1" or "14.5.1"').optional(),
  /** iOS App Tracking Transparency status: 0 not determined, 1 restricted, 2 denied, 3 authorized. */
  attStatus: z.number().int().min(0).max(3, 'attStatus must be 0, 1, 2 or 3').optional(),
  /** Limit-ad-tracking state for Android (and iOS before ATT): true when tracking is allowed. */
  trackingEnabled: z.boolean().optional(),
  appVersion: z.string().min(1).max(64).optional(),
}).superRefine((ctx, issues) => {
  const hasAdjustId = Object.values(ctx.deviceIds).some((v) => v !== undefined);
  if (!hasAdjustId && !ctx.appsflyerId) {
    issues.addIssue({ code: 'custom', path: ['deviceIds'], message: 'give at least one device id (for Adjust) or appsflyerId (for AppsFlyer); without them no vendor can attribute the events' });
  }
  if (ctx.platform === 'android' && (ctx.deviceIds.idfa || ctx.deviceIds.idfv)) {
    issues.addIssue({ code: 'custom', path: ['deviceIds'], message: 'idfa/idfv are iOS identifiers; an android install must not carry them' });
  }
  if (ctx.platform === 'ios' && (ctx.deviceIds.gps_adid || ctx.deviceIds.android_id)) {
    issues.addIssue({ code: 'custom', path: ['deviceIds'], message: 'gps_adid/android_id are Android identifiers; an ios install must not carry them' });
  }
});
export type InstallContext = z.infer<typeof InstallContext>;
export type InstallContextInput = z.input<typeof InstallContext>;
