/**
 * bb-remote's AWS executor: one AWS Batch job per delegated call on the stack's job queue, with the prover
 * job definition of the call's resource class — the same definitions the state machine submits to, so the
 * job runs the same image (bb + CRS) and the same job runner, with JOB_ID / RUN_ID in its environment.
 * Batch applies the definition's retry strategy (spot reclaim, exit 75) within the job; this class polls
 * DescribeJobs with backoff (the SDK has no Batch waiter) until SUCCEEDED or FAILED, and terminates the job
 * when the call is cancelled or times out, so no orphaned prover keeps billing.
 */
import {
  DescribeJobsCommand,
  SubmitJobCommand,
  TerminateJobCommand,
  type BatchClient,
  type JobDetail,
} from '@aws-sdk/client-batch';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProverError } from '../errors.ts';
import { HOST_LOST_STATUS_REASON_PREFIX, RETRYABLE_EXIT_CODE } from '../job-retry.ts';
import { abortReason, type RemoteExecutor, type RemoteJobRequest, type RemoteOutcome, type RemoteRunOptions } from './remote.ts';

/** DescribeJobs may not see a job right after SubmitJob (eventual consistency). */
const MAX_UNSEEN_POLLS = 5;

export interface AwsBatchRemoteOptions {
  readonly client: Pick<BatchClient, 'send'>;
  readonly jobQueue: string;
  /** Job definition (name, name:revision or ARN) for a resource class. */
  readonly jobDefinitionFor: (resourceClass: string | undefined) => string;
  /** Overrides the definition's ARTIFACT_BUCKET so runner and bb-remote agree on the bucket. */
  readonly bucket: string;
  /** First pause between polls; doubles up to `pollMaxMs`. @default 1000 */
  readonly pollInitialMs?: number;
  /** @default 15000 */
  readonly pollMaxMs?: number;
}

export class AwsBatchRemote implements RemoteExecutor {
  readonly description: string;

  constructor(private readonly options: AwsBatchRemoteOptions) {
    this.description = `AWS Batch queue ${options.jobQueue}`;
  }

  async run(request: RemoteJobRequest, { signal, log }: RemoteRunOptions): Promise<RemoteOutcome> {
    if (signal.aborted) return { ok: false, retryable: false, aborted: true, reason: abortReason(signal) };
    const jobDefinition = this.options.jobDefinitionFor(request.resourceClass);
    const submitted = await this.options.client.send(
      new SubmitJobCommand({
        // Batch job names: 1-128 of [A-Za-z0-9_-]; the content-addressed id makes reruns easy to find.
        jobName: `bb-remote-${request.command}-${request.jobId}`,
        jobQueue: this.options.jobQueue,
        jobDefinition,
        containerOverrides: {
          environment: [
            { name: 'JOB_ID', value: request.jobId },
            { name: 'RUN_ID', value: 'bb-remote' },
            { name: 'ARTIFACT_BUCKET', value: this.options.bucket },
          ],
        },
        tags: { 'aztec-aws-prover:source': 'bb-remote', 'aztec-aws-prover:command': request.command },
      }),
      { abortSignal: signal },
    );
    const batchJobId = submitted.jobId;
    if (batchJobId === undefined) throw new ProverError(`Batch SubmitJob on ${this.options.jobQueue} returned no job id`);
    log(`submitted job ${request.jobId} as Batch job ${batchJobId} (${jobDefinition}${request.resourceClass ? `, class ${request.resourceClass}` : ''})`);

    let pause = this.options.pollInitialMs ?? 1000;
    const pollMaxMs = this.options.pollMaxMs ?? 15_000;
    let lastStatus: string | undefined;
    let unseen = 0;
    for (;;) {
      try {
        await sleep(pause, undefined, { signal });
      } catch {
        return this.terminate(batchJobId, signal, log);
      }
      pause = Math.min(pause * 2, pollMaxMs);
      let job: JobDetail | undefined;
      try {
        const described = await this.options.client.send(new DescribeJobsCommand({ jobs: [batchJobId] }), { abortSignal: signal });
        job = described.jobs?.find((j) => j.jobId === batchJobId);
      } catch (err) {
        if (signal.aborted) return this.terminate(batchJobId, signal, log);
        throw err;
      }
      if (job === undefined) {
        if (++unseen > MAX_UNSEEN_POLLS) {
          return { ok: false, retryable: true, reason: `Batch job ${batchJobId} is not visible to DescribeJobs after ${unseen} polls` };
        }
        continue;
      }
      unseen = 0;
      if (job.status !== lastStatus) {
        lastStatus = job.status;
        log(`Batch job ${batchJobId}: ${job.status}${job.statusReason ? ` (${job.statusReason})` : ''}`);
      }
      if (job.status === 'SUCCEEDED') return { ok: true, detail: `Batch job ${batchJobId} SUCCEEDED` };
      if (job.status === 'FAILED') return failedOutcome(batchJobId, job);
    }
  }

  private async terminate(batchJobId: string, signal: AbortSignal, log: (line: string) => void): Promise<RemoteOutcome> {
    const reason = abortReason(signal);
    try {
      await this.options.client.send(new TerminateJobCommand({ jobId: batchJobId, reason: `bb-remote: ${reason}` }));
      log(`terminated Batch job ${batchJobId} (${reason})`);
    } catch (err) {
      log(`could not terminate Batch job ${batchJobId}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { ok: false, retryable: false, aborted: true, reason: `Batch job ${batchJobId} ${reason}` };
  }
}

/** A FAILED job's story: status reason, each attempt's exit code and log stream; retryable per the job definition's rules. */
function failedOutcome(batchJobId: string, job: JobDetail): RemoteOutcome {
  const attempts = job.attempts ?? [];
  const last = attempts.at(-1);
  const lines = attempts.map((a, i) => {
    const exit = a.container?.exitCode;
    const parts = [
      exit === undefined ? 'no exit code' : `exit ${exit}`,
      a.statusReason ?? a.container?.reason,
      a.container?.logStreamName ? `log stream ${a.container.logStreamName}` : undefined,
    ].filter((p) => p !== undefined && p !== '');
    return `attempt ${i + 1}: ${parts.join(', ')}`;
  });
  const reasons = [job.statusReason, last?.statusReason].filter((r): r is string => r !== undefined);
  const retryable = last?.container?.exitCode === RETRYABLE_EXIT_CODE || reasons.some((r) => r.startsWith(HOST_LOST_STATUS_REASON_PREFIX));
  return {
    ok: false,
    retryable,
    reason: [`Batch job ${batchJobId} FAILED${job.statusReason ? `: ${job.statusReason}` : ''}`, ...lines].join('\n  '),
  };
}
