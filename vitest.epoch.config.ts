import { defineConfig } from 'vitest/config';

// The epoch tier, `npm run test:epoch`: an epoch of Aztec's own orchestrator proven through the broker, in the
// Debian 13 base image (Docker). ~35 min and ~22 GB on 2 cores, most of it the 2^24-row root rollup. Without the
// engine or base image the script fails in seconds saying how to get them.
export default defineConfig({
  test: {
    include: ['test/epoch/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 3_600_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
