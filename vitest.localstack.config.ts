import { defineConfig } from 'vitest/config';

// The LocalStack tier: one LocalStack for the whole run (started by globalSetup on the host, or the one at
// LOCALSTACK_ENDPOINT). Files run one at a time: they share that LocalStack and its SFN mock config file.
export default defineConfig({
  test: {
    include: ['test/localstack/**/*.test.ts'],
    globalSetup: ['test/localstack/global-setup.ts'],
    testTimeout: 60_000,
    // The first run installs the pinned LocalStack runtime (~1.5 min with a warm pip cache).
    hookTimeout: 600_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
