/**
 * `prover prove-block` and `prover status` against LocalStack's Step Functions and S3, with blocks proposed on
 * a real DevnetRollup (anvil). The synthesized state machine is created in LocalStack as in workflow.test.ts;
 * the CLI finds it with --state-machine-arn (LocalStack's `#<TestCase>` suffix selects the mocked Lambda and
 * Batch responses) and reaches LocalStack through AWS_ENDPOINT_URL, as an operator would. Each run is planned
 * for real (planRun on LocalStack's S3 against the rollup), and the mocked Plan returns that plan's output.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { paginateListExecutions } from '@aws-sdk/client-sfn';
import { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import type { Address, Hex } from 'viem';
import { toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3ArtifactStore } from '../../lib/aws/s3-artifact-store.ts';
import { SfnExecutions } from '../../lib/aws/sfn-executions.ts';
import { proveBlock, register as registerProveBlock, type ProveBlockReport } from '../../lib/cli/prove-block.ts';
import { register as registerStatus, type RunStatus } from '../../lib/cli/status.ts';
import { ProverError } from '../../lib/errors.ts';
import { synthesizeProverTemplate } from '../../lib/infra/prover-app.ts';
import { STATE } from '../../lib/infra/workflow-definition.ts';
import { devnetRollupView } from '../../lib/l1/devnet-rollup-port.ts';
import { findStateMachine, type CfnTemplate } from '../../lib/local/template.ts';
import { writeBlockRecord } from '../../lib/pipeline/block-record.ts';
import { planRun, type PlanOutput } from '../../lib/pipeline/plan-run.ts';
import { pollOnce } from '../../lib/pipeline/poll.ts';
import { devnetProfile } from '../../lib/protocols/devnet/profile.ts';
import { runId as makeRunId } from '../../lib/proving/job-id.ts';
import { jobResultKey } from '../../lib/proving/keys.ts';
import type { LevelItem } from '../../lib/proving/levels.ts';
import { archiveOf, createL1Context, effectsOf, PROVER_ID, type L1Context } from '../l1/fixtures/l1-context.ts';
import { localstack } from './aws-clients.ts';
import { createStateMachine } from './sfn-harness.ts';
import { addSfnMockTestCase, type MockedResponse } from './sfn-mock-config.ts';

const ls = localstack();
// The CLI builds its own clients: point every AWS service at LocalStack the way an operator would.
Object.assign(process.env, { AWS_ENDPOINT_URL: ls.endpoint, AWS_REGION: ls.region, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
const sfn = ls.sfn();
const s3 = ls.s3();
const bucket = `prove-block-${randomUUID().slice(0, 8)}`;
let store: S3ArtifactStore;
let machineArn = '';
let machineName = '';
let ctx: L1Context;
/** Blocks 1..2 proposed (the poller's view must end there). */
let rollupA: Address;
/** Blocks 1..4 proposed. */
let rollupB: Address;

const OK: MockedResponse = { Return: { JobId: 'job-id', JobName: 'job', Status: 'SUCCEEDED' } };
const SUBMITTED = { status: 'submitted', txHash: `0x${'ab'.repeat(32)}`, block: 7 };
const lambdaReturns = (payload: unknown): Record<string, MockedResponse> => ({ '0': { Return: { StatusCode: 200, Payload: payload } } });
const txHash = (block: number, i: number): Hex => toHex(BigInt(block) * 1000n + BigInt(i) + 1n, { size: 32 });

beforeAll(async () => {
  ctx = await createL1Context();
  rollupA = await ctx.deployRollup();
  await ctx.proposeBlocks(rollupA, 1n, 2n);
  rollupB = await ctx.deployRollup();
  await ctx.proposeBlocks(rollupB, 1n, 4n);

  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  store = await S3ArtifactStore.connect({ client: s3, bucket });
  // The tx source's records (both rollups carry the same deterministic archives).
  for (let n = 1; n <= 4; n++) {
    const txs = Array.from({ length: 2 }, (_, i) => ({ hash: txHash(n, i), kind: 'tx', inputs: { client_proof: `txs/${txHash(n, i)}/proof` } }));
    await writeBlockRecord(store, { profile: 'devnet', number: n, effectsHash: effectsOf(BigInt(n)), archive: archiveOf(BigInt(n)), previousArchive: archiveOf(BigInt(n - 1)), txs, inputs: {} });
  }
  const template = synthesizeProverTemplate({ config: { proverImage: 'public.ecr.aws/example/prover:test' } }) as unknown as CfnTemplate;
  const bucketId = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::S3::Bucket')![0];
  const { definition } = findStateMachine(template, { [bucketId]: bucket });
  machineName = `prove-block-${randomUUID().slice(0, 8)}`;
  machineArn = await createStateMachine(sfn, machineName, definition);
}, 300_000);
afterAll(async () => ctx?.close());

interface PlannedRange {
  readonly name: string;
  readonly plan: PlanOutput;
  readonly levels: LevelItem[][];
  readonly jobIds: string[];
}

/** What Plan would do for the execution `name`: the real planRun on LocalStack's S3 against the rollup. */
async function plan(rollup: Address, name: string, fromBlock: number, toBlock: number): Promise<PlannedRange> {
  const out = await planRun({ runId: name, fromBlock, toBlock, profile: devnetProfile, store, rollup: devnetRollupView(ctx.sequencer, rollup), maxBlocks: 4, proverId: PROVER_ID });
  const levels: LevelItem[][] = [];
  for (const ref of out.levels) levels.push(JSON.parse(Buffer.from((await store.get(ref.key))!).toString('utf8')) as LevelItem[]);
  return { name, plan: out, levels, jobIds: levels.flat().flatMap((item) => item.steps.map((s) => s.job)) };
}

/** The run id the poller gives blocks from..to: over their L1 archives (computed here independently). */
const expectedRunId = (from: number, to: number) => makeRunId('devnet', from, to, Array.from({ length: to - from + 1 }, (_, i) => archiveOf(BigInt(from + i))));

/** A mock test case: Plan returns the plan, one OK per Batch job of each class, Submit returns a submission. */
function testCase(planned: PlannedRange, planResponse?: Record<string, MockedResponse>): string {
  const states: Record<string, Record<string, MockedResponse>> = { [STATE.plan]: planResponse ?? lambdaReturns(planned.plan), [STATE.submit]: lambdaReturns(SUBMITTED) };
  const perClass = new Map<string, number>();
  for (const step of planned.levels.flat().flatMap((item) => item.steps)) perClass.set(step.class, (perClass.get(step.class) ?? 0) + 1);
  for (const [cls, count] of perClass) states[STATE.prove(cls)] = { [`0-${count - 1}`]: OK };
  return addSfnMockTestCase(ls.sfnMockConfigPath, machineName, states);
}

/** `prover <args>` through commander: what it printed to stdout, and what it threw (bin/cli.ts prints that). */
async function cli(args: string[]): Promise<{ out: string; error: unknown }> {
  const program = new Command('prover').exitOverride();
  registerProveBlock(program, {});
  registerStatus(program, {});
  let out = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { out, error: undefined };
  } catch (error) {
    return { out, error };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

const l1Flags = (rollup: Address) => ['--rpc-url', ctx.anvil.rpcUrl, '--rollup', rollup];

async function executionNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListExecutions({ client: sfn }, { stateMachineArn: machineArn })) for (const e of page.executions ?? []) names.push(e.name!);
  return names;
}

describe('prover prove-block / status on LocalStack Step Functions', () => {
  it('starts blocks 1..2 once under the poller\'s name: a second start and a poll find that execution; status reports it', async () => {
    const name = expectedRunId(1, 2);
    const planned = await plan(rollupA, name, 1, 2);
    // Two jobs already proven (e.g. by an earlier run): status counts them as done.
    for (const job of planned.jobIds.slice(0, 2)) await store.put(jobResultKey(job), Buffer.from('{}'));
    const arn = `${machineArn}#${testCase(planned)}`;

    const first = await cli(['prove-block', '1', '--to', '2', ...l1Flags(rollupA), '--state-machine-arn', arn, '--json']);
    expect(first.error).toBeUndefined();
    const started = JSON.parse(first.out) as ProveBlockReport;
    expect(started).toMatchObject({ run: name, runId: name, attempt: 1, fromBlock: 1, toBlock: 2, outcome: 'started', stateMachineArn: arn });

    const second = await cli(['prove-block', '1', '--to', '2', ...l1Flags(rollupA), '--state-machine-arn', arn]);
    expect(second.error).toBeUndefined();
    expect(second.out).toMatch(new RegExp(`^run ${name} already started/finished: (RUNNING|SUCCEEDED) \\(nothing started\\)\\n$`));
    expect(await executionNames()).toEqual([name]);

    // The scheduled poller, on the same state machine, starts nothing for that range.
    const poll = await pollOnce({ profile: 'devnet', rollup: devnetRollupView(ctx.sequencer, rollupA), executions: new SfnExecutions(sfn, machineArn), maxBlocksPerRun: 2, maxRunsPerPoll: 4 });
    expect(poll.started).toEqual([]);
    expect(poll.alreadyRunning).toEqual([name]);
    expect(await executionNames()).toEqual([name]);

    const status = await cli(['status', name, '--state-machine-arn', machineArn, '--bucket', bucket, '--json']);
    expect(status.error).toBeUndefined();
    const report = JSON.parse(status.out) as RunStatus;
    expect(report).toMatchObject({ run: name, fromBlock: 1, toBlock: 2, attempt: 1, executionArn: `${machineArn.replace(':stateMachine:', ':execution:')}:${name}` });
    expect(['RUNNING', 'SUCCEEDED']).toContain(report.status);
    expect(report.startDate).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(report.artifacts).toEqual({ bucket, jobs: { total: planned.plan.jobs, done: 2 } });

    const missing = await cli(['status', expectedRunId(3, 4), '--state-machine-arn', machineArn]);
    expect((missing.error as Error).message).toBe(`no run ${expectedRunId(3, 4)} on ${machineArn} (--state-machine-arn)`);
  }, 120_000);

  it('--wait follows a mocked run of block 3 to SUCCEEDED', async () => {
    const name = expectedRunId(3, 3);
    const planned = await plan(rollupB, name, 3, 3);
    const arn = `${machineArn}#${testCase(planned)}`;
    const said: string[] = [];

    const report = await proveBlock('3', { rpcUrl: [ctx.anvil.rpcUrl], rollup: rollupB, stateMachineArn: arn, bucket, wait: true }, { env: {}, say: (l) => said.push(l), pollMs: { first: 250, max: 1000 } });

    expect(report).toMatchObject({ run: name, outcome: 'started', final: { run: name, status: 'SUCCEEDED', fromBlock: 3, toBlock: 3 } });
    expect(report.final?.stopDate).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(report.final?.artifacts?.jobs?.total).toBe(planned.plan.jobs);
    expect(said[0]).toBe(`run ${name} started: blocks 3..3`);
  }, 120_000);

  it('--wait on a failing run exits non-zero with the cause and failure.json; the next start is attempt -r2', async () => {
    const name = expectedRunId(4, 4);
    const planned = await plan(rollupB, name, 4, 4);
    const cause = 'tx data for block 4 does not match its L1 proposal';
    const failing = testCase(planned, { '0': { Throw: { Error: 'InputError', Cause: cause } } });

    const failed = await cli(['prove-block', '4', ...l1Flags(rollupB), '--state-machine-arn', `${machineArn}#${failing}`, '--bucket', bucket, '--wait']);

    expect(failed.error).toBeInstanceOf(ProverError);
    const error = failed.error as ProverError;
    expect(error.shortMessage).toBe(`run ${name} FAILED: InputError`);
    expect(error.metaMessages[0]).toBe(`cause: ${cause}`);
    expect(JSON.parse(error.metaMessages[1]!.replace(/^failure\.json: /, ''))).toMatchObject({ error: 'InputError', cause, state: STATE.plan });
    expect(failed.out).toMatch(new RegExp(`^run ${name} started: blocks 4..4\\n[^]*run ${name}: FAILED\\n`));

    // Same as the poller: a failed name is closed for 90 days, so the range is retried as -r2.
    const retry = await plan(rollupB, `${name}-r2`, 4, 4);
    const again = await cli(['prove-block', '4', ...l1Flags(rollupB), '--state-machine-arn', `${machineArn}#${testCase(retry)}`, '--json']);
    expect(again.error).toBeUndefined();
    expect(JSON.parse(again.out)).toMatchObject({ run: `${name}-r2`, runId: name, attempt: 2, outcome: 'started' });
  }, 120_000);
});
