/**
 * The per-job state machine of the proving broker: one execution per Aztec job, named from the job id by the
 * broker (lib/broker/contract.ts). It runs the job runner's Aztec job on AWS Batch with the job type's resource
 * class and records the outcome in the broker's table, which the broker reads to answer Aztec's node.
 *
 *   MarkInProgress ─► FirstRound ─► RouteJob ─► "Prove <class>" (batch:submitJob.sync) ─► RecordFulfilled
 *        │ already settled (cancelled)            │ failed (after Batch's own retries)
 *        ▼                                        ▼
 *   AlreadySettled ◄── (condition fails) ── ReadJobError (jobs/<id>/error.json) ─► RetryOrReject
 *                                                  │ no record: the job died before writing one (spot
 *                                                  ▼ reclaim, OOM kill, lost host) → retryable
 *                                          JobDiedUnrecorded
 *   RetryOrReject: retryable and rounds left ─► Backoff ─► NextRound ─► RouteJob
 *                  otherwise ─► NotRetryable | GaveUp ─► RecordRejected (the job runner's own message)
 *
 * "Retry inside": Batch retries spot reclaims and the runner's retryable exits within a round; a round that
 * still fails retryably is submitted again (a new Batch job), so infrastructure trouble never reaches the node
 * as `rejected`. A deterministic failure (bad inputs, a circuit that rejects them) is rejected at once, with
 * the runner's reason. Every record write is conditional on the job being unsettled: a cancel racing the end
 * of the job, or a retried step, leaves exactly one outcome.
 *
 * JSONPath only (the local engine runs this same definition from the synthesized template).
 */
import { Duration } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ACTIVE, ATTR, FEED_PENDING, JOB_STATUS } from '../broker/contract.ts';
import { ProverJobTask, jobTaskTimeout } from './prover-job-task.ts';

/** State names (the local runtime binds task handlers by state name; tests read them). */
export const BROKER_STATE = {
  markInProgress: 'MarkInProgress',
  firstRound: 'FirstRound',
  route: 'RouteJob',
  unknownClass: 'UnknownJobClass',
  readJobError: 'ReadJobError',
  jobDiedUnrecorded: 'JobDiedUnrecorded',
  retryOrReject: 'RetryOrReject',
  backoff: 'Backoff',
  nextRound: 'NextRound',
  notRetryable: 'NotRetryable',
  gaveUp: 'GaveUp',
  recordFulfilled: 'RecordFulfilled',
  recordRejected: 'RecordRejected',
  alreadySettled: 'AlreadySettled',
  done: 'JobSettled',
} as const;

/** DynamoDB's own hiccups through the Step Functions integration: the write did not happen, try again. */
export const TRANSIENT_DYNAMODB_ERRORS: readonly string[] = [
  'DynamoDB.ProvisionedThroughputExceededException',
  'DynamoDB.RequestLimitExceeded',
  'DynamoDB.ThrottlingException',
  'DynamoDB.InternalServerErrorException',
  'DynamoDB.AmazonDynamoDBException',
  'DynamoDB.SdkClientException',
];
const CONDITION_FAILED = 'DynamoDB.ConditionalCheckFailedException';

export interface BrokerJobDefinitionProps {
  readonly table: dynamodb.ITableV2;
  readonly bucket: s3.IBucket;
  readonly jobQueue: batch.IJobQueue;
  /** Job definitions by resource class name (the execution input's `class`). */
  readonly jobDefinitions: Readonly<Record<string, batch.IJobDefinition>>;
  /**
   * Rounds of Batch jobs per proving job before a retryable failure is given up as rejected.
   * @default 3
   */
  readonly maxRounds?: number;
  /**
   * Pause before a new round.
   * @default Duration.seconds(20)
   */
  readonly roundBackoff?: Duration;
}

export class BrokerJobDefinition extends Construct {
  public readonly startState: sfn.IChainable;
  public readonly maxRounds: number;

  constructor(scope: Construct, id: string, props: BrokerJobDefinitionProps) {
    super(scope, id);
    const classes = Object.keys(props.jobDefinitions);
    if (classes.length === 0) throw new Error('BrokerJobDefinition: no job definitions');
    const maxRounds = props.maxRounds ?? 3;
    if (!Number.isInteger(maxRounds) || maxRounds < 1 || maxRounds > 10) throw new Error(`BrokerJobDefinition: maxRounds must be an integer in [1, 10] (got ${maxRounds})`);
    this.maxRounds = maxRounds;

    const key = { [ATTR.id]: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.aztecJobId')) };
    const unsettled = {
      ':queued': tasks.DynamoAttributeValue.fromString(JOB_STATUS.queued),
      ':running': tasks.DynamoAttributeValue.fromString(JOB_STATUS.running),
    };
    const now = tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.State.EnteredTime'));
    const alreadySettled = new sfn.Succeed(this, BROKER_STATE.alreadySettled, { comment: 'cancelled or settled by an earlier attempt' });
    const done = new sfn.Succeed(this, BROKER_STATE.done);

    const recordWrite = (name: string, write: Omit<tasks.DynamoUpdateItemProps, 'table' | 'key'>): tasks.DynamoUpdateItem => {
      const task = new tasks.DynamoUpdateItem(this, name, { table: props.table, key, resultPath: sfn.JsonPath.DISCARD, ...write });
      task.addRetry({ errors: [...TRANSIENT_DYNAMODB_ERRORS], interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 8, jitterStrategy: sfn.JitterType.FULL });
      task.addCatch(alreadySettled, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
      return task;
    };
    const settle = (name: string, status: string, reasonPath?: string) =>
      recordWrite(name, {
        updateExpression: `SET #status = :outcome, #settledAt = :now, #feed = :pending${reasonPath ? ', #reason = :reason' : ''} REMOVE #active`,
        conditionExpression: 'attribute_exists(#id) AND #status IN (:queued, :running)',
        expressionAttributeNames: {
          '#id': ATTR.id,
          '#status': ATTR.status,
          '#settledAt': ATTR.settledAt,
          '#feed': ATTR.feed,
          '#active': ATTR.active,
          ...(reasonPath ? { '#reason': ATTR.reason } : {}),
        },
        expressionAttributeValues: {
          ...unsettled,
          ':outcome': tasks.DynamoAttributeValue.fromString(status),
          ':now': now,
          ':pending': tasks.DynamoAttributeValue.fromString(FEED_PENDING),
          ...(reasonPath ? { ':reason': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(reasonPath)) } : {}),
        },
      });

    const markInProgress = recordWrite(BROKER_STATE.markInProgress, {
      updateExpression: 'SET #status = :running',
      conditionExpression: 'attribute_exists(#id) AND #status IN (:queued, :running) AND #active = :active',
      expressionAttributeNames: { '#id': ATTR.id, '#status': ATTR.status, '#active': ATTR.active },
      expressionAttributeValues: { ...unsettled, ':active': tasks.DynamoAttributeValue.fromString(ACTIVE) },
    });
    const recordFulfilled = settle(BROKER_STATE.recordFulfilled, JOB_STATUS.fulfilled);
    recordFulfilled.next(done);
    const recordRejected = settle(BROKER_STATE.recordRejected, JOB_STATUS.rejected, '$.rejection.reason');
    recordRejected.next(done);

    const firstRound = new sfn.Pass(this, BROKER_STATE.firstRound, { parameters: { count: 1 }, resultPath: '$.round' });

    // ---- the Batch job of the job's class -------------------------------------------------------------------
    const readJobError = new tasks.CallAwsService(this, BROKER_STATE.readJobError, {
      service: 's3',
      action: 'getObject',
      iamResources: [props.bucket.arnForObjects('jobs/*')],
      parameters: { Bucket: props.bucket.bucketName, Key: sfn.JsonPath.format('jobs/{}/error.json', sfn.JsonPath.stringAt('$.job')) },
      resultSelector: { 'record.$': 'States.StringToJson($.Body)' },
      resultPath: '$.jobError',
    });
    const jobDiedUnrecorded = new sfn.Pass(this, BROKER_STATE.jobDiedUnrecorded, {
      comment: 'the job left no error record (spot reclaim, OOM kill, lost host, Batch API trouble): retryable',
      parameters: { record: { retryable: true, 'message.$': "States.Format('the Batch job failed without a job-runner error: {}', States.JsonToString($.failure))" } },
      resultPath: '$.jobError',
    });
    readJobError.addCatch(jobDiedUnrecorded, { errors: ['States.ALL'], resultPath: '$.readJobErrorFailure' });

    const route = new sfn.Choice(this, BROKER_STATE.route);
    for (const resourceClass of classes) {
      const jobDefinition = props.jobDefinitions[resourceClass] as batch.IJobDefinition;
      const step = new ProverJobTask(this, `Task-${resourceClass}`, {
        resourceClass,
        jobQueue: props.jobQueue,
        jobDefinition,
        jobIdPath: '$.job',
        runIdPath: '$$.Execution.Name',
        // A job stuck in RUNNABLE (no capacity, a wedged host) times out into another round, not a silent hang.
        timeout: jobTaskTimeout(jobDefinition),
      });
      step.task.addCatch(readJobError, { errors: ['States.ALL'], resultPath: '$.failure' });
      step.task.next(recordFulfilled);
      route.when(sfn.Condition.stringEquals('$.class', resourceClass), step.task);
    }
    route.otherwise(
      new sfn.Fail(this, BROKER_STATE.unknownClass, { error: 'UnknownJobClass', cause: `the execution input names a resource class with no job definition (known: ${classes.join(', ')})` }),
    );

    // ---- a failed round: again, or rejected with the runner's reason ---------------------------------------
    const backoff = new sfn.Wait(this, BROKER_STATE.backoff, { time: sfn.WaitTime.duration(props.roundBackoff ?? Duration.seconds(20)) });
    const nextRound = new sfn.Pass(this, BROKER_STATE.nextRound, { parameters: { 'count.$': 'States.MathAdd($.round.count, 1)' }, resultPath: '$.round' });
    const notRetryable = new sfn.Pass(this, BROKER_STATE.notRetryable, { parameters: { 'reason.$': '$.jobError.record.message' }, resultPath: '$.rejection' });
    const gaveUp = new sfn.Pass(this, BROKER_STATE.gaveUp, {
      parameters: { 'reason.$': "States.Format('gave up after {} rounds of Batch attempts: {}', $.round.count, $.jobError.record.message)" },
      resultPath: '$.rejection',
    });
    const retryOrReject = new sfn.Choice(this, BROKER_STATE.retryOrReject)
      .when(
        sfn.Condition.and(sfn.Condition.booleanEquals('$.jobError.record.retryable', true), sfn.Condition.numberLessThan('$.round.count', maxRounds)),
        backoff.next(nextRound).next(route),
      )
      .when(sfn.Condition.booleanEquals('$.jobError.record.retryable', true), gaveUp.next(recordRejected))
      .otherwise(notRetryable.next(recordRejected));
    readJobError.next(retryOrReject);
    jobDiedUnrecorded.next(retryOrReject);

    this.startState = markInProgress.next(firstRound).next(route);
  }
}
