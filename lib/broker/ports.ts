/**
 * What the broker needs from the outside world: a durable job table (DynamoDB in the cloud and locally), the
 * per-job executions (Step Functions, or the local engine running the same definition) and the artifact
 * bucket. The broker core (broker.ts) knows only these interfaces.
 */
import type { BrokerExecutionInput, JobRecordStatus } from './contract.ts';

export interface BrokerJobRecord {
  /** Aztec's job id. */
  readonly id: string;
  /** `ProvingRequestType` enum number. */
  readonly type: number;
  readonly epoch: number;
  readonly inputsUri: string;
  readonly status: JobRecordStatus;
  readonly reason?: string;
  /** A proof-store URI, or INLINE_RESULT. */
  readonly resultUri: string;
  readonly inputsKey: string;
  readonly outputKey: string;
  readonly specId: string;
  readonly execution: string;
  readonly enqueuedAt: string;
  readonly settledAt?: string;
}

export type SettleOutcome = { readonly status: 'fulfilled' } | { readonly status: 'rejected'; readonly reason: string };

export interface BrokerJobTable {
  /** Writes `record` unless a record with its id exists (conditional write); returns the existing one if so. */
  create(record: BrokerJobRecord): Promise<{ readonly created: true } | { readonly created: false; readonly existing: BrokerJobRecord }>;
  get(id: string): Promise<BrokerJobRecord | undefined>;
  /** The records of `ids` that exist (any order). */
  getMany(ids: readonly string[]): Promise<BrokerJobRecord[]>;
  /** Settles a queued or running job; false when it was already settled (or is gone). */
  settle(id: string, outcome: SettleOutcome): Promise<boolean>;
  /** Settled jobs the completed feed has not reported yet, removed from the feed as they are returned. */
  drainCompleted(limit: number): Promise<string[]>;
  /** Jobs not settled yet (queued or running). */
  listActive(): Promise<BrokerJobRecord[]>;
  /** Jobs of epochs below `epoch`. */
  listEpochsBelow(epoch: number): Promise<BrokerJobRecord[]>;
  delete(id: string): Promise<void>;
  /** The highest epoch seen so far (0 before the first job). */
  epochHeight(): Promise<number>;
  /** Raises the highest epoch seen to `epoch` if it is higher; resolves with the height afterwards. */
  raiseEpochHeight(epoch: number): Promise<number>;
}

export type ExecutionState = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface JobExecutions {
  /** Starts the execution `name`; 'exists' when an execution of that name exists already (a no-op). */
  start(name: string, input: BrokerExecutionInput): Promise<'started' | 'exists'>;
  /** Stops a running execution (and with it its Batch job); a no-op for closed or unknown ones. */
  stop(name: string, cause: string): Promise<void>;
  describe(name: string): Promise<{ readonly status: ExecutionState; readonly error?: string; readonly cause?: string } | undefined>;
}

/**
 * Pre-warm: raises compute capacity ahead of an epoch's jobs. The broker calls it, without waiting, at the first
 * job of a new epoch; a failure is logged, never fails the enqueue. Cloud: Batch desired vCPUs
 * (lib/aws/batch-prewarm.ts); `--local` has none (the local engine proves on this machine, nothing to warm).
 */
export interface CapacityWarmer {
  warm(epoch: number): Promise<void>;
}
