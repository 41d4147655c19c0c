/**
 * What a Batch job (or a local process) is told to do, stored at jobs/<id>/spec.json. Validated with zod at
 * the boundary: a spec comes from S3, written by another component, and a bad one must fail with a message
 * that names the field.
 */
import { z } from 'zod';
import { AZTEC_JOB_TYPES } from '../protocols/aztec/job-types.ts';
import { JOB_ID_PATTERN } from './job-id.ts';

export const jobIdSchema = z.string().regex(JOB_ID_PATTERN, 'job id must be 24 lowercase hex characters');

/** S3 object keys we generate: no leading slash, no `..`, printable. */
export const objectKeySchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((k) => !k.startsWith('/') && !k.split('/').includes('..'), 'object key must be relative without ".."');

/** A bb version as `bb --version` prints it (e.g. `4.1.2`, `5.0.0-nightly.20260710`); also a directory name. */
export const BB_VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

/**
 * A raw `bb` invocation (bb-remote and the container smoke test): inputs are downloaded to files named after
 * their keys in `inputs`; `{in:NAME}` and `{out}` placeholders in `args` become those paths.
 */
export const bbJobSpecSchema = z.object({
  kind: z.literal('bb'),
  id: jobIdSchema,
  /**
   * The bb that must run it (bb-remote: the agent's bb). Circuits and proofs of one bb version are not another's,
   * so a runner without this version fails the job instead of running another bb. Absent: the runner's default bb.
   */
  bbVersion: z.string().regex(BB_VERSION_PATTERN, 'bbVersion must be a version as `bb --version` prints it, e.g. 4.1.2').optional(),
  args: z.array(z.string()).min(1),
  inputs: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), objectKeySchema),
  /** Files bb writes into `{out}` that the job must upload (missing ones fail the job). */
  outputs: z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/)).min(1),
  /** Files uploaded when bb wrote them (e.g. the AVM vk, which some bb versions write and others do not). */
  optionalOutputs: z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/)).optional(),
});

/** A node of a protocol's proving tree: inputs are built by the profile from its children's outputs. */
const protocolJobSpecSchema = z.object({
  kind: z.literal('protocol'),
  id: jobIdSchema,
  profile: z.string().min(1),
  type: z.string().min(1),
  class: z.string().min(1),
  children: z.array(jobIdSchema),
  block: z.number().int().nonnegative(),
  tx: z.number().int().nonnegative().optional(),
  /** Leaf data written by Plan (e.g. the client proof of a tx): name → key. */
  inputs: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), objectKeySchema).default({}),
});

/**
 * A job of Aztec's own prover (its broker's proof store layout, prover-client FileStoreProofStore): the job
 * reads Aztec's serialized inputs from `inputs` (inputs/<TYPE>/<aztecJobId>) and writes Aztec's result JSON
 * to `output` (outputs/<TYPE>/<aztecJobId>.json), where Aztec's broker reads it back.
 */
export const aztecJobSpecSchema = z.object({
  kind: z.literal('aztec'),
  id: jobIdSchema,
  type: z.enum(AZTEC_JOB_TYPES),
  inputs: objectKeySchema,
  output: objectKeySchema,
  /** sha256 (hex) the inputs must have: Aztec's job id carries it, so inputs changed under the key are refused. */
  inputsSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});

export const jobSpecSchema = z.discriminatedUnion('kind', [bbJobSpecSchema, protocolJobSpecSchema, aztecJobSpecSchema]);

export type BbJobSpec = z.infer<typeof bbJobSpecSchema>;
export type ProtocolJobSpec = z.infer<typeof protocolJobSpecSchema>;
export type AztecJobSpec = z.infer<typeof aztecJobSpecSchema>;
export type JobSpec = z.infer<typeof jobSpecSchema>;

/** The done-marker written last (jobs/<id>/result.json): a job is finished iff this exists and matches. */
export const jobResultSchema = z.object({
  id: jobIdSchema,
  outputs: z.record(z.string(), z.object({ key: objectKeySchema, sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int() })),
  metrics: z.object({
    wallMs: z.number(),
    proveMs: z.number(),
    peakRssKiB: z.number().optional(),
    backend: z.string(),
    backendVersion: z.string(),
    host: z.string(),
    finishedAt: z.string(),
  }),
});
export type JobResult = z.infer<typeof jobResultSchema>;

/** jobs/<id>/error.json: the job runner's last failure of the job, for callers that cannot read its logs. */
export const jobErrorSchema = z.object({
  id: jobIdSchema,
  message: z.string(),
  retryable: z.boolean(),
  failedAt: z.string(),
  host: z.string(),
});
export type JobError = z.infer<typeof jobErrorSchema>;
