/**
 * The fixes the model points to, as the model sees them (issue 14). Each is a change to the stack's
 * configuration or code; `npm run bench:model` shows the model's before/after for each.
 */
import { PLAN_WRITE_CONCURRENCY } from '../pipeline/plan-run.ts';
import type { RetryPolicy } from './latencies.ts';

/** lib/pipeline/plan-run.ts: Plan writes job specs this many at a time (was one after another). */
export const PLAN_WRITE_PARALLELISM = PLAN_WRITE_CONCURRENCY;

/** A Distributed Map runs at most 10,000 child executions at once (Step Functions quota). */
export const MAX_MAP_CONCURRENCY = 10_000;

/**
 * SubmitJob retries that outlast any backlog the Map can create: 10,000 concurrent submits drain in 200 s at
 * 50/s; 2 s × 2^n capped at 30 s for 30 attempts keeps a call retrying for ~14 min (full jitter: ~7 min mean).
 */
export const PATIENT_SUBMIT_RETRY: RetryPolicy = { intervalSeconds: 2, backoffRate: 2, maxAttempts: 30, maxDelaySeconds: 30 };
