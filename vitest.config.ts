import { defineConfig } from 'vitest/config';

// Every test file starts its own engines on ephemeral ports with its own data directory, so files
// can run in parallel; two workers keep the 2-core machine responsive.
export default defineConfig({
  test: {
    include: [
      'test/**/*.test.ts',
      'contracts/**/*.test.ts',
      'functions/**/*.test.ts',
      'local/**/*.test.ts',
      'web/src/**/*.test.{ts,tsx}',
      'cdk/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // MOLAM_TEST_NOW places the run at a chosen instant (npm run test:calendar); a no-op otherwise.
    setupFiles: ['test/support/shifted-clock.mjs'],
    env: {
      // Lambda runs Node 22; the SDK's "Node 20 support ends" notice would repeat in every file.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_METRICS_DISABLED: 'true',
      LOG_LEVEL: 'WARN',
    },
  },
});
