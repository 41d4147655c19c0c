/**
 * The stack's default pre-warm (lib/config.ts DEFAULT_PREWARM_VCPUS) is the capacity model's recommendation: the
 * peak vCPUs of the profile's unit of work run warm — the scenarios `npm run bench:model` pre-warms with the same
 * figures.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PREWARM_VCPUS } from '../../lib/config.ts';
import { aztecEpoch, warmPeakVcpus } from '../../lib/model/bench.ts';
import { DEFAULT_THREAD_SCALING_EXPONENT, defaultDurations } from '../../lib/model/durations.ts';
import { ISSUE_14_BASELINE, MAP_CONCURRENCY, PLAN_WRITE_PARALLELISM, SUBMIT_JOB_RETRY } from '../../lib/model/fixes.ts';
import { AWS_LATENCIES } from '../../lib/model/latencies.ts';
import { DEFAULT_DEPLOYMENT, type Scenario } from '../../lib/model/scenario.ts';
import { buildWorkload } from '../../lib/model/workload.ts';
import { aztecProfile } from '../../lib/protocols/aztec/profile.ts';

const workloadOf = (blocks: ReturnType<typeof aztecEpoch>) =>
  buildWorkload(aztecProfile, aztecProfile.planRange(blocks), { durations: defaultDurations('aztec'), threadScalingExponent: DEFAULT_THREAD_SCALING_EXPONENT });

/** The bench's "fixes in" scenario (Plan writes, Map concurrency, SubmitJob retries). */
const fixed = (deployment: Scenario['deployment']): Scenario => ({
  design: 'levels',
  deployment,
  cold: true,
  planWriteParallelism: PLAN_WRITE_PARALLELISM,
  mapConcurrency: MAP_CONCURRENCY,
  latencies: { ...AWS_LATENCIES, submitRetry: SUBMIT_JOB_RETRY },
});

describe('DEFAULT_PREWARM_VCPUS is the capacity model\'s warm peak', () => {
  it('devnet: a contest-like 4-tx block (fixes in, as the bench\'s block rows)', () => {
    const block = workloadOf(aztecEpoch(1, 4, 0));
    expect(warmPeakVcpus(block, fixed({ ...DEFAULT_DEPLOYMENT, maxVcpus: ISSUE_14_BASELINE.maxVcpus }))).toBe(DEFAULT_PREWARM_VCPUS.devnet);
  });

  it('aztec: a mainnet-like epoch of 32 × 72 private txs at the default maxVcpus (both environments full)', () => {
    const epoch = workloadOf(aztecEpoch(32, 72, 0));
    expect(warmPeakVcpus(epoch, fixed(DEFAULT_DEPLOYMENT))).toBe(DEFAULT_PREWARM_VCPUS.aztec);
    expect(DEFAULT_PREWARM_VCPUS.aztec).toBe(2 * DEFAULT_DEPLOYMENT.maxVcpus);
  }, 120_000);
});
