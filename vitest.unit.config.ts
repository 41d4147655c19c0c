import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * The fast loop, `npm run test:unit` (< 1 min): suites that run no real proofs, no CDK CLI and no whole
 * pipeline. Listed one by one on purpose: a new suite runs in `npm test` and joins this list once it runs in
 * seconds, so a slow one never creeps into the loop. Everything here also runs in `npm test`.
 */
export const UNIT_SUITES = [
  'test/config.test.ts',
  'test/aws/batch-prewarm.test.ts',
  'test/aws/memory-artifact-store.test.ts',
  'test/aws/s3-artifact-store.test.ts',
  'test/bb-remote/aws-batch-remote.test.ts',
  'test/bb-remote/bb-argv.test.ts',
  'test/bb-remote/bb-version.test.ts',
  'test/bb-remote/config.test.ts',
  'test/bb-remote/job-runner-records.test.ts',
  'test/broker/broker.test.ts',
  'test/cli/prove-block.test.ts',
  'test/cli/status.test.ts',
  'test/infra/artifact-bucket.test.ts',
  'test/infra/chain-poller.test.ts',
  'test/infra/instance-capacity.test.ts',
  'test/infra/l1-submitter.test.ts',
  'test/infra/lambda-contracts.test.ts',
  'test/infra/prewarm.test.ts',
  'test/infra/prover-compute.test.ts',
  'test/infra/prover-function.test.ts',
  'test/infra/prover-image.test.ts',
  'test/infra/prover-job-definitions.test.ts',
  'test/infra/prover-network.test.ts',
  'test/infra/prover-observability.test.ts',
  'test/infra/prover-stack.test.ts',
  'test/infra/proving-workflow.test.ts',
  'test/infra/workflow-definition.test.ts',
  'test/l1/compile-contracts.test.ts',
  'test/l1/l1-unavailable.test.ts',
  'test/l1/root-public-inputs.test.ts',
  'test/local/chaos-plan.test.ts',
  'test/local/progress.test.ts',
  'test/model/model-cli.test.ts',
  'test/model/prewarm-default.test.ts',
  'test/model/simulate.test.ts',
  'test/pipeline/plan-writes.test.ts',
  'test/protocols/aztec/l1.test.ts',
  'test/protocols/aztec/tree.test.ts',
  'test/protocols/devnet-tree.test.ts',
  'test/protocols/l1-adapters.test.ts',
  'test/proving/bench-report.test.ts',
  'test/proving/critical-path.test.ts',
  'test/proving/graph.test.ts',
  'test/proving/job-id.test.ts',
  'test/proving/job-runner.test.ts',
  'test/proving/keys.test.ts',
  'test/proving/levels.test.ts',
  'test/proving/plan-cli.test.ts',
  'test/proving/planner.test.ts',
];

// A renamed or deleted suite must leave this list too, or the loop would silently shrink.
const missing = UNIT_SUITES.filter((path) => !existsSync(new URL(path, import.meta.url)));
if (missing.length > 0) throw new Error(`vitest.unit.config.ts lists suites that do not exist: ${missing.join(', ')}`);

// Most of a unit file's time is importing aws-cdk-lib, viem and Aztec's packages, so files share their workers'
// module cache (isolate: false; test/restore-env.ts gives each file a clean process.env) and run in parallel.
export default defineConfig({
  test: {
    include: UNIT_SUITES,
    setupFiles: ['test/restore-env.ts'],
    isolate: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
