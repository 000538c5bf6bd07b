// The worker image without a Docker engine: the Dockerfile read statically (stages, npm ci / --omit=dev,
// non-root USER, CMD, what is copied and what .dockerignore lets through), then its build and run steps
// reproduced in a temp directory laid out like the image's /app: `npm run build`, the prebuilt workflow
// bundle, a clear failure without S2S_APP_CONFIG, and the compiled worker serving the dev server.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../../worker/paths';
import { contextCopySources, readDockerfile, stageEnv, type Stage } from './dockerfile';

const run = promisify(execFile);
const { stages, args } = readDockerfile();
const stage = (name: string): Stage => {
  const s = stages.find((x) => x.name === name);
  if (!s) throw new Error(`Dockerfile has no stage "${name}"`);
  return s;
};
const commands = (s: Stage, op: string) => s.instructions.filter((i) => i.op === op).map((i) => i.args);
const build = stage('build');
const runtime = stages.at(-1) as Stage;

describe('Dockerfile, statically', () => {
  it('builds in one stage and runs from another, on a pinned glibc Node image', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    for (const s of stages) expect(s.from).toBe(args.NODE_IMAGE);
    const version = /^node:(\d+)\.(\d+)\.(\d+)-(bookworm|bullseye|trixie)(-slim)?$/.exec(args.NODE_IMAGE ?? '');
    expect(version, `NODE_IMAGE ${args.NODE_IMAGE} must be a pinned Debian node image`).not.toBeNull();
    // The image's Node satisfies package.json "engines".
    const engines = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).engines.node as string;
    const [major, minor, patch] = (/>=\s*(\d+)\.(\d+)\.(\d+)/.exec(engines) ?? []).slice(1).map(Number) as [number, number, number];
    const [imgMajor, imgMinor, imgPatch] = [Number(version?.[1]), Number(version?.[2]), Number(version?.[3])];
    expect(imgMajor * 1e6 + imgMinor * 1e3 + imgPatch).toBeGreaterThanOrEqual(major * 1e6 + minor * 1e3 + patch);
  });

  it('installs everything and compiles in the build stage', () => {
    const runs = commands(build, 'RUN').join('\n');
    expect(runs).toMatch(/npm ci\b(?!.*--omit=dev)/);
    expect(runs).toContain('npm run build');
    expect(runs).toContain('node dist/worker/build-bundle.js dist/workflow-bundle.js');
  });

  it('installs production dependencies only in the runtime stage, without install scripts', () => {
    const runs = commands(runtime, 'RUN').join('\n');
    expect(runs).toMatch(/npm ci .*--omit=dev/);
    for (const s of stages) for (const r of commands(s, 'RUN').filter((c) => c.includes('npm ci'))) expect(r).toContain('--ignore-scripts');
  });

  it('copies dist/ from the build and config/ for the app configuration', () => {
    const copies = commands(runtime, 'COPY');
    expect(copies).toContain('--from=build /app/dist ./dist');
    expect(contextCopySources(runtime)).toEqual(expect.arrayContaining(['config', 'package.json', 'package-lock.json']));
    expect(commands(runtime, 'WORKDIR')).toEqual(['/app']);
  });

  it('runs as a non-root user, after every RUN', () => {
    const users = commands(runtime, 'USER');
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^(root|0)(:|$)/);
    const userAt = runtime.instructions.findIndex((i) => i.op === 'USER');
    expect(runtime.instructions.slice(userAt).some((i) => i.op === 'RUN')).toBe(false);
  });

  it('starts the compiled worker from its prebuilt bundle', () => {
    expect(commands(runtime, 'CMD')).toEqual(['["node", "dist/worker/main.js"]']);
    expect(stageEnv(runtime).S2S_WORKFLOW_BUNDLE).toBe('/app/dist/workflow-bundle.js');
    expect(stageEnv(runtime).NODE_ENV).toBe('production');
    expect(commands(runtime, 'EXPOSE')).toEqual([stageEnv(runtime).S2S_METRICS_PORT]);
    expect(commands(runtime, 'STOPSIGNAL')).toEqual(['SIGTERM']);
  });

  it('copies the files the build needs', () => {
    const copied = contextCopySources(build);
    for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json']) expect(copied).toContain(file);
  });
});

describe('.dockerignore', () => {
  const patterns = fs
    .readFileSync(path.join(PROJECT_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  /** Docker's rule: the last matching pattern wins; `!` re-includes. */
  const included = (p: string): boolean => {
    let keep = true;
    for (const raw of patterns) {
      const negate = raw.startsWith('!');
      const pattern = (negate ? raw.slice(1) : raw).replace(/\/$/, '');
      if (pattern === '*' || p === pattern || p.startsWith(`${pattern}/`)) keep = negate;
    }
    return keep;
  };

  it('lets through everything the Dockerfile copies from the context, and it exists', () => {
    for (const s of stages) {
      for (const source of contextCopySources(s)) {
        expect(fs.existsSync(path.join(PROJECT_ROOT, source)), `${source} exists`).toBe(true);
        expect(included(source), `${source} is not excluded by .dockerignore`).toBe(true);
      }
    }
  });

  it('keeps local state and secrets out of the build context', () => {
    for (const p of ['node_modules', 'dist', '.data', '.git', '.env', 'test', 'artifacts', 'coverage', 'client.key']) expect(included(p), p).toBe(false);
  });
});

describe('the image build and start, reproduced without Docker', () => {
  let app: string;
  beforeAll(() => {
    // Like the image's /app: package.json, node_modules, config/ and (after the build) dist/.
    app = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-relay-image-'));
    fs.copyFileSync(path.join(PROJECT_ROOT, 'package.json'), path.join(app, 'package.json'));
    fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(app, 'node_modules'), 'dir');
    fs.cpSync(path.join(PROJECT_ROOT, 'config'), path.join(app, 'config'), { recursive: true });
  });
  afterAll(() => {
    if (app) fs.rmSync(app, { recursive: true, force: true });
  });

  const node = (script: string, env: NodeJS.ProcessEnv) =>
    run(process.execPath, [script], { cwd: app, env: { PATH: process.env.PATH, NODE_ENV: 'production', ...env }, timeout: 60_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('`npm run build` emits the worker, the workflows and the emulator; the bundle builds from dist/', async () => {
    await run('npm', ['run', 'build', '--', '--outDir', path.join(app, 'dist')], { cwd: PROJECT_ROOT, timeout: 120_000 });
    for (const file of [
      'worker/main.js',
      'workflows/index.js',
      'worker/build-bundle.js',
      'emulator/main.js',
      'emulator/demo-config.json',
      'client/cli.js',
      'codec/main.js',
    ]) {
      expect(fs.existsSync(path.join(app, 'dist', file)), file).toBe(true);
    }
    const usage = await node('dist/worker/build-bundle.js', {});
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: node dist/worker/build-bundle.js <out-file>');
    // Same command line as the Dockerfile's build stage.
    const out = await run(process.execPath, ['dist/worker/build-bundle.js', 'dist/workflow-bundle.js'], { cwd: app, timeout: 60_000 });
    expect(out.stdout).toContain('workflow bundle written to dist/workflow-bundle.js');
    expect(fs.statSync(path.join(app, 'dist', 'workflow-bundle.js')).size).toBeGreaterThan(10_000);
  }, 150_000);

  it('the build stage copies every source directory the compiled entry points reach', () => {
    // Follow the relative require()s of the compiled worker, bundle builder, workflows, emulator and CLI: every
    // project directory they reach must be one the build stage copies, or `npm run build` breaks in Docker.
    const dist = path.join(app, 'dist');
    const seen = new Set<string>();
    const queue = ['worker/main.js', 'worker/build-bundle.js', 'workflows/index.js', 'emulator/main.js', 'client/cli.js', 'codec/main.js'].map((f) =>
      path.join(dist, f),
    );
    while (queue.length > 0) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      if (!file.endsWith('.js')) continue;
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
        const target = path.resolve(path.dirname(file), m[1] as string);
        const found = [target, `${target}.js`, path.join(target, 'index.js')].find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
        expect(found, `${m[1]} required by ${path.relative(dist, file)}`).toBeDefined();
        queue.push(found as string);
      }
    }
    const reached = new Set([...seen].map((f) => path.relative(dist, f).split(path.sep)[0] as string));
    expect(reached.size).toBeGreaterThan(3);
    const copied = contextCopySources(build);
    for (const top of reached) expect(copied, `the build stage must COPY ${top}`).toContain(top);
  });

  it('the compiled worker fails clearly without S2S_APP_CONFIG or with a bad address', async () => {
    const missing = await node('dist/worker/main.js', {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      's2s-relay worker: invalid worker settings: S2S_APP_CONFIG: S2S_APP_CONFIG is required: the path of the app configuration file (JSON or YAML), e.g. config/demo.yaml\n',
    );
    const badAddress = await node('dist/worker/main.js', { TEMPORAL_ADDRESS: 'temporal', S2S_APP_CONFIG: 'config/demo.yaml' });
    expect(badAddress.code).toBe(1);
    expect(badAddress.stderr).toContain('invalid Temporal connection settings: TEMPORAL_ADDRESS: must be host:port');
    const badFile = await node('dist/worker/main.js', { S2S_APP_CONFIG: 'config/missing.yaml' });
    expect(badFile.stderr).toContain('cannot read the configuration file (ENOENT)');
  });

  it('the compiled worker serves the dev server from the prebuilt bundle, encrypting with S2S_PAYLOAD_KEYS, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['dist/worker/main.js'], {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: `image-${randomUUID()}`,
        S2S_APP_CONFIG: 'config/demo.yaml',
        S2S_WORKFLOW_BUNDLE: path.join(app, 'dist', 'workflow-bundle.js'),
        DEMO_APPSFLYER_KEY: 'k',
        DEMO_ADJUST_ANDROID_S2S_TOKEN: 't',
        S2S_PAYLOAD_KEYS: process.env.S2S_PAYLOAD_KEYS,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 45_000;
    while (!output.includes('"msg":"s2s-relay worker running"')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the worker did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output).toContain('"payloadEncryption":"on: AES-256-GCM (aes-256-gcm+hkdf-sha256/v1) with key \\"test-run\\"');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('shutting down: finishing in-flight sends');
  });

  it('the compiled codec server starts from dist/ and refuses to run without a token', async () => {
    const refused = await node('dist/codec/main.js', { S2S_PAYLOAD_KEYS: process.env.S2S_PAYLOAD_KEYS });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('s2s-relay codec server: invalid codec server settings: S2S_CODEC_TOKEN: is required');
  });
});
