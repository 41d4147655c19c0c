/**
 * The broker's per-job state machine, synthesized for the aztec profile, created in LocalStack's Step Functions
 * and run with mocked service integrations: the Batch job (as today), and — because LocalStack's DynamoDB cannot
 * start here (it downloads Java 21, DynamoDB Local and a loader jar at first use, from hosts this network does
 * not reach) — the job table's updates too. The table's own behaviour runs against dynalite, a real DynamoDB
 * API, in the npm test tier (test/broker). What this tier checks is LocalStack's reading of the definition: the
 * paths, intrinsics, Choice rules, Retry and Catch, and the parameters each table write is sent with.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { BROKER_STATE } from '../../lib/infra/broker-job-definition.ts';
import { synthesizeProverTemplate } from '../../lib/infra/prover-app.ts';
import { findStateMachine, onlyResource, type CfnTemplate } from '../../lib/local/template.ts';
import { localstack } from './aws-clients.ts';
import { createStateMachine, runMocked, type ExecutionResult } from './sfn-harness.ts';
import { addSfnMockTestCase, type MockedResponse } from './sfn-mock-config.ts';

const ls = localstack();
const sfn = ls.sfn();
let machineArn = '';
let machineName = '';

const INPUT = { aztecJobId: `3:PARITY_BASE:${'ab'.repeat(32)}`, job: 'a1b2c3d4e5f6a1b2c3d4e5f6', class: 'medium' };
const PROVE = 'Prove medium';
const WROTE: MockedResponse = { Return: {} };
const BATCH_OK: MockedResponse = { Return: { JobId: 'job-id', JobName: 'medium-a1b2', Status: 'SUCCEEDED' } };
// AWS names a failed .sync job States.TaskFailed; LocalStack refuses mocked States.* names (README.md), and the
// definition catches States.ALL, so any non-transient name stands in for it.
const BATCH_FAILED: MockedResponse = {
  Throw: { Error: 'JobFailed', Cause: JSON.stringify({ Status: 'FAILED', StatusReason: 'Essential container in task exited', Container: { ExitCode: 1 } }) },
};
const errorRecord = (retryable: boolean, message: string): MockedResponse => ({
  Return: { Body: JSON.stringify({ id: INPUT.job, message, retryable, failedAt: '2026-12-05T00:00:00Z', host: 'ip-10-0-0-1' }) },
});

const testCase = (states: Record<string, Record<string, MockedResponse>>) => addSfnMockTestCase(ls.sfnMockConfigPath, machineName, states);
const run = (tc: string) => runMocked(sfn, machineArn, tc, INPUT, { name: `job-${randomUUID().slice(0, 8)}`, timeoutMs: 120_000 });

/** The resolved parameters each entry into `state` was scheduled with (TaskScheduled events). */
function scheduled(result: ExecutionResult, state: string): Record<string, unknown>[] {
  const entered = result.history.filter((e) => e.stateEnteredEventDetails?.name === state).map((e) => e.id!);
  return result.history
    .filter((e: HistoryEvent) => e.type === 'TaskScheduled' && entered.includes(e.previousEventId ?? -1))
    .map((e) => JSON.parse(e.taskScheduledEventDetails!.parameters!) as Record<string, unknown>);
}

beforeAll(async () => {
  const template = synthesizeProverTemplate({ config: { profile: 'aztec', proverImage: 'public.ecr.aws/example/prover:test' } }) as unknown as CfnTemplate;
  const { definition } = findStateMachine(template, { [onlyResource(template, 'AWS::S3::Bucket')]: 'broker-bucket' }, BROKER_STATE.markInProgress);
  machineName = `broker-job-${randomUUID().slice(0, 8)}`;
  machineArn = await createStateMachine(sfn, machineName, definition);
}, 120_000);

describe("the broker's per-job state machine (synthesized) on LocalStack", () => {
  it('proves the job once on its class and records it fulfilled, conditionally, for the completed feed', async () => {
    const result = await run(testCase({ [BROKER_STATE.markInProgress]: { '0': WROTE }, [PROVE]: { '0': BATCH_OK }, [BROKER_STATE.recordFulfilled]: { '0': WROTE } }));
    expect(result.status).toBe('SUCCEEDED');
    expect([PROVE, BROKER_STATE.recordFulfilled, BROKER_STATE.readJobError].map((s) => result.entered(s))).toEqual([1, 1, 0]);
    const [batch] = scheduled(result, PROVE);
    expect(batch).toMatchObject({ JobName: `medium-${INPUT.job}`, ContainerOverrides: { Environment: expect.arrayContaining([{ Name: 'JOB_ID', Value: INPUT.job }]) } });
    const [write] = scheduled(result, BROKER_STATE.recordFulfilled);
    expect(write).toMatchObject({
      Key: { id: { S: INPUT.aztecJobId } },
      ConditionExpression: 'attribute_exists(#id) AND #status IN (:queued, :running)',
      ExpressionAttributeValues: { ':outcome': { S: 'fulfilled' }, ':pending': { S: 'pending' } },
    });
  });

  it("a deterministic failure is rejected at once with the job runner's own message", async () => {
    const result = await run(
      testCase({
        [BROKER_STATE.markInProgress]: { '0': WROTE },
        [PROVE]: { '0': BATCH_FAILED },
        [BROKER_STATE.readJobError]: { '0': errorRecord(false, 'job a1b2: PARITY_BASE: the inputs are not a serialized ParityBasePrivateInputs') },
        [BROKER_STATE.recordRejected]: { '0': WROTE },
      }),
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.entered(PROVE)).toBe(1);
    expect(scheduled(result, BROKER_STATE.recordRejected)[0]).toMatchObject({
      ExpressionAttributeValues: { ':outcome': { S: 'rejected' }, ':reason': { S: 'job a1b2: PARITY_BASE: the inputs are not a serialized ParityBasePrivateInputs' } },
    });
  });

  it('a job that died without a record (spot reclaim, OOM kill) runs a new round, then is fulfilled', async () => {
    const result = await run(
      testCase({
        [BROKER_STATE.markInProgress]: { '0': WROTE },
        [PROVE]: { '0': BATCH_FAILED, '1': BATCH_OK },
        [BROKER_STATE.readJobError]: { '0': { Throw: { Error: 'S3.NoSuchKeyException', Cause: 'The specified key does not exist.' } } },
        [BROKER_STATE.recordFulfilled]: { '0': WROTE },
      }),
    );
    expect(result.status).toBe('SUCCEEDED');
    expect([PROVE, BROKER_STATE.jobDiedUnrecorded, BROKER_STATE.backoff, BROKER_STATE.recordFulfilled].map((s) => result.entered(s))).toEqual([2, 1, 1, 1]);
  });

  it('retryable failures in every round: rejected after the last round with the count and the last reason', async () => {
    const rounds = 3;
    const result = await run(
      testCase({
        [BROKER_STATE.markInProgress]: { '0': WROTE },
        [PROVE]: { [`0-${rounds - 1}`]: BATCH_FAILED },
        [BROKER_STATE.readJobError]: { [`0-${rounds - 1}`]: errorRecord(true, 'S3 throttled the upload') },
        [BROKER_STATE.recordRejected]: { '0': WROTE },
      }),
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.entered(PROVE)).toBe(rounds);
    expect(scheduled(result, BROKER_STATE.recordRejected)[0]).toMatchObject({
      ExpressionAttributeValues: { ':reason': { S: `gave up after ${rounds} rounds of Batch attempts: S3 throttled the upload` } },
    });
  }, 180_000);

  it('a DynamoDB service error on the final write is retried, and the outcome still recorded once', async () => {
    // LocalStack 4.14 reports every mocked error of the optimized DynamoDB integration as
    // DynamoDB.AmazonDynamoDBException (the name AWS gives an unclassified DynamoDB error): mock that one. For the
    // same reason a mocked ConditionalCheckFailedException cannot reach its Catch here; the conditional writes
    // (cancel racing a job, a settled job started again) run on the local engine against dynalite instead
    // (test/broker/broker-state-machine.test.ts).
    const failed: MockedResponse = { Throw: { Error: 'DynamoDB.AmazonDynamoDBException', Cause: 'Service unavailable' } };
    const result = await run(testCase({ [BROKER_STATE.markInProgress]: { '0': WROTE }, [PROVE]: { '0': BATCH_OK }, [BROKER_STATE.recordFulfilled]: { '0': failed, '1': WROTE } }));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.entered(BROKER_STATE.done)).toBe(1);
    // Every table write is a dynamodb updateItem: MarkInProgress once, RecordFulfilled twice (the retry).
    expect(result.history.filter((e) => e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.resource === 'updateItem')).toHaveLength(3);
  });
});
