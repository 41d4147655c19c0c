import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { ACTIVE, ATTR, FEED_PENDING, INDEX, INLINE_PREFIX, JOB_STATUS, PROOF_STORE_PREFIX } from '../../lib/broker/contract.ts';
import { BROKER_STATE, TRANSIENT_DYNAMODB_ERRORS } from '../../lib/infra/broker-job-definition.ts';
import { jobTaskTimeout } from '../../lib/infra/prover-job-task.ts';
import { attOf, cleanupOutdirs, definitionOf, refOf, resolveForTest, synthProver } from './support.ts';

afterAll(cleanupOutdirs);

describe('ProvingBroker (aztec profile)', () => {
  const { stack, template } = synthProver({ profile: 'aztec' });
  const broker = stack.broker!;
  const asl = definitionOf(template, BROKER_STATE.markInProgress);
  const state = <T = Record<string, unknown>>(name: string): T => asl.States[name] as unknown as T;
  const table = refOf(broker.table.table);

  it('exists only for the aztec profile', () => {
    expect(broker).toBeDefined();
    const devnet = synthProver();
    expect(devnet.stack.broker).toBeUndefined();
    devnet.template.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    devnet.template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
  });

  it('a job table keyed by Aztec job id: on demand, encrypted, point-in-time recovery, TTL, and the broker\'s three indexes', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: ATTR.id, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: ATTR.expiresAt, Enabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({ IndexName: INDEX.completedFeed, KeySchema: [{ AttributeName: ATTR.feed, KeyType: 'HASH' }, { AttributeName: ATTR.settledAt, KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } }),
        Match.objectLike({ IndexName: INDEX.active, KeySchema: [{ AttributeName: ATTR.active, KeyType: 'HASH' }, { AttributeName: ATTR.enqueuedAt, KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }),
        Match.objectLike({ IndexName: INDEX.byEpoch, KeySchema: [{ AttributeName: ATTR.shard, KeyType: 'HASH' }, { AttributeName: ATTR.epoch, KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }),
      ]),
    });
  });

  it('the per-job state machine: mark in progress, route by class to batch:submitJob.sync with the job runner\'s JOB_ID, record fulfilled', () => {
    expect(asl.StartAt).toBe(BROKER_STATE.markInProgress);
    expect(state(BROKER_STATE.markInProgress)).toMatchObject({
      Resource: 'arn:<AWS::Partition>:states:::dynamodb:updateItem',
      Parameters: { TableName: table, Key: { [ATTR.id]: { 'S.$': '$.aztecJobId' } }, ConditionExpression: expect.stringContaining('#status IN (:queued, :running)') },
      Catch: [expect.objectContaining({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], Next: BROKER_STATE.alreadySettled })],
    });
    const route = state<{ Choices: { StringEquals: string; Next: string }[] }>(BROKER_STATE.route);
    expect(route.Choices.map((c) => c.StringEquals).sort()).toEqual(Object.keys(stack.jobs.definitions).sort());
    for (const choice of route.Choices) {
      const task = state(choice.Next);
      expect(task.Resource).toBe('arn:<AWS::Partition>:states:::batch:submitJob.sync');
      expect(task['Parameters']).toMatchObject({
        JobDefinition: refOf(stack.jobs.definitions[choice.StringEquals]!),
        ContainerOverrides: { Environment: expect.arrayContaining([{ Name: 'JOB_ID', 'Value.$': '$.job' }, { Name: 'RUN_ID', 'Value.$': '$$.Execution.Name' }]) },
      });
      expect(task['Next']).toBe(BROKER_STATE.recordFulfilled);
      // A job stuck in RUNNABLE times out (every attempt at the definition's timeout + the queue allowance) into
      // the Catch below, i.e. another round: the broker never waits on it for the whole execution's timeout.
      expect(task['TimeoutSeconds']).toBe(jobTaskTimeout(stack.jobs.definitions[choice.StringEquals]!)!.toSeconds());
      expect(task['Catch']).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: BROKER_STATE.readJobError })]);
    }
    const fulfilled = state<{ Parameters: Record<string, unknown>; Retry: { ErrorEquals: string[] }[] }>(BROKER_STATE.recordFulfilled);
    expect(fulfilled.Parameters).toMatchObject({
      UpdateExpression: 'SET #status = :outcome, #settledAt = :now, #feed = :pending REMOVE #active',
      ConditionExpression: 'attribute_exists(#id) AND #status IN (:queued, :running)',
      ExpressionAttributeValues: { ':outcome': { S: JOB_STATUS.fulfilled }, ':pending': { S: FEED_PENDING } },
    });
    expect(fulfilled.Retry[0]!.ErrorEquals).toEqual([...TRANSIENT_DYNAMODB_ERRORS]);
    expect(ACTIVE).toBe('active');
  });

  it('a failed round reads the runner\'s error record: retryable → backoff and a new round (bounded), else rejected with its message', () => {
    expect(state(BROKER_STATE.readJobError)).toMatchObject({
      Resource: 'arn:<AWS::Partition>:states:::aws-sdk:s3:getObject',
      Parameters: { 'Key.$': "States.Format('jobs/{}/error.json', $.job)" },
      Catch: [expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: BROKER_STATE.jobDiedUnrecorded })],
    });
    expect(state(BROKER_STATE.jobDiedUnrecorded)['Parameters']).toMatchObject({ record: { retryable: true } });
    const choice = state<{ Choices: Record<string, unknown>[]; Default: string }>(BROKER_STATE.retryOrReject);
    expect(choice.Choices[0]).toMatchObject({
      And: [{ Variable: '$.jobError.record.retryable', BooleanEquals: true }, { Variable: '$.round.count', NumericLessThan: broker.workflow.definition.maxRounds }],
      Next: BROKER_STATE.backoff,
    });
    expect(choice.Choices[1]).toMatchObject({ Next: BROKER_STATE.gaveUp });
    expect(choice.Default).toBe(BROKER_STATE.notRetryable);
    expect(state(BROKER_STATE.nextRound)['Next']).toBe(BROKER_STATE.route);
    expect(state(BROKER_STATE.recordRejected)['Parameters']).toMatchObject({
      UpdateExpression: expect.stringContaining('#reason = :reason'),
      ExpressionAttributeValues: { ':reason': { 'S.$': '$.rejection.reason' }, ':outcome': { S: JOB_STATUS.rejected } },
    });
  });

  it('a STANDARD state machine with a timeout from the slowest class × attempts × rounds, X-Ray and logs', () => {
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    const resource = machines[refOf(broker.workflow.stateMachine).slice(1, -1)] as { Properties: Record<string, unknown> };
    expect(resource.Properties).toMatchObject({ StateMachineType: 'STANDARD', TracingConfiguration: { Enabled: true } });
    expect(asl.TimeoutSeconds).toBe(3 * (3600 * 3 + 900) + 900);
  });

  it('jobs may write Aztec\'s results only under the proof store prefixes (and their own jobs/)', () => {
    const putResources = JSON.stringify(resolveForTest(template.toJSON()));
    for (const prefix of [PROOF_STORE_PREFIX, INLINE_PREFIX, 'jobs/']) expect(putResources).toContain(`${attOf(stack.artifacts.bucket, 'Arn')}/${prefix}*`);
  });

  it('a managed policy for the node host: exactly the table, its executions and the proof store', () => {
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0] as { Properties: { PolicyDocument: { Statement: { Sid: string; Action: string | string[]; Resource: unknown }[] } } };
    const statements = Object.fromEntries(policy.Properties.PolicyDocument.Statement.map((s) => [s.Sid, resolveForTest(s) as { Action: string[]; Resource: unknown }]));
    expect([...statements['JobTable']!.Action].sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect([...(statements['JobTable']!.Resource as string[])].sort()).toEqual(
      [attOf(broker.table.table, 'Arn'), ...Object.values(INDEX).map((name) => `${attOf(broker.table.table, 'Arn')}/index/${name}`)].sort(),
    );
    expect(statements['StartJobs']).toMatchObject({ Action: 'states:StartExecution', Resource: refOf(broker.workflow.stateMachine) });
    expect(statements['WatchAndStopJobs']!.Resource).toBe(`arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${attOf(broker.workflow.stateMachine, 'Name')}:*`);
    expect([...(statements['ProofStore']!.Resource as string[])].sort()).toEqual([PROOF_STORE_PREFIX, INLINE_PREFIX, 'jobs/'].map((p) => `${attOf(stack.artifacts.bucket, 'Arn')}/${p}*`).sort());
    // Pre-warm: raise the stack's compute environments; read environments (no resource-level permissions).
    expect(statements['PrewarmComputeEnvironmentsRead']).toMatchObject({ Action: 'batch:DescribeComputeEnvironments', Resource: '*' });
    expect(Object.keys(statements).sort()).toEqual(['JobTable', 'PrewarmComputeEnvironments', 'PrewarmComputeEnvironmentsRead', 'ProofStore', 'ProofStoreLookups', 'StartJobs', 'WatchAndStopJobs']);
  });

  it('outputs tell the operator what to give the broker and the node', () => {
    template.hasOutput('BrokerTableName', { Value: { Ref: refOf(broker.table.table).slice(1, -1) } });
    template.hasOutput('BrokerStateMachineArn', { Value: { Ref: refOf(broker.workflow.stateMachine).slice(1, -1) } });
    template.hasOutput('BrokerPolicyArn', { Value: { Ref: refOf(broker.brokerPolicy).slice(1, -1) } });
    expect(resolveForTest(template.toJSON().Outputs.ProofStore.Value)).toBe(`s3://${refOf(stack.artifacts.bucket)}/proofs`);
  });
});
