import { defineConfig } from 'vitest/config';

// The Docker tier, `npm run test:container`: builds the prover image and runs jobs in it. Each suite's setup
// first asks for the engine and the base image (docker-engine.ts), so without them the tier fails in seconds
// saying how to get them.
export default defineConfig({
  test: {
    include: ['test/container/**/*.test.ts'],
    testTimeout: 120_000,
    // An image build with a cold cache takes minutes.
    hookTimeout: 1_200_000,
    // One engine and two cores: image builds and proofs would fight each other.
    fileParallelism: false,
    pool: 'forks',
  },
});
