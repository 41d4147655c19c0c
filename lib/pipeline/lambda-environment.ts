/** The Lambdas' environment (set by lib/infra), validated when a handler runs so a bad deploy fails loudly. */
import { z } from 'zod';

const list = z.string().transform((s) => s.split(',').map((u) => u.trim()).filter((u) => u !== ''));
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/) as unknown as z.ZodType<`0x${string}`>;

const commonEnvSchema = z.object({
  PROFILE: z.string().min(1),
  ARTIFACT_BUCKET: z.string().min(3),
  /** L1 JSON-RPC endpoints, comma-separated, tried in order. Empty when the deployment has no L1 yet. */
  RPC_URLS: list.default([]),
  L1_CHAIN_ID: z.coerce.number().int().positive(),
  ROLLUP_ADDRESS: address.optional(),
  MAX_BLOCKS_PER_RUN: z.coerce.number().int().positive(),
});

export const planEnvSchema = commonEnvSchema.extend({ PROVER_ADDRESS: address.optional() });
export type PlanEnv = z.output<typeof planEnvSchema>;

export const pollerEnvSchema = commonEnvSchema.extend({
  STATE_MACHINE_ARN: z.string().startsWith('arn:'),
  MAX_RUNS_PER_POLL: z.coerce.number().int().positive(),
  /** Pre-warm (lib/aws/batch-prewarm.ts): desired vCPUs per environment when a run starts; 0 or unset: off. */
  PREWARM_VCPUS: z.coerce.number().int().nonnegative().default(0),
  /** Compute environment ARNs to pre-warm, comma-separated. */
  PREWARM_COMPUTE_ENVIRONMENTS: list.default([]),
  /** The stack's maxVcpus per environment: the cap when DescribeComputeEnvironments is refused. */
  PREWARM_MAX_VCPUS: z.coerce.number().int().positive().optional(),
});
export type PollerEnv = z.output<typeof pollerEnvSchema>;

export const submitEnvSchema = commonEnvSchema.extend({ SIGNING_KEY_SECRET_ARN: z.string().startsWith('arn:') });
export type SubmitEnv = z.output<typeof submitEnvSchema>;

/** DescribeFailedJobs reads run and job records only: no L1. */
export const describeFailedJobsEnvSchema = z.object({ ARTIFACT_BUCKET: z.string().min(3) });
export type DescribeFailedJobsEnv = z.output<typeof describeFailedJobsEnvSchema>;
