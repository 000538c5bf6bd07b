// scripts/lib/go-install.sh: a `go install` that fails once is tried again (a dropped module download must not fail
// a fresh machine's setup or a CI run); one that fails twice fails. A stand-in `go` (and `sleep`) on PATH records
// each call, so nothing is built.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../worker/paths';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Runs go_install with a `go` that fails its first `failures` calls; returns the exit code and the calls made. */
function goInstall(failures: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-go-install-'));
  dirs.push(dir);
  const log = path.join(dir, 'calls.log');
  const stub = (name: string, body: string) => fs.writeFileSync(path.join(dir, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  stub('go', `echo "go $* GOBIN=$GOBIN CGO_ENABLED=$CGO_ENABLED GOTOOLCHAIN=$GOTOOLCHAIN" >> "${log}"\n[ "$(grep -c '^go ' "${log}")" -gt ${failures} ]`);
  stub('sleep', `echo "sleep $*" >> "${log}"`);
  const script = `source "${path.join(PROJECT_ROOT, 'scripts/lib/go-install.sh')}"; go_install "${dir}/bin" example.com/tool@v1.2.3`;
  const r = spawnSync('bash', ['-c', script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, calls: fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [] };
}

describe('go_install', () => {
  it('builds static, with the local Go, into GOBIN, once when it works', () => {
    const r = goInstall(0);
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([expect.stringMatching(/^go install example\.com\/tool@v1\.2\.3 GOBIN=\S+\/bin CGO_ENABLED=0 GOTOOLCHAIN=local$/)]);
  });

  it('tries once more after a pause when the first try fails, and says so', () => {
    const r = goInstall(1);
    expect(r.status).toBe(0);
    expect(r.calls.map((c) => c.split(' ')[0])).toEqual(['go', 'sleep', 'go']);
    expect(r.calls[1]).toBe('sleep 10');
    expect(r.stderr).toContain('go install example.com/tool@v1.2.3 failed; trying once more in 10 s');
  });

  it('fails when both tries fail', () => {
    const r = goInstall(2);
    expect(r.status).toBe(1);
    expect(r.calls.map((c) => c.split(' ')[0])).toEqual(['go', 'sleep', 'go']);
  });
});
