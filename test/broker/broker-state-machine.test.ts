/**
 * The broker's per-job state machine, synthesized for the aztec profile, on the local engine with its table on
 * dynalite (a real DynamoDB API): the conditional writes that keep one outcome per job. The Batch container is a
 * test double here (it exits as told and writes the job runner's error record), so each path takes a moment;
 * real proofs through the same machine are in local-broker.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBrokerTable } from '../../lib/aws/dynamo-broker-table.ts';
import { ABORTED_REASON, JOB_STATUS, type BrokerExecutionInput } from '../../lib/broker/contract.ts';
import type { BrokerJobRecord } from '../../lib/broker/ports.ts';
import { BROKER_STATE } from '../../lib/infra/broker-job-definition.ts';
import { synthesizeProverTemplate } from '../../lib/infra/prover-app.ts';
import { LocalBatchExecutor, type ContainerLauncher } from '../../lib/local/batch-executor.ts';
import { createTableFromTemplate, startLocalDynamo, type LocalDynamo } from '../../lib/local/dynamo-server.ts';
import { LocalStateMachine } from '../../lib/local/state-machine-runner.ts';
import { findStateMachine, jobDefinitions, onlyResource, type CfnTemplate } from '../../lib/local/template.ts';
import { MemoryArtifactStore } from '../../lib/proving/artifact-store.ts';
import { jobErrorKey } from '../../lib/proving/keys.ts';

const TABLE = 'state-machine-jobs';
let dynamo: LocalDynamo;
let template: CfnTemplate;
let table: DynamoBrokerTable;
let definition: Record<string, unknown>;
let overrides: Record<string, string>;
let counter = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  template = synthesizeProverTemplate({ config: { profile: 'aztec', proverImage: 'local/prover' } }) as unknown as CfnTemplate;
  const tableId = onlyResource(template, 'AWS::DynamoDB::GlobalTable');
  overrides = { [onlyResource(template, 'AWS::S3::Bucket')]: 'bucket', [tableId]: TABLE };
  await createTableFromTemplate(dynamo.client, template, tableId, TABLE);
  table = new DynamoBrokerTable({ client: dynamo.client, tableName: TABLE });
  definition = findStateMachine(template, overrides, BROKER_STATE.markInProgress).definition;
}, 120_000);
afterAll(async () => {
  await dynamo?.stop();
});

/** Records a queued job and runs its execution with `container` standing in for the Batch job. */
async function runJob(
  container: (env: Readonly<Record<string, string>>, store: MemoryArtifactStore, record: BrokerJobRecord) => Promise<number>,
  before?: (record: BrokerJobRecord) => Promise<void>,
) {
  const n = ++counter;
  const specId = n.toString(16).padStart(24, 'a');
  const record: BrokerJobRecord = {
    id: `1:PARITY_BASE:${n}`,
    type: 16,
    epoch: 1,
    inputsUri: `s3://bucket/proofs/inputs/PARITY_BASE/1:PARITY_BASE:${n}`,
    status: JOB_STATUS.queued,
    resultUri: `s3://bucket/proofs/outputs/PARITY_BASE/1:PARITY_BASE:${n}.json`,
    inputsKey: `proofs/inputs/PARITY_BASE/1:PARITY_BASE:${n}`,
    outputKey: `proofs/outputs/PARITY_BASE/1:PARITY_BASE:${n}.json`,
    specId,
    execution: `e1-PARITY_BASE-${specId}`,
    enqueuedAt: new Date().toISOString(),
  };
  await table.create(record);
  await before?.(record);
  const store = new MemoryArtifactStore();
  let launches = 0;
  const launch: ContainerLauncher = async (_command, env) => {
    launches++;
    const exitCode = await container(env, store, record);
    return { exitCode, signal: null, stdout: '', stderr: exitCode === 0 ? '' : 'failed' };
  };
  const executor = new LocalBatchExecutor({ definitions: jobDefinitions(template, overrides), concurrency: 1, launch });
  const machine = new LocalStateMachine({ definition, executor, store, lambdas: {}, dynamodb: dynamo.client });
  const input: BrokerExecutionInput = { aztecJobId: record.id, job: specId, class: 'medium' };
  await machine.run({ ...input }, record.execution);
  return { record: (await table.get(record.id))!, launches };
}

describe("the broker's per-job state machine on the local engine, its table on dynalite", () => {
  it('records a fulfilled job as settled, unannounced on the completed feed, no longer active', async () => {
    const { record, launches } = await runJob(async () => 0);
    expect(launches).toBe(1);
    expect(record.status).toBe(JOB_STATUS.fulfilled);
    expect(record.settledAt).toBeDefined();
    expect(await table.drainCompleted(100)).toContain(record.id);
    expect((await table.listActive()).map((r) => r.id)).not.toContain(record.id);
  });

  it('a job settled before its execution starts (cancelled) runs no Batch job and stays as it was', async () => {
    const { record, launches } = await runJob(
      async () => 0,
      async (r) => {
        await table.settle(r.id, { status: 'rejected', reason: ABORTED_REASON });
      },
    );
    expect(launches).toBe(0);
    expect(record).toMatchObject({ status: JOB_STATUS.rejected, reason: ABORTED_REASON });
  });

  it('a cancel that lands while the Batch job runs wins: the finished job does not overwrite it', async () => {
    const { record, launches } = await runJob(async (_env, _store, job) => {
      await table.settle(job.id, { status: 'rejected', reason: ABORTED_REASON });
      return 0;
    });
    expect(launches).toBe(1);
    expect(record).toMatchObject({ status: JOB_STATUS.rejected, reason: ABORTED_REASON });
  });

  it("a deterministic failure is rejected with the job runner's error record, after one Batch job", async () => {
    const message = 'job x: PARITY_BASE: the circuit rejected the inputs (witness generation failed)';
    const { record, launches } = await runJob(async (env, store) => {
      await store.put(jobErrorKey(env['JOB_ID']!), Buffer.from(JSON.stringify({ id: env['JOB_ID'], message, retryable: false, failedAt: new Date().toISOString(), host: 'h' })));
      return 1;
    });
    expect(launches).toBe(1);
    expect(record).toMatchObject({ status: JOB_STATUS.rejected, reason: message });
  });
});
