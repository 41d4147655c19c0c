import { describe, expect, it } from 'vitest';
import { MAX_LISTED_JOBS, describeFailedJobs, failedJobsPrefix } from '../../lib/pipeline/failed-jobs.ts';
import { MemoryArtifactStore } from '../../lib/proving/artifact-store.ts';
import { jobErrorKey } from '../../lib/proving/keys.ts';

const RUN = 'devnet-0000000003-0000000004-0a1b2c3d';
const MAP_FAILURE = { Error: 'States.ExceedToleratedFailureThreshold', Cause: 'The specified tolerated failure threshold was exceeded', state: 'ProveLevel' };
const job = (n: number) => n.toString(16).padStart(24, '0');

async function recordFailedJob(store: MemoryArtifactStore, id: string, failure: Record<string, unknown>): Promise<void> {
  await store.put(`${failedJobsPrefix(RUN)}${id}.json`, Buffer.from(JSON.stringify({ job: id, class: 'medium', failure })));
}

describe('describeFailedJobs', () => {
  it('no failed-job records (Plan or an unknown class failed the level): the failure as it was, no jobs', async () => {
    const described = await describeFailedJobs({ runId: RUN, failure: MAP_FAILURE, store: new MemoryArtifactStore() });
    expect(described).toEqual({ ...MAP_FAILURE, jobs: [] });
  });

  it('a cause that is not Batch JSON (an API error after retries, or truncated) is kept as text; a missing one is tolerated', async () => {
    const store = new MemoryArtifactStore();
    await recordFailedJob(store, job(1), { Error: 'Batch.AWSBatchException', Cause: 'Rate exceeded' });
    await recordFailedJob(store, job(2), { Error: 'States.Timeout' });
    const described = await describeFailedJobs({ runId: RUN, failure: { state: 'ProveLevel' }, store });
    expect(described.jobs).toEqual([
      { job: job(1), class: 'medium', error: 'Batch.AWSBatchException', cause: 'Rate exceeded', attempts: [] },
      { job: job(2), class: 'medium', error: 'States.Timeout', attempts: [] },
    ]);
    expect(described).toMatchObject({ Error: 'ProverJobFailed', Cause: `job ${job(1)} failed: Rate exceeded (and 1 more failed job)` });
  });

  it('ignores an error.json older than the job\'s first attempt in this run (left by an earlier run)', async () => {
    const store = new MemoryArtifactStore();
    const startedAt = Date.parse('2026-02-01T10:00:00Z');
    const cause = { JobId: 'b-1', Status: 'FAILED', StatusReason: 'Host EC2 (instance i-0abc) terminated.', Attempts: [{ Container: {}, StartedAt: startedAt, StatusReason: 'Host EC2 (instance i-0abc) terminated.' }], Container: {} };
    await recordFailedJob(store, job(3), { Error: 'States.TaskFailed', Cause: JSON.stringify(cause) });
    const stale = { id: job(3), message: 'old failure', retryable: false, failedAt: '2026-01-31T09:00:00Z', host: 'h' };
    await store.put(jobErrorKey(job(3)), Buffer.from(JSON.stringify(stale)));
    const [described] = (await describeFailedJobs({ runId: RUN, failure: MAP_FAILURE, store })).jobs;
    expect(described).toEqual({
      job: job(3),
      class: 'medium',
      error: 'States.TaskFailed',
      batchJobId: 'b-1',
      status: 'FAILED',
      statusReason: 'Host EC2 (instance i-0abc) terminated.',
      exitCode: null,
      attempts: [{ statusReason: 'Host EC2 (instance i-0abc) terminated.', startedAt }],
    });
  });

  it(`lists at most ${MAX_LISTED_JOBS} jobs and counts the rest`, async () => {
    const store = new MemoryArtifactStore();
    for (let n = 1; n <= MAX_LISTED_JOBS + 3; n++) await recordFailedJob(store, job(n), { Error: 'States.TaskFailed', Cause: '{}' });
    const described = await describeFailedJobs({ runId: RUN, failure: MAP_FAILURE, store });
    expect(described.jobs).toHaveLength(MAX_LISTED_JOBS);
    expect(described.moreJobs).toBe(3);
    expect(described.Cause).toContain(`(and ${MAX_LISTED_JOBS + 2} more failed jobs)`);
  });
});
