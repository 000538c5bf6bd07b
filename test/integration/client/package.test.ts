// The installable client package, end to end: `npm run build:client`'s build and pack, the tarball installed
// into a fresh npm project (a backend in another repository), and from there a CommonJS and an ES module
// script sign a user up and track a purchase against the run's Temporal server (a relay worker from
// test/helpers/relay.ts answers on the task queue they use); the emulator records both deliveries. Bad
// messages throw RelayInputError / RelayRejectedError, caught with the package's own classes; TypeScript
// under moduleResolution nodenext type-checks a backend's file; the installed tree holds no worker.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildClient, packClient, ROOT, type PackResult } from '../../../scripts/build-client';
import { secondsAgo } from '../../helpers/events';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { iosInstall, registerInstall } from '../../helpers/users';
import { CJS_CONSUMER, createConsumerProject, ESM_CONSUMER, TS_CONFIG, TS_CONSUMER, type ConsumerProject } from './consumer-project';

const rootPackage = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
/** The payload codec (payload encryption) serialises payloads with @temporalio/proto. */
const CLIENT_DEPENDENCIES = ['@temporalio/client', '@temporalio/common', '@temporalio/proto', '@temporalio/workflow', 'zod'];
/** Packages of the relay's server side and tooling that must never reach a backend through the client. */
const NEVER_INSTALLED = [
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
  '@swc/core',
  'webpack',
  'undici',
  'yaml',
  'vitest',
  'tsx',
  'typescript',
  'playwright-core',
];

let relay: RelayHarness | undefined;
let project: ConsumerProject | undefined;
let packed: PackResult;
let packDir: string;
let exportNames: string[];
let typeCheck: Promise<{ ok: boolean; output: string }>;
const ms: Record<string, number> = {};

beforeAll(async () => {
  packDir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-client-pack-'));
  const starting = startRelay().then((r) => (relay = r));
  let t = Date.now();
  exportNames = (await buildClient({ sync: false })).exportNames;
  ms.build = Date.now() - t;
  t = Date.now();
  packed = await packClient(packDir);
  ms.pack = Date.now() - t;
  t = Date.now();
  project = await createConsumerProject(packed.tarball, rootPackage.devDependencies['@types/node'] as string);
  ms.install = Date.now() - t;
  fs.writeFileSync(path.join(project.dir, 'consumer.cjs'), CJS_CONSUMER);
  fs.writeFileSync(path.join(project.dir, 'consumer.mjs'), ESM_CONSUMER);
  fs.writeFileSync(path.join(project.dir, 'check.mts'), TS_CONSUMER);
  fs.writeFileSync(path.join(project.dir, 'check.cts'), TS_CONSUMER);
  fs.writeFileSync(path.join(project.dir, 'tsconfig.json'), JSON.stringify(TS_CONFIG, null, 2));
  // The type check runs while the scripts talk to Temporal (it only reads the project).
  const started = Date.now();
  typeCheck = promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project.dir], { cwd: project.dir })
    .then(({ stdout }) => ({ ok: true, output: stdout }))
    .catch((error: { stdout?: string; message: string }) => ({ ok: false, output: error.stdout || error.message }))
    .finally(() => (ms.typeCheck = Date.now() - started));
  await starting;
}, 300_000);

afterAll(async () => {
  console.log(`[client package] build ${ms.build} ms, pack ${ms.pack} ms, npm install ${ms.install} ms, tsc ${ms.typeCheck} ms`);
  await typeCheck?.catch(() => undefined);
  project?.remove();
  if (packDir) fs.rmSync(packDir, { recursive: true, force: true });
  await relay?.stop();
});

interface Refusal {
  thrown: boolean;
  name?: string;
  type?: string;
  message?: string;
  issues?: Array<{ path: string; message: string }>;
  reason?: string;
  relayError?: boolean;
  inputError?: boolean;
  rejectedError?: boolean;
}
interface ConsumerOutput {
  signup: { status: string; userId: string; app: string };
  track: { status: string; kind: string; id: string; deliveries: Array<{ destination: string; deliveryId: string }> };
  refused: Record<'local' | 'workflow' | 'rejected', Refusal>;
  sameClassAsRequire?: boolean;
  esmNames?: string[];
  cjsNames?: string[];
}

/** Runs one consumer script for a new user and checks what it answered, what the emulator got and what the workflow kept. */
async function runConsumer(script: string): Promise<ConsumerOutput> {
  const r = relay as RelayHarness;
  const install = iosInstall();
  registerInstall(r.emulator, install);
  const purchase = { userId: install.userId, eventId: 'evt_pkg_1', name: 'purchase', occurredAt: secondsAgo(30), revenue: '4.99', currency: 'USD' };
  const stdout = await (project as ConsumerProject).node(script, {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: r.taskQueue,
    // The workers encrypt payloads: the package's client encrypts with the same keys (RelayClient.connect reads them).
    S2S_PAYLOAD_KEYS: process.env.S2S_PAYLOAD_KEYS ?? '',
    S2S_CONSUMER_INPUT: JSON.stringify({ install, purchase }),
  });
  const out = JSON.parse(stdout) as ConsumerOutput;

  expect(out.signup).toMatchObject({ status: 'signed-up', userId: install.userId, app: 'demo-ios' });
  expect(out.track).toMatchObject({ status: 'accepted', kind: 'track', id: 'evt_pkg_1' });
  expect(out.track.deliveries.map((d) => d.destination).sort()).toEqual(['adjust', 'appsflyer']);
  for (const delivery of out.track.deliveries) {
    const [request] = await waitFor(`${delivery.destination} request of ${script}`, () => {
      const found = r.emulator.requests({ deliveryId: delivery.deliveryId });
      return found.length > 0 ? found : undefined;
    });
    expect(request).toMatchObject({ vendor: delivery.destination, status: 200, revenue: '4.99', currency: 'USD' });
  }

  const { local, workflow, rejected } = out.refused;
  expect(local).toMatchObject({ thrown: true, name: 'RelayInputError', type: 'RelayInputError', relayError: true, inputError: true, rejectedError: false });
  expect(local.issues?.map((i) => i.path).sort()).toEqual(['occurredAt', 'revenue']);
  expect(local.issues?.find((i) => i.path === 'occurredAt')?.message).toMatch(/not a real date: 2026-02 has 28 days, not 30/);
  expect(workflow).toMatchObject({ thrown: true, name: 'RelayInputError', relayError: true, inputError: true });
  expect(workflow.issues).toEqual([{ path: 'revenue', message: expect.stringMatching(/must be at least 0\.001 for Adjust revenue event p4rch1/) }]);
  expect(rejected).toMatchObject({
    thrown: true,
    name: 'RelayRejectedError',
    type: 'RelayRejectedError',
    reason: 'unknown-purchase',
    relayError: true,
    inputError: false,
    rejectedError: true,
  });
  expect(rejected.issues?.[0]?.path).toBe('purchaseEventId');
  // The refused messages recorded nothing.
  const status = await r.client.status(install.userId);
  expect(status.counters.received).toBe(1);
  return out;
}

describe('the packed client package (@s2s-relay/client)', () => {
  it('installs from its tarball with the client dependencies only: no worker, no server-side packages', async () => {
    const p = project as ConsumerProject;
    const manifest = JSON.parse(fs.readFileSync(path.join(p.dir, 'node_modules', '@s2s-relay', 'client', 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      exports: unknown;
    };
    expect(Object.keys(manifest.dependencies).sort()).toEqual(CLIENT_DEPENDENCIES);
    const installed = await p.installedPackages();
    for (const name of NEVER_INSTALLED) expect(installed.has(name), `${name} is installed with the client`).toBe(false);
    for (const name of CLIENT_DEPENDENCIES) expect(installed.has(name), `${name} is missing`).toBe(true);
    const bytes = p.installedBytes();
    const names = [...installed.keys()].filter((n) => n !== '@types/node' && n !== 'undici-types').sort();
    console.log(
      `[client package] ${path.basename(packed.tarball)}: ${(packed.size / 1024).toFixed(1)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${packed.entryCount} files; ` +
        `installed with its dependencies: ${(bytes / 1024 / 1024).toFixed(1)} MiB in ${names.length} packages (without @types/node): ${names.join(', ')}`,
    );
    // The issue measured about 277 MB for the old package with the worker; the client must stay far below.
    expect(bytes).toBeLessThan(80 * 1024 * 1024);
    expect(packed.unpackedSize).toBeLessThan(1024 * 1024);
  });

  it("works from a CommonJS script: signs up, tracks, and refusals are the package's own errors", async () => {
    await runConsumer('consumer.cjs');
  }, 90_000);

  it('works from an ES module script, with the same classes as require() and every named export', async () => {
    const out = await runConsumer('consumer.mjs');
    expect(out.sameClassAsRequire).toBe(true);
    expect(out.esmNames).toEqual(out.cjsNames);
    expect(out.esmNames).toEqual(exportNames);
  }, 90_000);

  it("type-checks a backend's TypeScript (moduleResolution nodenext, ESM and CommonJS files) against its declarations", async () => {
    const result = await typeCheck;
    const errors = result.output.split('\n').filter((line) => /error TS\d+/.test(line));
    // Temporal's own declarations reference the untyped `ms` and `source-map` packages (skipLibCheck: true hides
    // that, as in most projects); any other error, in the package or in the backend's files, fails.
    if (!result.ok) expect(errors.length, `tsc failed without type errors:\n${result.output}`).toBeGreaterThan(0);
    const ours = errors.filter((line) => !line.startsWith('node_modules/@temporalio/'));
    expect(ours, result.output).toEqual([]);
    if (errors.length > 0) console.log(`[client package] tsc with skipLibCheck false: ${errors.length} errors in Temporal's own declarations only`);
  }, 120_000);
});
