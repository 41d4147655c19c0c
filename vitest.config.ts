import { defineConfig } from 'vitest/config';

/**
 * Test tiers (README "Develop"):
 *   npm test                 this config: everything that needs only what `npm ci` installs (real bb, anvil,
 *                            s3rver, the local engine, synth) — not the Docker or LocalStack tiers;
 *   npm run test:unit        the fast loop: the suites of this tier listed in vitest.unit.config.ts;
 *   npm run test:container   test/container/** against a Docker engine (vitest.container.config.ts);
 *   npm run test:localstack  test/localstack/** against LocalStack (vitest.localstack.config.ts);
 *   npm run test:epoch       test/epoch/**: an Aztec epoch through the broker, in Docker (vitest.epoch.config.ts).
 */

// Real proofs take tens of seconds each on a 2-core machine: generous timeouts, no file parallelism
// for the proving suites (they would fight over the same two cores and make each other time out).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Their own tiers: they need a Docker engine or LocalStack.
    exclude: ['test/container/**', 'test/localstack/**', 'test/epoch/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 900_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
