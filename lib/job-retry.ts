/**
 * When a prover job is worth another attempt: the contract shared by the job runner (containers/prover), the
 * Batch retry strategy (lib/infra/prover-job-definitions.ts), the local Batch executor that reads that strategy
 * and bb-remote's executors. No imports: every side, AWS or not, loads it.
 */

/** The job runner's exit code when trying again may succeed (EX_TEMPFAIL: S3 throttling, OOM kill …). */
export const RETRYABLE_EXIT_CODE = 75;

/** How Batch's status reason begins when the instance under a job went away (spot reclaim, host failure). */
export const HOST_LOST_STATUS_REASON_PREFIX = 'Host EC2';
