import { defineConfig } from 'vitest/config';

// Real proofs take tens of seconds each on a 2-core machine: generous timeouts, no file parallelism
// for the proving suites (they would fight over the same two cores and make each other time out).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/localstack/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 900_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
