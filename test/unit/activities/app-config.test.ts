// Tests of the worker's app-configuration loader: JSON and YAML files, secret resolution from env/file/value,
// every problem reported together with its path, warnings, and no secret in any message or serialisation.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadRelayConfig, resolveAppConfig } from '../../../worker/app-config';
import { MIN_CONTINUE_AS_NEW_EVENTS } from '../../../domain/config';
import { ADJUST_S2S_TOKEN, AF_KEY, demoConfigInput, testEnv } from '../../integration/activities/fixtures';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-app-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveAppConfig', () => {
  it('resolves env secrets per app and vendor, and fills defaults', () => {
    const loaded = resolveAppConfig(demoConfigInput(), testEnv, 'test');
    expect(loaded.source).toBe('test');
    expect(loaded.secrets.appsflyer).toEqual({ 'demo-ios': AF_KEY, 'demo-android': AF_KEY });
    expect(loaded.secrets.adjust).toEqual({ 'demo-ios': undefined, 'demo-android': ADJUST_S2S_TOKEN });
    expect(loaded.config.policy.retry.attemptTimeout).toBe(30_000);
    expect(loaded.config.http.connections).toBe(64);
    expect(loaded.warnings).toEqual([]);
  });

  it('never serialises the secrets', () => {
    const loaded = resolveAppConfig(demoConfigInput(), testEnv);
    const text = JSON.stringify(loaded) + util.inspect(loaded, { depth: 10 });
    expect(text).not.toContain(AF_KEY);
    expect(text).not.toContain(ADJUST_S2S_TOKEN);
    expect(text).toContain('[redacted]');
  });

  it('lists every problem with its path, and no secret value', () => {
    const input = demoConfigInput() as { apps: Record<string, Record<string, unknown>> };
    const ios = input.apps['demo-ios'] as { appsflyer: Record<string, unknown>; adjust: Record<string, unknown> };
    ios.appsflyer.appId = '1234567890';
    ios.adjust.s2sToken = { value: 'super-secret-inline', extra: 'super-secret-inline' };
    ios.adjust.appToken = 'short';
    const error = configError(() => resolveAppConfig(input, testEnv, 'inline'));
    expect(error.problems.some((p) => p.startsWith('apps.demo-ios.appsflyer.appId: iOS AppsFlyer app ids must start with "id"'))).toBe(true);
    expect(error.problems.some((p) => p.startsWith('apps.demo-ios.adjust.appToken: '))).toBe(true);
    expect(error.problems.some((p) => p.startsWith('apps.demo-ios.adjust.s2sToken'))).toBe(true);
    expect(error.message).toContain('invalid configuration (inline)');
    expect(error.message).not.toContain('super-secret-inline');
  });

  it('reports every missing or empty secret at once', () => {
    const error = configError(() => resolveAppConfig(demoConfigInput(), { TEST_AF_KEY: '  ' }, 'env'));
    expect(error.problems).toEqual([
      'apps.demo-ios.appsflyer.key: environment variable TEST_AF_KEY is empty',
      'apps.demo-android.adjust.s2sToken: environment variable TEST_ADJUST_TOKEN is not set',
      'apps.demo-android.appsflyer.key: environment variable TEST_AF_KEY is empty',
    ]);
  });

  it('continues a run as new once idle past 300 history events unless told otherwise, and explains a bad value', () => {
    expect(resolveAppConfig(demoConfigInput(), testEnv).config.policy.idleContinueAsNewEvents).toBe(300);
    expect(resolveAppConfig({ ...demoConfigInput(), policy: { idleContinueAsNewEvents: 0 } }, testEnv).config.policy.idleContinueAsNewEvents).toBe(0);
    const error = configError(() => resolveAppConfig({ ...demoConfigInput(), policy: { idleContinueAsNewEvents: -1 } }, testEnv));
    const expected = `must be 0 (off) or at least ${MIN_CONTINUE_AS_NEW_EVENTS} history events: a continued run writes about 16 before it is idle, so a smaller value would continue every run as new as soon as it starts, forever`;
    expect(error.problems).toEqual([`policy.idleContinueAsNewEvents: ${expected}`]);
    // Below what a continued run writes before it is idle, every run would continue as new at once, forever.
    const tiny = configError(() =>
      resolveAppConfig({ ...demoConfigInput(), policy: { idleContinueAsNewEvents: 10, maxHistoryEvents: MIN_CONTINUE_AS_NEW_EVENTS - 1 } }, testEnv),
    );
    expect(tiny.problems).toEqual([`policy.maxHistoryEvents: ${expected}`, `policy.idleContinueAsNewEvents: ${expected}`]);
    const floor = resolveAppConfig(
      { ...demoConfigInput(), policy: { idleContinueAsNewEvents: MIN_CONTINUE_AS_NEW_EVENTS, maxHistoryEvents: MIN_CONTINUE_AS_NEW_EVENTS } },
      testEnv,
    ).config.policy;
    expect([floor.idleContinueAsNewEvents, floor.maxHistoryEvents]).toEqual([MIN_CONTINUE_AS_NEW_EVENTS, MIN_CONTINUE_AS_NEW_EVENTS]);
  });

  it('requires HTTP timeouts shorter than the attempt timeout', () => {
    const input = { ...demoConfigInput(), http: { headersTimeout: '30s', bodyTimeout: '45s' }, policy: { retry: { attemptTimeout: '30s' } } };
    const error = configError(() => resolveAppConfig(input, testEnv));
    expect(error.problems).toEqual([
      'http.headersTimeout: must be shorter than policy.retry.attemptTimeout (30s); got 30s',
      'http.bodyTimeout: must be shorter than policy.retry.attemptTimeout (30s); got 45s',
    ]);
  });

  it('refuses an inline {value} secret with a non-loopback base URL (real secrets come from env or files), not for the emulator', () => {
    const local = demoConfigInput('http://127.0.0.1:4000') as { apps: Record<string, { appsflyer: Record<string, unknown> }> };
    (local.apps['demo-ios'] as { appsflyer: Record<string, unknown> }).appsflyer.key = { value: 'inline-key' };
    const loaded = resolveAppConfig(local, testEnv);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.secrets.appsflyer['demo-ios']).toBe('inline-key');
    const remote = structuredClone(local) as typeof local & { vendors: Record<string, string> };
    remote.vendors.appsflyerApi3BaseUrl = 'https://api3.appsflyer.com';
    const error = (() => {
      try {
        resolveAppConfig(remote, testEnv);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message).toMatch(
      /apps\.demo-ios\.appsflyer\.key: an inline \{value\} secret may only be used with a loopback base URL \(the local emulator\), not https:\/\/api3\.appsflyer\.com/,
    );
    expect(error?.message).not.toContain('inline-key');
  });
});

describe('loadRelayConfig', () => {
  it('loads YAML, resolving relative secret files against the config folder (trimmed)', () => {
    write('yaml/secrets/af.key', `${AF_KEY}\n`);
    const cfg = demoConfigInput() as { apps: Record<string, { appsflyer: Record<string, unknown> }> };
    for (const app of Object.values(cfg.apps)) app.appsflyer.key = { file: 'secrets/af.key' };
    const file = write('yaml/relay.yaml', stringify(cfg));
    const loaded = loadRelayConfig(file, { TEST_ADJUST_TOKEN: ADJUST_S2S_TOKEN });
    expect(loaded.source).toBe(file);
    expect(loaded.secrets.appsflyer['demo-ios']).toBe(AF_KEY);
    expect(loaded.config.apps['demo-ios']?.adjust?.events.purchase).toEqual({ token: 'p4rch1', revenue: true, unique: false });
  });

  it('loads JSON', () => {
    const file = write('json/relay.json', JSON.stringify(demoConfigInput()));
    expect(loadRelayConfig(file, testEnv).config.apps['demo-android']?.platform).toBe('android');
  });

  it("loads the project's demo config with its env secrets", () => {
    const loaded = loadRelayConfig(path.join(__dirname, '../../../config/demo.yaml'), {
      DEMO_APPSFLYER_KEY: AF_KEY,
      DEMO_ADJUST_ANDROID_S2S_TOKEN: ADJUST_S2S_TOKEN,
    });
    expect(Object.keys(loaded.config.apps).sort()).toEqual(['demo-android', 'demo-ios']);
    expect(loaded.secrets.adjust['demo-android']).toBe(ADJUST_S2S_TOKEN);
  });

  it('reports an unreadable secret file with its resolved path', () => {
    const cfg = demoConfigInput() as { apps: Record<string, { appsflyer: Record<string, unknown> }> };
    (cfg.apps['demo-ios'] as { appsflyer: Record<string, unknown> }).appsflyer.key = { file: 'missing.key' };
    const file = write('missing/relay.json', JSON.stringify(cfg));
    const error = configError(() => loadRelayConfig(file, testEnv));
    expect(error.problems).toEqual([`apps.demo-ios.appsflyer.key: cannot read secret file ${path.join(dir, 'missing/missing.key')} (ENOENT)`]);
  });

  it('reports an empty secret file', () => {
    write('empty/af.key', '\n');
    const cfg = demoConfigInput() as { apps: Record<string, { appsflyer: Record<string, unknown> }> };
    (cfg.apps['demo-ios'] as { appsflyer: Record<string, unknown> }).appsflyer.key = { file: 'af.key' };
    const error = configError(() => loadRelayConfig(write('empty/relay.json', JSON.stringify(cfg)), testEnv));
    expect(error.problems).toEqual([`apps.demo-ios.appsflyer.key: secret file ${path.join(dir, 'empty/af.key')} is empty`]);
  });

  it('reports bad YAML by position without quoting the file', () => {
    const file = write('bad/relay.yaml', 'apps:\n  demo: { platform: ios, adjust: { appToken: "x", s2sToken: { value: leaked-secret-123 }\n');
    const error = configError(() => loadRelayConfig(file, testEnv));
    expect(error.problems[0]).toMatch(/^YAML [A-Z_]+ at line \d+, column \d+: /);
    expect(error.message).not.toContain('leaked-secret-123');
  });

  it('reports bad JSON without quoting the file', () => {
    const file = write('bad/relay.json', '{"apps": {"x": {"appsflyer": {"key": {"value": "leaked-secret-456"}}}} oops');
    const error = configError(() => loadRelayConfig(file, testEnv));
    expect(error.problems[0]).toMatch(/^not valid JSON/);
    expect(error.message).not.toContain('leaked-secret-456');
  });

  it('reports a missing file and an unknown extension', () => {
    expect(configError(() => loadRelayConfig(path.join(dir, 'nope.yaml'))).problems).toEqual(['cannot read the configuration file (ENOENT)']);
    expect(configError(() => loadRelayConfig(write('relay.toml', 'x = 1'))).problems[0]).toMatch(/unknown file type ".toml"/);
  });
});
