import { defineConfig } from 'vitest/config';

// Every test file starts its own engines on ephemeral ports with its own data directory, so files
// can run in parallel; two workers keep the 2-core machine responsive.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'functions/**/*.test.ts', 'local/**/*.test.ts', 'web/src/**/*.test.{ts,tsx}', 'cdk/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
