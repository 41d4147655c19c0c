/**
 * The contract between the state machine (lib/infra/workflow-definition.ts) and the Lambda handlers: event
 * shapes and the error names Step Functions retries. No AWS or CDK imports: both sides load it.
 */
import { z } from 'zod';

/** Execution input: a range, or one block. */
export const blockRangeSchema = z.union([
  z
    .object({ fromBlock: z.number().int().positive(), toBlock: z.number().int().positive() })
    .refine((r) => r.toBlock >= r.fromBlock, { error: 'toBlock must not be below fromBlock' }),
  z
    .object({ blockNumber: z.number().int().positive() })
    .transform(({ blockNumber }) => ({ fromBlock: blockNumber, toBlock: blockNumber })),
]);

/** Plan's payload: `{ runId: $$.Execution.Name, request: $ }` — the execution name is the run id. */
export const planEventSchema = z.object({
  runId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, { error: 'runId must be 1-80 of [A-Za-z0-9_-]' }),
  request: blockRangeSchema,
});
export type PlanEvent = z.output<typeof planEventSchema>;

/** Submit's payload: `{ runId: $.plan.runId }`. */
export const submitEventSchema = z.object({ runId: z.string().min(1) });
export type SubmitEvent = z.output<typeof submitEventSchema>;

/** DescribeFailedJobs' payload: `{ runId: $$.Execution.Name, failure: $.failure }` (the Catch output + state). */
export const describeFailedJobsEventSchema = z.object({
  runId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, { error: 'runId must be 1-80 of [A-Za-z0-9_-]' }),
  failure: z.looseObject({ Error: z.string().optional(), Cause: z.string().optional(), state: z.string().min(1) }),
});
export type DescribeFailedJobsEvent = z.output<typeof describeFailedJobsEventSchema>;

/** The schedule's payload: `{ scheduledTime: <aws.scheduler.scheduled-time> }` (absent when invoked by hand). */
export const pollEventSchema = z.object({ scheduledTime: z.string().optional() });
export type PollEvent = z.output<typeof pollEventSchema>;

/** Submit: an earlier range is not proven on L1 yet; Step Functions retries once a minute. */
export const PROOF_GAP_ERROR = 'ProofGapError';

/** Any other error marked `retryable: true` (lib/errors.ts) reaches Step Functions under this name. */
export const RETRYABLE_ERROR = 'RetryableError';

/** Handler errors Step Functions retries with backoff (Plan and Submit are idempotent). */
export const RETRYABLE_HANDLER_ERRORS: readonly string[] = ['L1UnreachableError', RETRYABLE_ERROR];
