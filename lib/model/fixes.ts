/**
 * The fixes the capacity model pointed to (issue 14), as the deployed stack now has them, and the design as it
 * was filed, so `npm run bench:model` can show each fix's before/after. The stack reads these constants
 * (lib/infra/prover-job-task.ts, workflow-definition.ts, lib/pipeline/plan-run.ts), so model and stack agree.
 */
import { PLAN_WRITE_CONCURRENCY } from '../pipeline/plan-run.ts';
import type { RetryPolicy } from './latencies.ts';

/** Plan writes job specs this many at a time (lib/pipeline/plan-run.ts). */
export const PLAN_WRITE_PARALLELISM = PLAN_WRITE_CONCURRENCY;

/**
 * Child executions of a level at once: the Distributed Map's maximum, so a level never waits on the Map for
 * capacity Batch already has (an epoch's level 0 has ~2,400–3,600 items).
 */
export const MAP_CONCURRENCY = 10_000;

/**
 * The Batch task's Retry on throttling (Batch.TooManyRequestsException, 50 SubmitJob/s per account): 10,000
 * children submitting at once drain in 200 s; 2 s × 2^n capped at 30 s for 30 retries keeps a call trying for
 * up to ~13 min (full jitter: ~7 min on average), so a throttled submit never fails a level. Total calls =
 * Step Functions' MaxAttempts + 1.
 */
export const SUBMIT_JOB_RETRY: RetryPolicy = { intervalSeconds: 2, backoffRate: 2, maxAttempts: 31, maxDelaySeconds: 30 };

/** The stack as issue 14 found it. */
export const ISSUE_14_BASELINE = {
  planWriteParallelism: 1,
  mapConcurrency: 1000,
  // 5 s × 2^n, MaxAttempts 6 (7 calls), full jitter, no cap.
  submitRetry: { intervalSeconds: 5, backoffRate: 2, maxAttempts: 7, maxDelaySeconds: Infinity } satisfies RetryPolicy,
  maxVcpus: 768,
  maxBlocksPerRun: 4,
} as const;
