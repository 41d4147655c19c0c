/**
 * `prover aztec-broker` in AWS mode, as an operator starts it (the CLI process, default SDK clients, endpoints
 * from the standard AWS_ENDPOINT_URL_* variables): Step Functions and S3 are LocalStack's, the job table is
 * dynalite (LocalStack's DynamoDB cannot start offline; see README.md). The per-job state machine is the
 * synthesized one, created in LocalStack; its Batch and table steps are mocked there. Aztec's own JSON-RPC client
 * enqueues a job: the broker records it in the table and starts its execution by name in LocalStack; a cancel
 * rejects it "Aborted" and stops that execution (StopExecution), which LocalStack then reports ABORTED.
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBrokerTable } from '../../lib/aws/dynamo-broker-table.ts';
import { executionArn } from '../../lib/aws/sfn-executions.ts';
import { aztecJobIdFor } from '../../lib/broker/broker.ts';
import { executionNameFor } from '../../lib/broker/contract.ts';
import { BROKER_STATE } from '../../lib/infra/broker-job-definition.ts';
import { synthesizeProverTemplate } from '../../lib/infra/prover-app.ts';
import { createTableFromTemplate, startLocalDynamo, type LocalDynamo } from '../../lib/local/dynamo-server.ts';
import { findStateMachine, onlyResource, type CfnTemplate } from '../../lib/local/template.ts';
import { AZTEC_JOB_TYPES } from '../../lib/protocols/aztec/job-types.ts';
import { loadAztecBrokerPieces } from '../broker/aztec-client.ts';
import { localstack } from './aws-clients.ts';
import { createStateMachine } from './sfn-harness.ts';
import { addSfnMockTestCase, type MockedResponse } from './sfn-mock-config.ts';

const PROVER = join(import.meta.dirname, '..', '..', 'bin', 'prover.mjs');
const ls = localstack();
const sfn = ls.sfn();
const s3 = ls.s3();
const bucket = `broker-${randomUUID().slice(0, 8)}`;
const tableName = 'aztec-broker-aws';
let dynamo: LocalDynamo;
let broker: ChildProcess | undefined;
let ready: { url: string; proofStore: string };
let stateMachineArn = '';

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  dynamo = await startLocalDynamo();
  const template = synthesizeProverTemplate({ config: { profile: 'aztec', proverImage: 'public.ecr.aws/example/prover:test' } }) as unknown as CfnTemplate;
  await createTableFromTemplate(dynamo.client, template, onlyResource(template, 'AWS::DynamoDB::GlobalTable'), tableName);
  const { definition } = findStateMachine(template, { [onlyResource(template, 'AWS::S3::Bucket')]: bucket }, BROKER_STATE.markInProgress);
  const name = `broker-job-${randomUUID().slice(0, 8)}`;
  stateMachineArn = await createStateMachine(sfn, name, definition);
  // A job that keeps its execution busy: its Batch job fails retryably, so the execution waits before a new round.
  const failed: MockedResponse = { Throw: { Error: 'JobFailed', Cause: '{"Status":"FAILED"}' } };
  const retryable: MockedResponse = { Return: { Body: JSON.stringify({ id: 'x', message: 'killed', retryable: true, failedAt: 'now', host: 'h' }) } };
  const testCase = addSfnMockTestCase(ls.sfnMockConfigPath, name, {
    [BROKER_STATE.markInProgress]: { '0': { Return: {} } },
    'Prove medium': { '0': failed },
    [BROKER_STATE.readJobError]: { '0': retryable },
  });

  broker = spawn(process.execPath, [PROVER, 'aztec-broker', '--json', '--port', '0', '--table', tableName, '--state-machine-arn', `${stateMachineArn}#${testCase}`, '--bucket', bucket], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      AWS_REGION: ls.region,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_SFN: ls.endpoint,
      AWS_ENDPOINT_URL_S3: ls.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    },
  });
  let stderr = '';
  broker.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  ready = JSON.parse(
    await new Promise<string>((resolve, reject) => {
      createInterface({ input: broker!.stdout! }).once('line', resolve);
      broker!.once('exit', (code) => reject(new Error(`aztec-broker exited ${code}:\n${stderr}`)));
    }),
  ) as typeof ready;
}, 180_000);

afterAll(async () => {
  broker?.kill('SIGTERM');
  await dynamo?.stop();
});

describe('prover aztec-broker against Step Functions (LocalStack) and a DynamoDB API', () => {
  it('enqueue starts the job\'s execution by name; cancel rejects it "Aborted" and stops the execution', async () => {
    expect(ready.proofStore).toBe(`s3://${bucket}/proofs`);
    expect((await fetch(`${ready.url}/status`)).status).toBe(200);

    const inputs = Buffer.from('serialized ParityBasePrivateInputs (not read in this test)');
    const id = aztecJobIdFor(2, 'PARITY_BASE', inputs);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `proofs/inputs/PARITY_BASE/${id}`, Body: inputs }));
    const client = (await loadAztecBrokerPieces()).createClient(ready.url);
    const job = { id, type: AZTEC_JOB_TYPES.indexOf('PARITY_BASE'), epochNumber: 2, inputsUri: `s3://${bucket}/proofs/inputs/PARITY_BASE/${id}` };
    expect(await client.enqueueProvingJob(job)).toEqual({ status: 'not-found' });

    const arn = executionArn(stateMachineArn, executionNameFor(id, 2, 'PARITY_BASE'));
    const running = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(running.status).toBe('RUNNING');
    expect(JSON.parse(running.input!)).toMatchObject({ aztecJobId: id, class: 'medium' });
    expect(await client.enqueueProvingJob(job)).toEqual({ status: 'in-queue' }); // the table, not a second execution

    // Cancel while the execution waits before its next round (so LocalStack's stop takes one known path).
    for (let i = 0; ; i++) {
      const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }));
      if (history.events?.some((e) => e.type === 'WaitStateEntered')) break;
      if (i > 100) throw new Error('the execution never reached its backoff');
      await new Promise((r) => setTimeout(r, 100));
    }
    await client.cancelProvingJob(id);
    expect(await client.getProvingJobStatus(id)).toEqual({ status: 'rejected', reason: 'Aborted' });
    // StopExecution returns before LocalStack has moved the execution out of RUNNING.
    let stopped = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    for (let i = 0; i < 50 && stopped.status === 'RUNNING'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      stopped = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    }
    // AWS reports a stopped execution ABORTED. LocalStack 4.14 fails one stopped in a Wait state instead
    // (States.Runtime, "IndexError(pop from empty list)"; README.md): either way it ended at once, long before
    // the 20 s backoff it was waiting in would have.
    expect(stopped.status === 'ABORTED' || (stopped.status === 'FAILED' && /pop from empty list/.test(stopped.cause ?? '')), JSON.stringify(stopped)).toBe(true);
    expect(stopped.stopDate!.getTime() - stopped.startDate!.getTime()).toBeLessThan(15_000);
    expect(await client.getCompletedJobs([])).toEqual([id]);
    const record = await new DynamoBrokerTable({ client: dynamo.client, tableName }).get(id);
    expect(record).toMatchObject({ status: 'rejected', reason: 'Aborted', inputsKey: `proofs/inputs/PARITY_BASE/${id}` });
  });
});
