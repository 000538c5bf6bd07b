// Test runner configuration: one real Temporal dev server for the whole run (test/setup/temporal-server.ts),
// shared by integration tests through the TEMPORAL_TEST_ADDRESS environment variable.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/temporal-server.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
