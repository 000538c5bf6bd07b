// Test runner configuration, four projects:
// - unit: pure tests of the contract, builders, workflow classes, codec, emulator rules, harness logic and
//   docs; no server, seconds (`npm run test:unit`); its files share one module cache per thread (isolate:
//   false: each file no longer re-imports zod, the contract and the SDK, 27 s -> 7 s here), so a unit test must
//   not leave global state behind;
// - unit-frozen: the one unit test that cannot help it (it deep-freezes the shared domain modules as the
//   workflow sandbox does), with module instances of its own;
// - integration: the real relay against one real Temporal server for the whole run (test/setup/temporal-
//   server.ts): the dev server by default, the PostgreSQL-backed production server with
//   S2S_TEST_TEMPORAL=postgres (`npm run test:cluster`), which leaves out the few tests that need the dev
//   server itself;
// - privacy-scan: runs after the integration tests on the same server, reads every history they wrote and fails
//   the run if it finds personal data in clear.
// Payloads are encrypted as in production: the run sets S2S_PAYLOAD_KEYS to a fresh random key, which every
// harness, worker process and CLI the tests start picks up. `npm test` runs all three.
import { randomBytes } from 'node:crypto';
import { configDefaults, defineConfig } from 'vitest/config';

const postgres = process.env.S2S_TEST_TEMPORAL === 'postgres';

// Kept in this process's environment: vitest may evaluate this file more than once per run, and every project
// (and every process the tests start) must get the same key.
process.env.S2S_TEST_PAYLOAD_KEYS ??= `test-run:${randomBytes(32).toString('base64')}`;
const payloadKeys = process.env.S2S_TEST_PAYLOAD_KEYS;

/** The unit test that deep-freezes the shared domain modules (its own project: see below). */
const FROZEN_MODULES_TEST = 'test/unit/domain/shared-modules.test.ts';

/** Left out of a run against the PostgreSQL-backed server, and why. */
const DEV_SERVER_ONLY: Record<string, string> = {
  // temporal-server has no Web UI (the UI is a separate server, temporalio/ui); the dev server embeds one.
  'test/integration/ops/ui.test.ts': 'drives the Temporal Web UI that the dev server embeds',
  'test/integration/ops/codec-ui.test.ts': 'drives the Temporal Web UI that the dev server embeds',
  // `npm start` starts and stops dev servers of its own; this file never uses the shared server.
  'test/integration/deploy/start.test.ts': 'tests `npm start`, whose embedded stack is the dev server',
};

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    env: { S2S_PAYLOAD_KEYS: payloadKeys },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: [...configDefaults.exclude, FROZEN_MODULES_TEST],
          testTimeout: 20_000,
          pool: 'threads',
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Deep-freezes the shared domain modules as the workflow sandbox does, for good: with the unit project's
        // shared module cache, a file run after it in the same thread would meet frozen schemas (zod's JSON
        // Schema export writes to them). So it gets module instances of its own.
        extends: true,
        test: { name: 'unit-frozen', include: [FROZEN_MODULES_TEST], testTimeout: 20_000, pool: 'threads', isolate: true, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...(postgres ? Object.keys(DEV_SERVER_ONLY) : [])],
          globalSetup: ['test/setup/temporal-server.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'privacy-scan',
          include: ['test/privacy-scan/**/*.test.ts'],
          globalSetup: ['test/setup/temporal-server.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
