// The `npm run emulator` entry as a real child process: banner with URL and config, a working server,
// a clean exit on SIGTERM, and a clear failure on an invalid EMULATOR_CONFIG.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call } from '../../unit/emulator/helpers';

const ROOT = resolve(__dirname, '../../..');

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const banner = new Promise<string>((res, rej) => {
    const timer = setInterval(() => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearInterval(timer);
        res(m[1]);
      }
    }, 50);
    void exited.then(() => {
      clearInterval(timer);
      rej(new Error(`exited before the banner: ${err}`));
    });
  });
  banner.catch(() => undefined); // awaited only where a banner is expected
  return { child, banner, exited, output: () => ({ out, err }) };
}

describe('emulator/main.ts', () => {
  it('prints a one-line banner, serves, and exits 0 on SIGTERM', async () => {
    const p = run({ EMULATOR_PORT: '0', EMULATOR_QUIET: '1' });
    const url = await p.banner;
    expect(p.output().out).toMatch(/config: built-in emulator\/demo-config\.json; adjust=\[4w565xzmb54d,2fm6y3pm9ahs\(auth\)\]/);
    expect(p.output().out).not.toMatch(/demo-adjust-s2s-token|demo-appsflyer-s2s-key/);
    expect((await call(`${url}/__emulator/health`)).status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }, 30_000);

  it('loads EMULATOR_CONFIG and fails clearly when it is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ adjustApps: [{ appToken: 'abcdefabcdef' }], lenientDevices: true }));
    const p = run({ EMULATOR_PORT: '0', EMULATOR_QUIET: '1', EMULATOR_CONFIG: good });
    await p.banner;
    expect(p.output().out).toContain(good);
    expect(p.output().out).toContain('lenientDevices=true');
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ adjustEventWindowDays: 'many' }));
    const q = run({ EMULATOR_PORT: '0', EMULATOR_CONFIG: bad });
    expect(await q.exited).toBe(1);
    expect(q.output().err).toMatch(/invalid EMULATOR_CONFIG .*\n\s+adjustEventWindowDays:/);
  }, 30_000);
});
