/**
 * What LocalStack 4.14's free Step Functions runs of the constructs our workflow uses, with mocked Lambda and
 * Batch responses (SFN_MOCK_CONFIG) and real S3. The last tests pin LocalStack limitations: if one starts
 * failing, LocalStack changed and the workflow test (workflow.test.ts) may assert more.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, ListMapRunsCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '../../lib/aws/s3-artifact-store.ts';
import { ACCOUNT, localstack } from './aws-clients.ts';
import { probeWorkflow } from './probe-workflow.ts';
import { createStateMachine, runMocked } from './sfn-harness.ts';
import { addSfnMockTestCase, type MockedResponse } from './sfn-mock-config.ts';

const ls = localstack();
const sfn = ls.sfn();
const s3 = ls.s3();
const bucket = `sfn-probe-${randomUUID().slice(0, 8)}`;
let store: S3ArtifactStore;
const machines: Record<string, string> = {};

/** Level 0: two txs, each a chain small → large (devnet: tube → base). Level 1: the root, large. */
const LEVELS = [
  [{ steps: [{ job: 'tx0-tube', class: 'small' }, { job: 'tx0-base', class: 'large' }] }, { steps: [{ job: 'tx1-tube', class: 'small' }, { job: 'tx1-base', class: 'large' }] }],
  [{ steps: [{ job: 'root', class: 'large' }] }],
];
const OK: MockedResponse = { Return: { JobId: 'job-id', JobName: 'job', Status: 'SUCCEEDED' } };
const RECLAIMED: MockedResponse = { Throw: { Error: 'Batch.AWSBatchException', Cause: 'Host EC2 (instance i-0abc) terminated.' } };
const SUBMITTED: MockedResponse = { Return: { StatusCode: 200, Payload: { status: 'submitted', txHash: '0xfeed' } } };

/** Writes the level files for a run and returns the Plan Lambda's mocked response (InvocationResponse shape). */
async function seedRun(runId: string): Promise<MockedResponse> {
  const levels = [];
  for (const [level, items] of LEVELS.entries()) {
    const key = `runs/${runId}/levels/${level}.json`;
    await store.put(key, Buffer.from(JSON.stringify(items)), { contentType: 'application/json' });
    levels.push({ level, key, count: items.length });
  }
  // Lambda mocks return what lambda:Invoke returns; the function-ARN Task form then outputs Payload.
  return { Return: { StatusCode: 200, Payload: { runId, levels } } };
}

/** Registers one test case (mocks for the probe machines) and returns its name. */
async function testCase(machine: string, states: Record<string, Record<string, MockedResponse>>): Promise<string> {
  return addSfnMockTestCase(ls.sfnMockConfigPath, machine, states);
}

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  store = await S3ArtifactStore.connect({ client: s3, bucket });
  const suffix = randomUUID().slice(0, 8);
  machines['probe'] = await createStateMachine(sfn, `probe-${suffix}`, probeWorkflow({ bucket }));
  machines['noRetry'] = await createStateMachine(sfn, `probe-noretry-${suffix}`, probeWorkflow({ bucket, batchRetry: false }));
});

const machineName = (key: string) => machines[key]!.split(':').at(-1)!;

async function failureOf(runId: string): Promise<unknown> {
  const bytes = await store.get(`runs/${runId}/failure.json`);
  return bytes === undefined ? undefined : (JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown);
}

describe('LocalStack 4.14 Step Functions: supported', () => {
  it('runs mocked Lambda tasks, the intrinsic Choice loop, and one Distributed Map run per level with items read from S3', async () => {
    const runId = `run-${randomUUID().slice(0, 8)}`;
    // Exact budgets: 2 small jobs, 3 large jobs. One call more than budgeted would fail its item.
    const tc = await testCase(machineName('probe'), {
      Plan: { '0': await seedRun(runId) },
      ProveSmall: { '0-1': OK },
      ProveLarge: { '0-2': OK },
      Submit: { '0': SUBMITTED },
    });
    const result = await runMocked(sfn, machines['probe']!, tc, { fromBlock: 1, toBlock: 1 });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ status: 'submitted', txHash: '0xfeed' });
    expect(result.entered('HasMoreLevels')).toBe(3);
    expect(result.entered('SelectLevel')).toBe(2);
    expect(result.mapRuns.map((r) => [r.status, r.items.total, r.items.succeeded, r.items.failed])).toEqual([
      ['SUCCEEDED', 2, 2, 0],
      ['SUCCEEDED', 1, 1, 0],
    ]);
    expect(await failureOf(runId)).toBeUndefined();
  });

  it('a Task called more often than its mocked responses allow fails its item (so budgets are exact checks)', async () => {
    const runId = `run-${randomUUID().slice(0, 8)}`;
    const tc = await testCase(machineName('probe'), {
      Plan: { '0': await seedRun(runId) },
      ProveSmall: { '0-1': OK },
      ProveLarge: { '0-1': OK }, // one short: the root (level 1) has no response left
      Submit: { '0': SUBMITTED },
    });
    const result = await runMocked(sfn, machines['probe']!, tc, { fromBlock: 1, toBlock: 1 });
    expect(result.mapRuns.map((r) => r.items.failed)).toEqual([0, 1]);
  });

  it('Retry on a transient Batch error (spot reclaim surfacing as Batch.AWSBatchException) re-runs the task', async () => {
    const runId = `run-${randomUUID().slice(0, 8)}`;
    const mocks = {
      Plan: { '0': await seedRun(runId) },
      ProveSmall: { '0': RECLAIMED, '1-2': OK }, // first small job is reclaimed once: 3 calls for 2 jobs
      ProveLarge: { '0-2': OK },
      Submit: { '0': SUBMITTED },
    };
    const withRetry = await runMocked(sfn, machines['probe']!, await testCase(machineName('probe'), mocks), { fromBlock: 1, toBlock: 1 });
    expect(withRetry.mapRuns.map((r) => r.items.failed)).toEqual([0, 0]);
    expect(withRetry.mapRuns.map((r) => r.items.succeeded)).toEqual([2, 1]);

    // Control: the same responses without the Retry block lose the reclaimed item.
    const withoutRetry = await runMocked(sfn, machines['noRetry']!, await testCase(machineName('noRetry'), mocks), { fromBlock: 1, toBlock: 1 });
    expect(withoutRetry.mapRuns[0]!.items.failed).toBe(1);
  });

  it('Catch (States.ALL) on a failing Lambda task records runs/<runId>/failure.json via aws-sdk:s3:putObject, then fails', async () => {
    const runId = `run-${randomUUID().slice(0, 8)}`;
    const tc = await testCase(machineName('probe'), {
      Plan: { '0': await seedRun(runId) },
      ProveSmall: { '0-1': OK },
      ProveLarge: { '0-2': OK },
      Submit: { '0': { Throw: { Error: 'Lambda.ServiceException', Cause: 'L1 RPC unreachable' } } },
    });
    const result = await runMocked(sfn, machines['probe']!, tc, { fromBlock: 1, toBlock: 1 });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ProvingFailed');
    expect(result.entered('RecordFailure')).toBe(1);
    expect(await failureOf(runId)).toEqual({ Error: 'Lambda.ServiceException', Cause: 'L1 RPC unreachable' });
  });
});

describe('LocalStack 4.14 Step Functions: limitations (pinned so a LocalStack change shows up here)', () => {
  it('a failed Distributed Map child does not fail the Map: the run reports SUCCEEDED with failed items, Catch is skipped', async () => {
    const runId = `run-${randomUUID().slice(0, 8)}`;
    const tc = await testCase(machineName('probe'), {
      Plan: { '0': await seedRun(runId) },
      ProveSmall: { '0-1': OK },
      ProveLarge: { '0-9': { Throw: { Error: 'ProverFailed', Cause: '{"StatusReason":"Essential container in task exited"}' } } },
      Submit: { '0': SUBMITTED },
    });
    const result = await runMocked(sfn, machines['probe']!, tc, { fromBlock: 1, toBlock: 1 });
    // On AWS this run fails (States.ExceedToleratedFailureThreshold, tolerance 0) and the Catch records it.
    expect(result.status).toBe('SUCCEEDED');
    expect(result.mapRuns.map((r) => [r.status, r.items.failed])).toEqual([
      ['SUCCEEDED', 2],
      ['SUCCEEDED', 1],
    ]);
    expect(await failureOf(runId)).toBeUndefined();
  });

  it('a mocked error may not use a States.* name: a mocked States.TaskFailed turns into States.Runtime', async () => {
    const runId = `run-${randomUUID().slice(0, 8)}`;
    const tc = await testCase(machineName('probe'), {
      Plan: { '0': await seedRun(runId) },
      ProveSmall: { '0-1': OK },
      ProveLarge: { '0-2': OK },
      Submit: { '0': { Throw: { Error: 'States.TaskFailed', Cause: 'job failed' } } },
    });
    await runMocked(sfn, machines['probe']!, tc, { fromBlock: 1, toBlock: 1 });
    expect(await failureOf(runId)).toEqual({
      Error: 'States.Runtime',
      Cause: "Custom Error Names MUST NOT begin with the prefix 'States.', got 'States.TaskFailed'.",
    });
  });

  it('Batch is not emulated: an unmocked batch:submitJob.sync fails with Batch.InternalFailure', async () => {
    const runId = `run-${randomUUID().slice(0, 8)}`;
    const definition = {
      StartAt: 'Prove',
      States: {
        Prove: {
          Type: 'Task',
          Resource: 'arn:aws:states:::batch:submitJob.sync',
          Parameters: { JobName: 'j', JobQueue: `arn:aws:batch:us-east-1:${ACCOUNT}:job-queue/q`, JobDefinition: `arn:aws:batch:us-east-1:${ACCOUNT}:job-definition/d:1` },
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }],
          End: true,
        },
        RecordFailure: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:s3:putObject',
          Parameters: { Bucket: bucket, 'Key.$': "States.Format('runs/{}/failure.json', $.runId)", 'Body.$': '$.error' },
          End: true,
        },
      },
    };
    const arn = await createStateMachine(sfn, `batch-unmocked-${randomUUID().slice(0, 8)}`, definition);
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify({ runId }) }));
    expect(executionArn).toBeDefined();
    await expect.poll(() => failureOf(runId), { timeout: 20_000, interval: 250 }).toMatchObject({
      Error: 'Batch.InternalFailure',
      Cause: expect.stringMatching(/The API for service batch is either not included in your current license plan or has not yet been emulated by LocalStack/),
    });
  });

  it('child executions of a Distributed Map cannot be listed (ListExecutions by mapRunArn fails)', async () => {
    const runId = `run-${randomUUID().slice(0, 8)}`;
    const tc = await testCase(machineName('probe'), { Plan: { '0': await seedRun(runId) }, ProveSmall: { '0-1': OK }, ProveLarge: { '0-2': OK }, Submit: { '0': SUBMITTED } });
    const result = await runMocked(sfn, machines['probe']!, tc, { fromBlock: 1, toBlock: 1 });
    expect(result.status).toBe('SUCCEEDED');
    const runs = (await sfn.send(new ListMapRunsCommand({ executionArn: result.executionArn }))).mapRuns ?? [];
    expect(runs).toHaveLength(2);
    await expect(sfn.send(new ListExecutionsCommand({ mapRunArn: runs[0]!.mapRunArn }))).rejects.toThrow(/expected string or bytes-like object/);
  });
});
