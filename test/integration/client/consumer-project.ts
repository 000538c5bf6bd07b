// A backend in another repository, as the package test builds it: a temporary npm project that installs the
// packed client from its tarball, plus the scripts it runs (CommonJS, ES module, TypeScript under nodenext).
// The scripts import nothing but @s2s-relay/client: no Temporal class is needed to tell refusals apart.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface ConsumerProject {
  dir: string;
  /** Runs a script of the project with node; answers its stdout (throws with stderr on failure). */
  node(script: string, env: Record<string, string>): Promise<string>;
  /** Every package installed, by name, with the versions found. */
  installedPackages(): Promise<Map<string, Set<string>>>;
  /** Bytes of node_modules, without the packages the test itself added (@types/node and its undici-types). */
  installedBytes(): number;
  remove(): void;
}

/** Creates the project and installs the tarball (and @types/node for the type check) from the npm cache or registry. */
export async function createConsumerProject(tarball: string, typesNodeVersion: string): Promise<ConsumerProject> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-client-consumer-'));
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'relay-consumer', private: true, version: '1.0.0' }, null, 2)}\n`);
  try {
    await exec(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball, `@types/node@${typesNodeVersion}`],
      { cwd: dir, timeout: 180_000 },
    );
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`npm install of the packed client failed in ${dir} (the npm registry or cache must be reachable): ${e.stderr || e.message}`);
  }
  return {
    dir,
    async node(script, env) {
      try {
        return (
          await exec(process.execPath, [script], {
            cwd: dir,
            env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.homedir(), ...env },
            timeout: 60_000,
          })
        ).stdout;
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string; message: string };
        throw new Error(`${script} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
      }
    },
    async installedPackages() {
      const { stdout } = await exec('npm', ['ls', '--all', '--json'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
      const found = new Map<string, Set<string>>();
      const walk = (deps: Record<string, { version?: string; dependencies?: Record<string, unknown> }> | undefined) => {
        for (const [name, node] of Object.entries(deps ?? {})) {
          found.set(name, (found.get(name) ?? new Set()).add(node.version ?? '?'));
          walk(node.dependencies as typeof deps);
        }
      };
      walk((JSON.parse(stdout) as { dependencies?: Record<string, { version?: string }> }).dependencies);
      return found;
    },
    installedBytes() {
      const modules = path.join(dir, 'node_modules');
      const ours = [path.join(modules, '@types'), path.join(modules, 'undici-types')];
      return fs
        .readdirSync(modules, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && !ours.some((o) => e.parentPath.startsWith(o)))
        .reduce((sum, e) => sum + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What each consumer script does once it has the package's exports: sign up, track, and three refusals. */
const BODY = `
async function main() {
  const input = JSON.parse(process.env.S2S_CONSUMER_INPUT);
  const relay = await RelayClient.connect(); // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE
  const out = { refused: {} };
  try {
    out.signup = await relay.signup(input.install);
    out.track = await relay.track(input.purchase);
    const calls = {
      // Caught in this process: revenue is a number and 30 February does not exist.
      local: () => relay.track({ ...input.purchase, eventId: input.purchase.eventId + '-bad', revenue: 4.99, occurredAt: '2026-02-30T10:00:00Z' }),
      // Caught by the workflow, which knows the app: Adjust takes no revenue under 0.001.
      workflow: () => relay.track({ ...input.purchase, eventId: input.purchase.eventId + '-tiny', revenue: '0.0001' }),
      // Valid, but the user's state refuses it: no such purchase.
      rejected: () => relay.refund({ userId: input.install.userId, refundId: 'rf_unknown', purchaseEventId: 'evt_never_bought', amount: '1.00', currency: 'USD', occurredAt: input.purchase.occurredAt }),
    };
    for (const [what, call] of Object.entries(calls)) {
      try {
        await call();
        out.refused[what] = { thrown: false };
      } catch (error) {
        out.refused[what] = {
          thrown: true, name: error.name, type: error.type, message: error.message, issues: error.issues, reason: error.reason,
          relayError: error instanceof RelayError, inputError: error instanceof RelayInputError, rejectedError: error instanceof RelayRejectedError,
        };
      }
    }
    EXTRA
  } finally {
    await relay.close();
  }
  process.stdout.write(JSON.stringify(out));
}
main().catch((error) => { console.error(error); process.exit(1); });
`;

const NAMES = '{ RelayClient, RelayError, RelayInputError, RelayRejectedError }';

export const CJS_CONSUMER = `'use strict';\nconst ${NAMES} = require('@s2s-relay/client');\n${BODY.replace('EXTRA', '')}`;

export const ESM_CONSUMER = `import ${NAMES} from '@s2s-relay/client';\nimport { createRequire } from 'node:module';\n${BODY.replace(
  'EXTRA',
  `const required = createRequire(import.meta.url)('@s2s-relay/client');
    out.sameClassAsRequire = required.RelayInputError === RelayInputError;
    out.esmNames = Object.keys(await import('@s2s-relay/client')).sort();
    out.cjsNames = Object.keys(required).filter((n) => n !== '__esModule').sort();`,
)}`;

/** TypeScript a backend writes; the @ts-expect-error lines fail the check if the package's types were `any`. */
export const TS_CONSUMER = `import { RelayClient, RelayInputError, RelayRejectedError, checkInput, userWorkflowId, updates, OPS_QUERIES, LIMITS, type Track, type MessageAnswer, type SignupAnswer, type FieldIssue } from '@s2s-relay/client';

const track: Track = { userId: 'user_42', eventId: 'evt_1', name: 'purchase', occurredAt: '2026-01-01T00:00:00Z', revenue: '4.99', currency: 'USD' };
// @ts-expect-error revenue is an exact decimal string, never a number
export const badRevenue: Track = { ...track, revenue: 4.99 };
// @ts-expect-error a track has no field "amount"
export const badField: Track = { ...track, amount: '1' };

export async function send(relay: RelayClient): Promise<[SignupAnswer['status'], MessageAnswer['status']]> {
  const signup = await relay.signup({ userId: 'user_42', app: 'demo-ios', platform: 'ios', installedAt: '2026-01-01T00:00:00Z' });
  const answer = await relay.track(checkInput('track', track));
  // @ts-expect-error an answer's status is 'accepted' or 'duplicate'
  const wrong: 'delivered' = answer.status;
  void wrong;
  return [signup.status, answer.status];
}

export function describe(error: unknown): FieldIssue[] | string | undefined {
  if (error instanceof RelayInputError) return error.issues;
  if (error instanceof RelayRejectedError) return error.reason;
  return undefined;
}

export const facts: [string, string, string, number] = [userWorkflowId('user_42'), updates.track.name, OPS_QUERIES.deadLetters, LIMITS.messageBytes];
`;

export const TS_CONFIG = {
  compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
  files: ['check.mts', 'check.cts'],
};
