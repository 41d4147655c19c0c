/**
 * The proving broker's shared contract: Aztec's job and status shapes (as `@aztec/stdlib` 4.1.2
 * src/interfaces/proving-job.ts defines them on the wire), the job table's attributes, and the input of the
 * per-job state machine. The broker process, the DynamoDB adapter, the state machine definition (lib/infra) and
 * the local runtime all read these names from here, so they cannot drift apart. No AWS imports.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AZTEC_JOB_TYPES, type AztecJobType } from '../protocols/aztec/job-types.ts';

/** Aztec's `ProvingJob` as its client sends it: `type` is the `ProvingRequestType` enum number. */
export const provingJobSchema = z.object({
  id: z.string().min(1).max(512),
  type: z.number().int().min(0).max(AZTEC_JOB_TYPES.length - 1),
  epochNumber: z.number().int().nonnegative(),
  inputsUri: z.string().min(1),
});
export type ProvingJob = z.infer<typeof provingJobSchema>;

export type ProvingJobStatus =
  | { readonly status: 'in-queue' }
  | { readonly status: 'in-progress' }
  | { readonly status: 'not-found' }
  | { readonly status: 'fulfilled'; readonly value: string }
  | { readonly status: 'rejected'; readonly reason: string };

/** The job type's name (`ProvingRequestType[type]`). */
export function jobTypeName(type: number): AztecJobType {
  const name = AZTEC_JOB_TYPES[type];
  if (name === undefined) throw new RangeError(`unknown Aztec job type ${type}`);
  return name;
}

/** What a job record's `status` holds: Aztec's four live states. `not-found` is the absence of a record. */
export const JOB_STATUS = { queued: 'in-queue', running: 'in-progress', fulfilled: 'fulfilled', rejected: 'rejected' } as const;
export type JobRecordStatus = (typeof JOB_STATUS)[keyof typeof JOB_STATUS];

/** The reason Aztec's broker gives a cancelled job (proving_broker.ts `#cancelProvingJob`). */
export const ABORTED_REASON = 'Aborted';

/**
 * Attribute names of a job record in the table. Partition key `id` = Aztec's job id. `feed` is set to
 * FEED_PENDING when a job settles and removed once the completed-jobs feed has reported it: the sparse index on
 * it is the durable queue behind `getCompletedJobs`; `active` likewise marks unsettled jobs. `shard`+`epoch` index
 * every job by epoch, for dropping old epochs. `expiresAt` is the table's TTL attribute (epoch seconds).
 */
export const ATTR = {
  id: 'id',
  type: 'type',
  epoch: 'epoch',
  inputsUri: 'inputsUri',
  status: 'status',
  reason: 'reason',
  /** What Aztec's facade reads the result from (a proof-store URI, or `inline` for data: jobs). */
  resultUri: 'resultUri',
  /** Bucket keys of the job's inputs and Aztec's result JSON. */
  inputsKey: 'inputsKey',
  outputKey: 'outputKey',
  /** The job runner's job id (jobs/<specId>/spec.json) and the execution that runs it. */
  specId: 'specId',
  execution: 'execution',
  enqueuedAt: 'enqueuedAt',
  settledAt: 'settledAt',
  feed: 'feed',
  /** ACTIVE while the job is queued or running, removed when it settles: the sparse index of unsettled jobs. */
  active: 'active',
  shard: 'shard',
  expiresAt: 'expiresAt',
} as const;

/** The single item holding the highest epoch seen (Aztec's broker keeps it in memory as `epochHeight`). */
export const META_ID = '#broker-meta';
export const FEED_PENDING = 'pending';
export const ACTIVE = 'active';
/** All jobs share one partition of the by-epoch index: a few thousand items per epoch, queried rarely. */
export const SHARD_ALL = 'jobs';

export const INDEX = {
  /** PK feed (S), SK settledAt (S): settled jobs not yet reported by getCompletedJobs. */
  completedFeed: 'completed-feed',
  /** PK shard (S), SK epoch (N): every job by epoch. */
  byEpoch: 'by-epoch',
  /** PK active (S), SK enqueuedAt (S): jobs not settled yet (resumed after a restart, reconciled). */
  active: 'active-jobs',
} as const;

/**
 * Where the node's proof store lives in the stack's bucket (PROVER_PROOF_STORE=s3://<bucket>/proofs), and where
 * inline (data: URI) jobs are kept. The jobs may write results only under these.
 */
export const PROOF_STORE_PREFIX = 'proofs/';
export const INLINE_PREFIX = 'broker-inline/';

/** `resultUri` of a job whose inputs came inline (data: URI): the result goes back inline too. */
export const INLINE_RESULT = 'inline';

/** Input of the per-job state machine: names and keys only (the record holds the rest). */
export const brokerExecutionInputSchema = z.object({
  /** Aztec's job id: the table key. */
  aztecJobId: z.string().min(1),
  /** The job runner's job id (24 hex), for JOB_ID and jobs/<id>/error.json. */
  job: z.string().regex(/^[0-9a-f]{24}$/),
  /** Resource class of the job type (one Batch job definition each). */
  class: z.string().min(1),
});
export type BrokerExecutionInput = z.infer<typeof brokerExecutionInputSchema>;

/**
 * Step Functions execution names allow 1–80 characters of [A-Za-z0-9_-] (no ':'), so the name is the job's
 * epoch and type (readable in the console) and a hash of Aztec's id (unique): one job, one name, and a second
 * start of the same name is a no-op.
 */
export function executionNameFor(aztecJobId: string, epoch: number, type: AztecJobType): string {
  const hash = createHash('sha256').update(aztecJobId).digest('hex').slice(0, 24);
  return `e${epoch}-${type}-${hash}`.slice(0, 80);
}
