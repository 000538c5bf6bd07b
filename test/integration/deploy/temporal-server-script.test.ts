// scripts/temporal-server.sh, run for real: its help and its refusals (bad DSN, a port the server cannot
// store, drop without --yes), and against this machine's PostgreSQL a throw-away instance taken through
// start, start again (idempotent: same address, nothing rebuilt), status, stop, start on the migrated
// databases, and drop. Needs the binaries provisioned (CI does it first; locally
// `scripts/temporal-server.sh provision` once): without them the lifecycle test is skipped, saying so.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../../../domain/search-attributes';
import { freePortBlock } from '../../../worker/net';
import { dsnFor, TEMPORAL_SERVER_SCRIPT } from '../../../worker/postgres-server';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function script(args: string[], env: NodeJS.ProcessEnv = {}, timeout = 180_000): Promise<Outcome> {
  return promisify(execFile)(TEMPORAL_SERVER_SCRIPT, args, { env: { ...process.env, ...env }, timeout }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}

describe('scripts/temporal-server.sh: usage and refusals', () => {
  it('documents its commands and options in --help', async () => {
    const help = await script(['--help']);
    expect(help.code).toBe(0);
    for (const word of [
      'provision',
      'setup',
      'start',
      'run',
      'register',
      'stop',
      'status',
      'drop',
      '--dsn',
      '--port',
      '--ip',
      'S2S_TEMPORAL_PG_DSN',
      '127.0.0.1',
      'CGO_ENABLED=0 GOTOOLCHAIN=local go install go.temporal.io/server/cmd/server@v1.29.1',
    ])
      expect(help.stdout).toContain(word);
  });

  it('refuses a malformed DSN, a port the server cannot store, an unknown command, and drop without --yes', async () => {
    expect((await script(['status', '--dsn', 'mysql://x@h/db'])).stderr).toContain(
      'the PostgreSQL DSN must look like postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE',
    );
    const leaked = await script(['status', '--dsn', 'postgres://u:secret@h/db?sslmode=require']);
    expect(leaked.code).toBe(1);
    expect(leaked.stderr).not.toContain('secret');
    expect((await script(['status', '--port', '40000'])).stderr).toContain('--port must be a port number from 1 to 32758');
    expect((await script(['restart'])).stderr).toContain("unknown command 'restart'");
    const drop = await script(['drop', '--dsn', 'postgres://postgres@127.0.0.1:5432/s2s_never_created']);
    expect(drop.code).toBe(1);
    expect(drop.stderr).toContain('add --yes to confirm');
  });

  it('says "stopped" (exit 3) where nothing runs', async () => {
    const status = await script(['status'], { S2S_TEMPORAL_STATE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 's2s-ts-status-')) });
    expect(status.code).toBe(3);
    expect(status.stdout).toContain('stopped');
  });

  it('puts the test database into the DSN it is given', () => {
    expect(dsnFor('s2s_test_1', 'postgres://u:p@db.internal:6543/temporal')).toBe('postgres://u:p@db.internal:6543/s2s_test_1');
    expect(() => dsnFor('bad-name')).toThrow('database name must be letters, digits and _ only');
    expect(() => dsnFor('ok', 'postgres://h')).toThrow('S2S_TEMPORAL_PG_DSN must look like');
  });
});

describe('scripts/temporal-server.sh: lifecycle on PostgreSQL', () => {
  const database = `s2s_script_${randomBytes(4).toString('hex')}`;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-ts-lifecycle-'));
  let env: NodeJS.ProcessEnv = {};

  afterAll(async () => {
    if (env.S2S_TEMPORAL_PORT) await script(['drop', '--yes'], env);
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts, is idempotent, stops, starts again on the migrated databases, and drops them', async (ctx) => {
    const provisioned = await script(['provision'], { S2S_TEMPORAL_NO_BUILD: '1' });
    if (provisioned.code !== 0) {
      console.warn(
        '[temporal-server.sh] the server is not provisioned here: skipping the lifecycle test (run scripts/temporal-server.sh provision once; CI does)',
      );
      ctx.skip();
    }
    const port = await freePortBlock(10);
    env = { S2S_TEMPORAL_PG_DSN: dsnFor(database), S2S_TEMPORAL_PORT: String(port), S2S_TEMPORAL_STATE_DIR: stateDir, S2S_TEMPORAL_NO_BUILD: '1' };
    const address = `127.0.0.1:${port}`;

    const first = await script(['start'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe(address);
    expect(first.stderr).toContain(`databases ${database} and ${database}_visibility on 127.0.0.1:5432: schema at v1.29.1`);
    expect(first.stderr).toContain('setup: namespace default created');
    const pid = fs.readFileSync(path.join(stateDir, 'server.pid'), 'utf8').trim();

    const again = await script(['start'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(address);
    expect(again.stderr).toContain('setup: namespace default exists');
    expect(fs.readFileSync(path.join(stateDir, 'server.pid'), 'utf8').trim()).toBe(pid);
    expect((await script(['status'], env)).stdout).toContain(`serving at ${address} (pid ${pid}`);

    const connection = await Connection.connect({ address });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      for (const sa of SEARCH_ATTRIBUTE_DEFINITIONS) expect(Object.keys(customAttributes ?? {})).toContain(sa.name);
    } finally {
      await connection.close();
    }

    expect((await script(['stop'], env)).stderr).toContain(`stopped the Temporal server for ${database} (pid ${pid})`);
    expect((await script(['status'], env)).code).toBe(3);
    expect((await script(['stop'], env)).stderr).toContain('no Temporal server running');

    const restarted = await script(['start'], env);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stdout.trim()).toBe(address);
    expect(restarted.stderr).toContain('setup: namespace default exists');

    const dropped = await script(['drop', '--yes'], env);
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.stderr).toContain(`dropped databases ${database} and ${database}_visibility`);
    expect((await script(['status'], env)).code).toBe(3);
    env = {};
  });
});
