// Emulator configuration: the zod schema for per-app vendor settings and global rule knobs, the demo
// default (emulator/demo-config.json), and helpers to parse, replace (PUT) and merge-patch (PATCH) it.
// Every field is documented in docs/emulator.md; defaults follow the vendor guides, with current-doc
// values noted where they differ (adjustEventWindowDays 28 vs 58, sessionMinGapMinutes 30 vs 20).
import { z } from 'zod';
import demoConfigJson from './demo-config.json';
import { InstallInputSchema } from './installs';
import { mergePatch } from './config-merge';

/** Adjust app tokens are 12 lower-case letters/digits; anything else is "Invalid app token". */
export const ADJUST_APP_TOKEN_RE = /^[a-z0-9]{12}$/;

export const AdjustEventTokenSchema = z.strictObject({
  revenue: z.boolean().default(false),
  unique: z.boolean().default(false),
  blocklisted: z.boolean().default(false),
});

export const AdjustAppSchema = z.strictObject({
  appToken: z.string().regex(ADJUST_APP_TOKEN_RE, 'appToken must be 12 lower-case letters or digits'),
  platform: z.enum(['ios', 'android', 'fire', 'huawei', 'web', 'windows', 'other']).optional(),
  s2sSecurity: z.boolean().default(false),
  s2sTokens: z.array(z.string().min(1)).default([]),
  inactive: z.boolean().default(false),
  trackingDisabled: z.boolean().default(false),
  sessionsEnabled: z.boolean().default(false),
  eventTokens: z.record(z.string().min(1), AdjustEventTokenSchema).default({}),
});

export const AppsflyerAppSchema = z
  .strictObject({
    appId: z.string().min(1),
    platform: z.enum(['ios', 'android']),
    apiVersion: z.enum(['api3', 'api2']).default('api3'),
    key: z.string().min(1),
    zeroPackage: z.boolean().default(false),
  })
  .refine((a) => a.platform !== 'ios' || /^id\d+$/.test(a.appId), { message: 'an iOS appId is "id" followed by digits, e.g. id123456789', path: ['appId'] });

export const EmulatorConfigSchema = z
  .strictObject({
    description: z.string().optional(),
    adjustApps: z.array(AdjustAppSchema).default([]),
    appsflyerApps: z.array(AppsflyerAppSchema).default([]),
    optedOutDevices: z.array(z.string().min(1)).default([]),
    installs: z.array(InstallInputSchema).default([]),
    lenientDevices: z.boolean().default(false),
    processingDelayMs: z.number().int().min(0).default(30_000),
    adjustEventWindowDays: z.number().positive().default(28),
    adRevenueWindowDays: z.number().positive().default(28),
    sessionMinGapMinutes: z.number().min(0).default(30),
    maxRecordedRequests: z.number().int().positive().default(200_000),
    adjustMaxRequestBytes: z.number().int().positive().default(1_048_576),
    appsflyerMaxPayloadBytes: z.number().int().positive().default(1024),
  })
  .superRefine((cfg, ctx) => {
    const seenApps = new Set<string>();
    const tokenOwner = new Map<string, string>();
    cfg.adjustApps.forEach((app, i) => {
      if (seenApps.has(app.appToken)) ctx.addIssue({ code: 'custom', path: ['adjustApps', i, 'appToken'], message: `duplicate appToken ${app.appToken}` });
      seenApps.add(app.appToken);
      for (const token of Object.keys(app.eventTokens)) {
        const owner = tokenOwner.get(token);
        if (owner !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['adjustApps', i, 'eventTokens', token], message: `event token ${token} already belongs to app ${owner}` });
        }
        tokenOwner.set(token, app.appToken);
      }
    });
    const seenIds = new Set<string>();
    cfg.appsflyerApps.forEach((app, i) => {
      if (seenIds.has(app.appId)) ctx.addIssue({ code: 'custom', path: ['appsflyerApps', i, 'appId'], message: `duplicate appId ${app.appId}` });
      seenIds.add(app.appId);
    });
  });

export type EmulatorConfig = z.infer<typeof EmulatorConfigSchema>;
export type EmulatorConfigInput = z.input<typeof EmulatorConfigSchema>;
export type AdjustApp = z.infer<typeof AdjustAppSchema>;
export type AppsflyerApp = z.infer<typeof AppsflyerAppSchema>;

/** The demo configuration (emulator/demo-config.json), used when no config is given. */
export const defaultEmulatorConfig: EmulatorConfig = EmulatorConfigSchema.parse(demoConfigJson);

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: Array<{ path: string; message: string }> };

export function formatIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

/** Validates a complete configuration (PUT semantics: what is not given takes the schema default). */
export function parseConfig(input: unknown): ParseResult<EmulatorConfig> {
  const r = EmulatorConfigSchema.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: formatIssues(r.error) };
}

/** Applies a JSON merge patch (PATCH semantics, see config-merge.ts) to a configuration and validates the result. */
export function patchConfig(current: EmulatorConfig, patch: unknown): ParseResult<EmulatorConfig> {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    return { ok: false, issues: [{ path: '(root)', message: 'a config patch must be a JSON object' }] };
  }
  return parseConfig(mergePatch(current, patch));
}

export function findAdjustApp(cfg: EmulatorConfig, appToken: string): AdjustApp | undefined {
  return cfg.adjustApps.find((a) => a.appToken === appToken);
}

export function findAppsflyerApp(cfg: EmulatorConfig, appId: string): AppsflyerApp | undefined {
  return cfg.appsflyerApps.find((a) => a.appId === appId);
}

/** A one-line, secret-free summary for the banner. */
export function describeConfig(cfg: EmulatorConfig): string {
  const adjust = cfg.adjustApps.map((a) => `${a.appToken}${a.s2sSecurity ? '(auth)' : ''}`).join(',');
  const af = cfg.appsflyerApps.map((a) => `${a.appId}(${a.apiVersion})`).join(',');
  return `adjust=[${adjust}] appsflyer=[${af}] lenientDevices=${cfg.lenientDevices} eventWindow=${cfg.adjustEventWindowDays}d`;
}
