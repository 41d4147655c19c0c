/**
 * Aztec's proving-job broker, producer side, backed by a durable table and one state-machine execution per job
 * (ProvingJobProducer in @aztec/stdlib 4.1.2; semantics of its ProvingBroker, prover-client
 * src/proving_broker/proving_broker.ts):
 *
 *   enqueueProvingJob(job)   → the job's status *before* the call; a new job is recorded (conditional write) and
 *                              its execution started (named from the id, so a second start is a no-op). The same
 *                              id again returns the existing status; another body under that id is refused, as is
 *                              a job of an epoch older than the ones kept ("Epoch too old").
 *   getProvingJobStatus(id)  → in-queue | in-progress | fulfilled {value: result URI} | rejected {reason} | not-found
 *   cancelProvingJob(id)     → an unsettled job becomes rejected "Aborted" and its execution (and Batch job) stops
 *   getCompletedJobs(ids)    → jobs settled since the last call (a durable feed) plus the settled ones among `ids`
 *
 * Nothing here runs a proof: the state machine does (Batch, with its retries) and records the outcome in the
 * table. The broker process is stateless, so it can restart at any time; `reconcile` starts executions that a
 * crash left unstarted and settles jobs whose execution ended without recording an outcome.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { describeError, InputError, ProverError } from '../errors.ts';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import { jobId } from '../proving/job-id.ts';
import { aztecJobSpecSchema, type AztecJobSpec } from '../proving/job-spec.ts';
import { jobSpecKey } from '../proving/keys.ts';
import { aztecCircuits } from '../protocols/aztec/job-circuit-sizes.ts';
import {
  ABORTED_REASON,
  INLINE_RESULT,
  JOB_STATUS,
  executionNameFor,
  jobTypeName,
  type BrokerExecutionInput,
  type ProvingJob,
  type ProvingJobStatus,
} from './contract.ts';
import type { BrokerJobRecord, BrokerJobTable, CapacityWarmer, JobExecutions } from './ports.ts';
import { inlineResultUri, locateJob, type ProofStoreScope } from './proof-uri.ts';

/** Characters Aztec's ids use (`<epoch>:<TYPE>:<sha256>`); they become S3 key segments. */
const AZTEC_ID_PATTERN = /^[A-Za-z0-9:_.-]{1,200}$/;
/** getCompletedJobs returns at most this many feed entries per call (the facade calls every second). */
const FEED_BATCH = 1000;

export interface ProvingBrokerOptions {
  readonly table: BrokerJobTable;
  readonly executions: JobExecutions;
  readonly store: ArtifactStore;
  readonly scope: ProofStoreScope;
  /**
   * Epochs below the highest seen minus this are refused and dropped (Aztec's
   * PROVER_BROKER_MAX_EPOCHS_TO_KEEP_RESULTS_FOR).
   * @default 1
   */
  readonly maxEpochsToKeep?: number;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
  /**
   * Pre-warm at the first job of a new epoch (ports.ts CapacityWarmer).
   * @default - none
   */
  readonly warmer?: CapacityWarmer;
  /** @default Date.now */
  readonly now?: () => number;
}

export class ProvingBroker {
  private readonly keep: number;
  private readonly log: NonNullable<ProvingBrokerOptions['log']>;
  private readonly now: () => number;
  private agentWarned = false;
  /** The last epoch this process pre-warmed for: one pre-warm per epoch, also for epoch 0 (height 0 = none seen). */
  private warmedEpoch?: number;

  constructor(private readonly options: ProvingBrokerOptions) {
    this.keep = options.maxEpochsToKeep ?? 1;
    if (!Number.isInteger(this.keep) || this.keep < 0) throw new InputError(`maxEpochsToKeep must be a non-negative integer (got ${this.keep})`);
    this.log = options.log ?? (() => {});
    this.now = options.now ?? Date.now;
  }

  async enqueueProvingJob(job: ProvingJob): Promise<ProvingJobStatus> {
    if (!AZTEC_ID_PATTERN.test(job.id)) {
      throw new InputError(`job id ${JSON.stringify(job.id.slice(0, 80))} has characters a proof-store key cannot hold`, { metaMessages: ['expected <epoch>:<TYPE>:<hash>'] });
    }
    const { table } = this.options;
    const existing = await table.get(job.id);
    if (existing) return this.statusOfExisting(existing, job);

    const height = await table.epochHeight();
    if (job.epochNumber < height - this.keep) {
      throw new InputError(`Epoch too old: job epoch ${job.epochNumber}, current epoch: ${height}`);
    }
    const record = await this.prepare(job);
    const created = await table.create(record);
    if (!created.created) return this.statusOfExisting(created.existing, job);
    await table.raiseEpochHeight(job.epochNumber);
    if ((job.epochNumber > height || height === 0) && this.warmedEpoch !== job.epochNumber) this.prewarm(job.epochNumber);
    await this.options.executions.start(record.execution, executionInput(record));
    this.log('enqueued', { id: job.id, type: jobTypeName(job.type), epoch: job.epochNumber, execution: record.execution });
    return { status: 'not-found' };
  }

  async getProvingJobStatus(id: string): Promise<ProvingJobStatus> {
    const record = await this.options.table.get(id);
    return record ? this.statusOf(record) : { status: 'not-found' };
  }

  async cancelProvingJob(id: string): Promise<void> {
    const record = await this.options.table.get(id);
    if (!record || !isActive(record)) return;
    if (await this.options.table.settle(id, { status: 'rejected', reason: ABORTED_REASON })) {
      await this.options.executions.stop(record.execution, `job ${id} cancelled by the prover node`);
      this.log('cancelled', { id, execution: record.execution });
    }
  }

  async getCompletedJobs(ids: readonly string[]): Promise<string[]> {
    const drained = await this.options.table.drainCompleted(FEED_BATCH);
    const settled = ids.length === 0 ? [] : (await this.options.table.getMany(ids)).filter((r) => !isActive(r)).map((r) => r.id);
    return [...new Set([...drained, ...settled])];
  }

  /**
   * Agents never get work here: every job runs on AWS Batch. A node with local agents (PROVER_AGENT_COUNT > 0)
   * keeps asking; tell the operator once, answer "no job".
   */
  noJobForAgents(): undefined {
    if (!this.agentWarned) {
      this.agentWarned = true;
      this.log('an Aztec proving agent asked for work: this broker runs every job on AWS Batch, set PROVER_AGENT_COUNT=0 on the node');
    }
    return undefined;
  }

  /**
   * Restart safety: every unsettled job has an execution (a crash between recording a job and starting its
   * execution leaves none; the local engine forgets its executions when it stops), and a job whose execution
   * ended without recording an outcome is settled as rejected with the execution's error.
   */
  async reconcile(): Promise<{ started: number; settled: number }> {
    const { table, executions } = this.options;
    let started = 0;
    let settled = 0;
    for (const record of await table.listActive()) {
      const execution = await executions.describe(record.execution);
      if (execution === undefined) {
        if ((await executions.start(record.execution, executionInput(record))) === 'started') started++;
        continue;
      }
      if (execution.status === 'RUNNING' || execution.status === 'PENDING_REDRIVE') continue;
      const current = await table.get(record.id);
      if (!current || !isActive(current)) continue; // it recorded its outcome as it ended
      const why = [execution.error, execution.cause].filter(Boolean).join(': ') || 'no outcome recorded';
      if (await table.settle(record.id, { status: 'rejected', reason: `execution ${record.execution} ended ${execution.status}: ${why}` })) settled++;
    }
    if (started + settled > 0) this.log('reconciled', { started, settled });
    return { started, settled };
  }

  /** Drops jobs of epochs older than the ones kept, like Aztec's broker (stopping any still running). */
  async dropOldEpochs(): Promise<number> {
    const { table, executions } = this.options;
    const oldest = (await table.epochHeight()) - this.keep;
    if (oldest <= 0) return 0;
    const old = await table.listEpochsBelow(oldest);
    for (const record of old) {
      if (isActive(record)) await executions.stop(record.execution, `epoch ${record.epoch} is older than the epochs kept`);
      await table.delete(record.id);
    }
    if (old.length > 0) this.log('dropped old epochs', { below: oldest, jobs: old.length });
    return old.length;
  }

  /** Starts the warmer without waiting for it: the enqueue answers the node at once, a failure is only logged. */
  private prewarm(epoch: number): void {
    const { warmer } = this.options;
    if (!warmer) return;
    this.warmedEpoch = epoch;
    Promise.resolve()
      .then(() => warmer.warm(epoch))
      .catch((err: unknown) => this.log('pre-warm failed (capacity scales on demand instead)', { epoch, error: describeError(err) }));
  }

  private async statusOfExisting(existing: BrokerJobRecord, job: ProvingJob): Promise<ProvingJobStatus> {
    const recorded = { id: existing.id, type: existing.type, epochNumber: existing.epoch, inputsUri: existing.inputsUri };
    if (!isDeepStrictEqual(recorded, { id: job.id, type: job.type, epochNumber: job.epochNumber, inputsUri: job.inputsUri })) {
      throw new InputError(`Duplicate proving job ID: ${job.id} is already enqueued with another body`, {
        metaMessages: [`recorded: type ${existing.type}, epoch ${existing.epoch}, inputs ${existing.inputsUri.slice(0, 120)}`],
      });
    }
    return this.statusOf(existing);
  }

  private async statusOf(record: BrokerJobRecord): Promise<ProvingJobStatus> {
    switch (record.status) {
      case JOB_STATUS.queued:
        return { status: 'in-queue' };
      case JOB_STATUS.running:
        return { status: 'in-progress' };
      case JOB_STATUS.rejected:
        return { status: 'rejected', reason: record.reason ?? 'rejected' };
      case JOB_STATUS.fulfilled: {
        if (record.resultUri !== INLINE_RESULT) return { status: 'fulfilled', value: record.resultUri };
        const output = await this.options.store.get(record.outputKey);
        if (output === undefined) throw new ProverError(`job ${record.id} is fulfilled but its result ${record.outputKey} is missing`, { retryable: true });
        return { status: 'fulfilled', value: inlineResultUri(Buffer.from(output).toString('utf8')) };
      }
    }
  }

  /** Where the job's inputs and result live, its job-runner spec (written once) and its record. */
  private async prepare(job: ProvingJob): Promise<BrokerJobRecord> {
    const { store, scope } = this.options;
    const type = jobTypeName(job.type);
    if (type === 'PUBLIC_VM') {
      throw new InputError(`job ${job.id}: PUBLIC_VM (AVM) jobs cannot be proven by this stack yet`, {
        metaMessages: ['every npm build of bb has the AVM disabled; run a node with an AVM-enabled agent for public txs'],
      });
    }
    const location = locateJob(job, scope);
    if (location.kind === 'inline') {
      await store.put(location.inputsKey, location.inputs);
    } else if (!(await store.exists(location.inputsKey))) {
      throw new InputError(`job ${job.id}: no inputs at s3://${scope.bucket}/${location.inputsKey}`, {
        metaMessages: ["the node's proof store writes them before enqueueing; is PROVER_PROOF_STORE this stack's bucket?"],
      });
    }
    const spec = brokerJobSpec(job, type, location.inputsKey, location.outputKey);
    await store.putIfAbsent(jobSpecKey(spec.id), Buffer.from(JSON.stringify(spec, null, 2)), { contentType: 'application/json' });
    return {
      id: job.id,
      type: job.type,
      epoch: job.epochNumber,
      inputsUri: job.inputsUri,
      status: JOB_STATUS.queued,
      resultUri: location.kind === 'inline' ? INLINE_RESULT : location.resultUri,
      inputsKey: location.inputsKey,
      outputKey: location.outputKey,
      specId: spec.id,
      execution: executionNameFor(job.id, job.epochNumber, type),
      enqueuedAt: new Date(this.now()).toISOString(),
    };
  }
}

function isActive(record: Pick<BrokerJobRecord, 'status'>): boolean {
  return record.status === JOB_STATUS.queued || record.status === JOB_STATUS.running;
}

function executionInput(record: BrokerJobRecord): BrokerExecutionInput {
  return { aztecJobId: record.id, job: record.specId, class: aztecCircuits[jobTypeName(record.type)].resourceClass };
}

/**
 * The job runner's spec for an Aztec job: the id commits to Aztec's id (which carries the inputs' sha256) and
 * the keys; when Aztec's id ends in a sha256, the runner checks the inputs against it before proving.
 */
function brokerJobSpec(job: ProvingJob, type: ReturnType<typeof jobTypeName>, inputsKey: string, outputKey: string): AztecJobSpec {
  const hash = /:([0-9a-f]{64})$/.exec(job.id)?.[1];
  return aztecJobSpecSchema.parse({
    kind: 'aztec',
    id: jobId('aztec', type, ['broker', job.id, inputsKey, outputKey]),
    type,
    inputs: inputsKey,
    output: outputKey,
    ...(hash !== undefined ? { inputsSha256: hash } : {}),
  });
}

/** Aztec's job id for serialized inputs (BrokerCircuitProverFacade: `<epoch>:<TYPE>:<sha256(inputs)>`). */
export function aztecJobIdFor(epoch: number, type: string, inputs: Uint8Array): string {
  return `${epoch}:${type}:${createHash('sha256').update(inputs).digest('hex')}`;
}
