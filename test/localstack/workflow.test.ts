/**
 * The real proving workflow in LocalStack: the stack is synthesized in-process (lib/infra/prover-app.ts), the
 * state machine's DefinitionString resolved (lib/local/template.ts: Ref/GetAtt/Fn::Join → fake ARNs, the
 * artifact bucket → a LocalStack bucket), created in LocalStack's Step Functions and run with mocked Lambda
 * and Batch responses. Level files are real S3 objects written with the planner's levels for a devnet block.
 *
 * What LocalStack 4.14 lets us see (sfn-features.test.ts): parent history and per-level map runs with item
 * counts; not the child executions, and a failed child does not fail the Map. So each Batch state gets exactly
 * as many mocked responses as the plan needs (a missing or extra call fails an item) and every map run must
 * report zero failed items.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '../../lib/aws/s3-artifact-store.ts';
import { synthesizeProverTemplate } from '../../lib/infra/prover-app.ts';
import { STATE } from '../../lib/infra/workflow-definition.ts';
import { findStateMachine, type CfnTemplate } from '../../lib/local/template.ts';
import { devnetProfile } from '../../lib/protocols/devnet/profile.ts';
import { runId as makeRunId } from '../../lib/proving/job-id.ts';
import { failureKey, levelKey } from '../../lib/proving/keys.ts';
import { planLevels, type LevelItem } from '../../lib/proving/levels.ts';
import type { BlockShape } from '../../lib/proving/profile.ts';
import { localstack } from './aws-clients.ts';
import { createStateMachine, runMocked } from './sfn-harness.ts';
import { addSfnMockTestCase, type MockedResponse } from './sfn-mock-config.ts';

const ls = localstack();
const sfn = ls.sfn();
const s3 = ls.s3();
const bucket = `workflow-${randomUUID().slice(0, 8)}`;
let store: S3ArtifactStore;
let machineArn = '';
let machineName = '';

const OK: MockedResponse = { Return: { JobId: 'job-id', JobName: 'job', Status: 'SUCCEEDED' } };
const SUBMITTED = { status: 'submitted', txHash: `0x${'ab'.repeat(32)}`, block: 7 };

interface PlannedRun {
  readonly runId: string;
  readonly levels: LevelItem[][];
  /** Plan's Lambda result: keys and counts only (the level items stay in S3). */
  readonly planResult: { runId: string; levels: { level: number; key: string; count: number }[] };
  readonly jobIds: string[];
}

/** Plans one devnet block of `txs` txs with the real planner and writes its level files to S3. */
async function planBlock(txs: number): Promise<PlannedRun> {
  const block: BlockShape = {
    number: 7,
    txs: Array.from({ length: txs }, () => ({ hash: `0x${randomBytes(32).toString('hex')}`, kind: 'tx' })),
  };
  const runId = makeRunId(devnetProfile.name, 7, 7, block.txs.map((t) => t.hash));
  const levels = planLevels(devnetProfile.planRange([block]), devnetProfile);
  const planned = [];
  for (const [level, items] of levels.entries()) {
    const key = levelKey(runId, level);
    await store.put(key, Buffer.from(JSON.stringify(items)), { contentType: 'application/json' });
    planned.push({ level, key, count: items.length });
  }
  const jobIds = levels.flat().flatMap((item) => item.steps.map((s) => s.job));
  return { runId, levels, planResult: { runId, levels: planned }, jobIds };
}

/** Exactly one mocked response per Batch job of each class (none for a class the plan does not use). */
function batchBudgets(levels: LevelItem[][], first?: MockedResponse): Record<string, Record<string, MockedResponse>> {
  const perClass = new Map<string, number>();
  for (const step of levels.flat().flatMap((item) => item.steps)) perClass.set(step.class, (perClass.get(step.class) ?? 0) + 1);
  const out: Record<string, Record<string, MockedResponse>> = {};
  for (const [cls, count] of perClass) {
    // `first` is an extra first response (e.g. a transient error), so the budget grows by one.
    out[STATE.prove(cls)] = first ? { '0': first, [`1-${count}`]: OK } : { [`0-${count - 1}`]: OK };
  }
  return out;
}

/** Registers a test case for the workflow machine; state names map to their responses. */
function testCase(states: Record<string, Record<string, MockedResponse>>): string {
  return addSfnMockTestCase(ls.sfnMockConfigPath, machineName, states);
}

/** Lambda tasks (payloadResponseOnly) are mocked with what lambda:Invoke returns. */
const lambdaReturns = (payload: unknown): Record<string, MockedResponse> => ({ '0': { Return: { StatusCode: 200, Payload: payload } } });

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  store = await S3ArtifactStore.connect({ client: s3, bucket });
  const template = synthesizeProverTemplate({ config: { proverImage: 'public.ecr.aws/example/prover:test' } }) as unknown as CfnTemplate;
  const bucketIds = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::S3::Bucket').map(([id]) => id);
  expect(bucketIds).toHaveLength(1);
  const { definition } = findStateMachine(template, { [bucketIds[0]!]: bucket });
  machineName = `proving-${randomUUID().slice(0, 8)}`;
  machineArn = await createStateMachine(sfn, machineName, definition);
}, 120_000);

describe('proving workflow (synthesized) on LocalStack', () => {
  it.each([
    { txs: 1, widths: [1, 1, 1] },
    { txs: 3, widths: [3, 1, 1, 1] },
    { txs: 5, widths: [5, 2, 1, 1, 1] },
  ])('a block of $txs txs: one Distributed Map run per level, widths $widths, each job proven once', async ({ txs, widths }) => {
    const run = await planBlock(txs);
    expect(run.levels.map((items) => items.length)).toEqual(widths);
    const tc = testCase({ [STATE.plan]: lambdaReturns(run.planResult), ...batchBudgets(run.levels), [STATE.submit]: lambdaReturns(SUBMITTED) });

    const result = await runMocked(sfn, machineArn, tc, { fromBlock: 7, toBlock: 7 }, { name: run.runId });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.mapRuns.map((r) => r.items.total)).toEqual(widths);
    expect(result.mapRuns.map((r) => [r.status, r.items.failed])).toEqual(widths.map(() => ['SUCCEEDED', 0]));
    expect(result.entered(STATE.selectLevel)).toBe(widths.length);
    expect(result.entered(STATE.moreLevels)).toBe(widths.length + 1);
    expect(result.entered(STATE.submit)).toBe(1);
    expect((result.output as { submission?: unknown }).submission).toEqual(SUBMITTED);
    expect(await store.exists(failureKey(run.runId))).toBe(false);

    // Payloads carry keys and counts only: no job id ever appears in the parent's state data, and it stays small.
    const payloads = result.payloads();
    expect(payloads.length).toBeGreaterThan(0);
    for (const job of run.jobIds) expect(payloads.some((p) => p.includes(job))).toBe(false);
    expect(Math.max(...payloads.map((p) => Buffer.byteLength(p)))).toBeLessThan(4096);
  });

  it('retries a prove step hit by a transient Batch error (spot reclaim) and proves every job', async () => {
    const run = await planBlock(3);
    const reclaimed: MockedResponse = { Throw: { Error: 'Batch.AWSBatchException', Cause: 'Host EC2 (instance i-0abc) terminated.' } };
    const tc = testCase({ [STATE.plan]: lambdaReturns(run.planResult), ...batchBudgets(run.levels, reclaimed), [STATE.submit]: lambdaReturns(SUBMITTED) });

    const result = await runMocked(sfn, machineArn, tc, { fromBlock: 7, toBlock: 7 }, { name: run.runId });

    expect(result.status).toBe('SUCCEEDED');
    // Each class's first call failed and was retried: budget = jobs + 1 per class, all used, no failed item.
    expect(result.mapRuns.map((r) => [r.items.succeeded, r.items.failed])).toEqual(run.levels.map((items) => [items.length, 0]));
  });

  it.each([
    { state: STATE.plan, error: 'InputError', cause: 'toBlock must not be below fromBlock' },
    { state: STATE.submit, error: 'SubmissionReverted', cause: 'execution reverted: proof rejected' },
  ])('a deterministic $error in $state takes the Catch: failure.json is recorded, then the run fails', async ({ state, error, cause }) => {
    const run = await planBlock(1);
    const fails: Record<string, MockedResponse> = { '0': { Throw: { Error: error, Cause: cause } } };
    const tc = testCase({
      [STATE.plan]: state === STATE.plan ? fails : lambdaReturns(run.planResult),
      ...batchBudgets(run.levels),
      [STATE.submit]: state === STATE.submit ? fails : lambdaReturns(SUBMITTED),
    });

    const result = await runMocked(sfn, machineArn, tc, { fromBlock: 7, toBlock: 7 }, { name: run.runId });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(error);
    expect(result.entered(STATE.failed(state))).toBe(1);
    expect(result.entered(STATE.recordFailure)).toBe(1);
    expect(result.mapRuns).toHaveLength(state === STATE.plan ? 0 : run.levels.length);
    const record = JSON.parse(Buffer.from((await store.get(failureKey(run.runId)))!).toString('utf8')) as Record<string, unknown>;
    expect(record).toEqual({ error, cause, state, jobs: [], execution: result.executionArn });
  });
});
