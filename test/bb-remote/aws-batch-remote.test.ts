/**
 * AwsBatchRemote's request building and state handling against a scripted stand-in for the Batch API (a test
 * double: it answers SubmitJob/DescribeJobs/TerminateJob from a script). The real SDK over HTTP, with jobs that
 * really run, is covered by aws-mode.test.ts.
 */
import { DescribeJobsCommand, SubmitJobCommand, TerminateJobCommand, type JobDetail } from '@aws-sdk/client-batch';
import { describe, expect, it } from 'vitest';
import { AwsBatchRemote } from '../../lib/bb-remote/aws-batch-remote.ts';

type Sent = { readonly name: string; readonly input: Record<string, unknown> };

/** Test double for BatchClient.send: DescribeJobs answers with the next scripted job state (the last repeats). */
class ScriptedBatch {
  readonly sent: Sent[] = [];
  constructor(private readonly states: readonly (Partial<JobDetail> | undefined)[]) {}
  private polls = 0;

  send = async (command: unknown): Promise<unknown> => {
    const c = command as { constructor: { name: string }; input: Record<string, unknown> };
    this.sent.push({ name: c.constructor.name, input: c.input });
    if (command instanceof SubmitJobCommand) return { jobId: 'batch-1', jobName: command.input.jobName, jobArn: 'arn:batch-1' };
    if (command instanceof DescribeJobsCommand) {
      const state = this.states[Math.min(this.polls++, this.states.length - 1)];
      return { jobs: state === undefined ? [] : [{ jobId: 'batch-1', ...state }] };
    }
    if (command instanceof TerminateJobCommand) return {};
    throw new Error(`unexpected command ${c.constructor.name}`);
  };
}

function remote(batch: ScriptedBatch): AwsBatchRemote {
  return new AwsBatchRemote({
    client: batch,
    jobQueue: 'prover-queue',
    jobDefinitionFor: (cls) => (cls === 'large' ? 'prover-large' : 'prover-default'),
    bucket: 'artifacts',
    pollInitialMs: 1,
    pollMaxMs: 4,
  });
}

const JOB = { jobId: '0123456789abcdef01234567', command: 'prove', resourceClass: 'large' } as const;

describe('AwsBatchRemote', () => {
  it("submits to the queue with the class's job definition and the runner's environment, then polls to SUCCEEDED", async () => {
    const batch = new ScriptedBatch([undefined, { status: 'RUNNABLE' }, { status: 'RUNNABLE' }, { status: 'RUNNING' }, { status: 'SUCCEEDED' }]);
    const log: string[] = [];
    const outcome = await remote(batch).run(JOB, { signal: new AbortController().signal, log: (l) => log.push(l) });
    expect(outcome).toEqual({ ok: true, detail: 'Batch job batch-1 SUCCEEDED' });
    expect(batch.sent[0]).toEqual({
      name: 'SubmitJobCommand',
      input: {
        jobName: 'bb-remote-prove-0123456789abcdef01234567',
        jobQueue: 'prover-queue',
        jobDefinition: 'prover-large',
        containerOverrides: {
          environment: [
            { name: 'JOB_ID', value: JOB.jobId },
            { name: 'RUN_ID', value: 'bb-remote' },
            { name: 'ARTIFACT_BUCKET', value: 'artifacts' },
          ],
        },
        tags: { 'aztec-aws-prover:source': 'bb-remote', 'aztec-aws-prover:command': 'prove' },
      },
    });
    expect(batch.sent.slice(1).map((s) => s.name)).toEqual(Array(5).fill('DescribeJobsCommand'));
    // One line per status change, not per poll.
    expect(log.filter((l) => l.startsWith('Batch job batch-1:'))).toEqual(['Batch job batch-1: RUNNABLE', 'Batch job batch-1: RUNNING', 'Batch job batch-1: SUCCEEDED']);
  });

  it.each([
    ['the runner asked for a retry (exit 75)', { exitCode: 75 }, 'Essential container in task exited', true],
    ['the instance was reclaimed', { exitCode: undefined }, 'Host EC2 (instance i-0abc) terminated.', true],
    ['a deterministic failure (exit 1)', { exitCode: 1 }, 'Essential container in task exited', false],
  ])('FAILED because %s: retryable %s, with the attempts and log streams', async (_name, container, statusReason, retryable) => {
    const failed: Partial<JobDetail> = {
      status: 'FAILED',
      statusReason,
      attempts: [{ container: { ...container, logStreamName: 'prover-large/default/abc' }, statusReason }],
    };
    const outcome = await remote(new ScriptedBatch([{ status: 'RUNNING' }, failed])).run(JOB, { signal: new AbortController().signal, log: () => {} });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.retryable).toBe(retryable);
    expect(outcome.reason).toContain(`Batch job batch-1 FAILED: ${statusReason}`);
    expect(outcome.reason).toContain('log stream prover-large/default/abc');
  });

  it('terminates the Batch job when the call is aborted (timeout), so no prover keeps running', async () => {
    const batch = new ScriptedBatch([{ status: 'RUNNING' }]);
    const outcome = await remote(batch).run(JOB, { signal: AbortSignal.timeout(50), log: () => {} });
    expect(outcome).toMatchObject({ ok: false, aborted: true, retryable: false });
    const terminate = batch.sent.find((s) => s.name === 'TerminateJobCommand');
    expect(terminate?.input).toEqual({ jobId: 'batch-1', reason: 'bb-remote: timed out' });
  });

  it('gives up (retryably) on a job DescribeJobs never shows', async () => {
    const outcome = await remote(new ScriptedBatch([undefined])).run(JOB, { signal: new AbortController().signal, log: () => {} });
    expect(outcome).toMatchObject({ ok: false, retryable: true });
  });
});
