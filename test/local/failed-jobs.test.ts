/**
 * A failed proving job, end to end on the local runtime: the synthesized state machine (aws-local-stepfunctions),
 * the local Batch executor applying the job definition's retry strategy, the real job runner with a TEST DOUBLE
 * backend that fails one job like bb does, and the DescribeFailedJobs pipeline function. failure.json must name
 * the job, its type, Batch's status reason and exit code, every attempt and the runner's own message — not the
 * Distributed Map's "tolerated failure threshold exceeded".
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthesizeProverTemplate } from '../../lib/infra/prover-app.ts';
import { RETRYABLE_EXIT_CODE } from '../../lib/job-retry.ts';
import { STATE } from '../../lib/infra/workflow-definition.ts';
import { lambdaEventSchemas } from '../../lib/local/lambda-events.ts';
import { LocalBatchExecutor, type ContainerLauncher } from '../../lib/local/batch-executor.ts';
import { LocalStateMachine } from '../../lib/local/state-machine-runner.ts';
import { findStateMachine, jobDefinitions, type CfnTemplate } from '../../lib/local/template.ts';
import { describeFailedJobs, failedJobsPrefix } from '../../lib/pipeline/failed-jobs.ts';
import { MemoryArtifactStore } from '../../lib/proving/artifact-store.ts';
import type { JobAdapter } from '../../lib/proving/job-adapter.ts';
import { exitCodeFor, runJob } from '../../lib/proving/job-runner.ts';
import { failureKey, jobSpecKey, levelKey } from '../../lib/proving/keys.ts';
import { testDoubleBackend } from '../proving/fake-backend.ts';

const RUN = 'devnet-0000000001-0000000001-0a1b2c3d';
const GOOD = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const BAD = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const BB_SAYS = 'Builder failure when we have real witnesses';

/** TEST DOUBLE backend: "proves" every job but BAD, which fails the way bb fails on a bad witness (not retryable). */
const backend = testDoubleBackend({ fail: { reason: 'exit code 1', stderr: BB_SAYS }, failIf: ({ args }) => args.some((arg) => arg.includes(BAD)) });
const adapter: JobAdapter = {
  profile: 'devnet',
  async prepare(spec, io) {
    const outDir = join(io.workDir, `out-${spec.id}`);
    return { args: ['prove', '-o', outDir], outDir, outputs: ['proof', 'public_inputs', 'vk'] };
  },
};

describe('a failed proving job on the local runtime', () => {
  it('failure.json names the job, its type, Batch status reason and exit code, every attempt and the runner message', async () => {
    const store = new MemoryArtifactStore();
    for (const [id, type, resourceClass] of [[GOOD, 'TUBE', 'small'], [BAD, 'BASE', 'medium']] as const) {
      const spec = { kind: 'protocol', id, profile: 'devnet', type, class: resourceClass, children: [], block: 1, inputs: {} };
      await store.put(jobSpecKey(id), Buffer.from(JSON.stringify(spec)));
    }
    const level = levelKey(RUN, 0);
    await store.put(level, Buffer.from(JSON.stringify([{ steps: [{ job: GOOD, class: 'small' }] }, { steps: [{ job: BAD, class: 'medium' }] }])));

    const template = synthesizeProverTemplate({ config: { profile: 'devnet', proverImage: 'local/prover' } }) as unknown as CfnTemplate;
    const { definition } = findStateMachine(template);
    const attempts = new Map<string, number>();
    // Batch: BAD's first attempt dies retryably (exit 75, e.g. S3 throttled) before the runner starts; the job
    // definition retries it; the second attempt runs the real job runner, which fails it for good (exit 1).
    const launch: ContainerLauncher = async (_command, env) => {
      const job = env['JOB_ID']!;
      attempts.set(job, (attempts.get(job) ?? 0) + 1);
      if (job === BAD && attempts.get(job) === 1) return { exitCode: RETRYABLE_EXIT_CODE, signal: null, stdout: '', stderr: 'S3 SlowDown' };
      const outcome = await runJob(job, { store, backend, adapters: { devnet: adapter } });
      return { exitCode: exitCodeFor(outcome), signal: null, stdout: JSON.stringify(outcome), stderr: outcome.status === 'failed' ? outcome.message : '' };
    };
    const executor = new LocalBatchExecutor({ definitions: jobDefinitions(template), concurrency: 1, launch });
    const machine = new LocalStateMachine({
      definition,
      executor,
      store,
      lambdas: {
        [STATE.plan]: async () => ({ runId: RUN, levels: [{ level: 0, key: level, count: 2 }] }),
        [STATE.submit]: async () => {
          throw new Error('Submit must not run after a failed level');
        },
        [STATE.describeFailedJobs]: async (payload) => {
          const event = lambdaEventSchemas.describeFailedJobs.parse(payload);
          return describeFailedJobs({ runId: event.runId, failure: event.failure, store });
        },
      },
    });

    await expect(machine.run({ fromBlock: 1, toBlock: 1 }, RUN)).rejects.toThrow();

    expect(await store.list(failedJobsPrefix(RUN))).toEqual([`${failedJobsPrefix(RUN)}${BAD}.json`]);
    const record = JSON.parse(Buffer.from((await store.get(failureKey(RUN)))!).toString('utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({
      error: 'ProverJobFailed',
      cause: expect.stringMatching(new RegExp(`^job ${BAD} \\(BASE\\) failed: job ${BAD}: bb failed: exit code 1`)),
      state: STATE.proveLevel,
      execution: expect.stringContaining(RUN),
    });
    expect(record['jobs']).toEqual([
      {
        job: BAD,
        class: 'medium',
        type: 'BASE',
        error: 'States.TaskFailed',
        batchJobId: expect.any(String),
        status: 'FAILED',
        statusReason: expect.stringContaining('Essential container in task exited'),
        exitCode: 1,
        attempts: [
          expect.objectContaining({ exitCode: RETRYABLE_EXIT_CODE, statusReason: expect.stringContaining('S3 SlowDown') }),
          expect.objectContaining({ exitCode: 1, statusReason: expect.stringContaining(BB_SAYS) }),
        ],
        runnerError: expect.stringContaining('bb failed: exit code 1'),
      },
    ]);
    expect(JSON.stringify(record)).not.toMatch(/tolerated failure/i);
  });
});
