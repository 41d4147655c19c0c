/**
 * The proving workflow's Step Functions definition, built once and used twice: the cloud state machine
 * (ProvingWorkflow) and the local runtime, which takes the synthesized template's DefinitionString and
 * resolves its tokens. JSONPath only — no JSONata, no Assign variables (the local engine ignores both).
 *
 *   Plan ─► StartLevels ─► MoreLevels? ──no──► Submit ─► Proven
 *                              │ yes   ▲
 *                              ▼       │
 *            SelectLevel ─► CurrentLevel ─► ProveLevel ─► NextLevel
 *
 *   ProveLevel: Distributed Map over the level's items (ItemReader: S3 JSON array at $.current.key), one STANDARD
 *   child execution per item:  ProveChain (inline Map over item.steps, one at a time)
 *                                 └─ RouteByClass ─► "Prove <class>" (batch:submitJob.sync) per resource class
 *                                      │ Catch: RecordJobFailure (runs/<run>/failed-jobs/<job>.json: the job and
 *                                      ▼        Batch's description of it) ─► JobFailed
 *                              ─► ChainProven
 *   Catch States.ALL on Plan / ProveLevel / Submit ─► <State>Failed ─► … ─► HasCause ─► RecordFailure (s3:putObject
 *   runs/<execution name>/failure.json) ─► RunFailed. ProveLevel's Catch goes through DescribeFailedJobs first
 *   (Lambda: the failed jobs' records, Batch status reasons, exit codes, attempts and the job runner's
 *   error.json), since the Map itself only says "tolerated failure threshold exceeded"; Plan's and Submit's
 *   through NoFailedJobs (jobs: []).
 *
 * Payloads carry only S3 keys and ids. The execution name is the run id (callers start runs by name).
 */
import { Duration } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { MAP_CONCURRENCY } from '../model/fixes.ts';
import type { ResourceClass } from '../proving/profile.ts';
import { PROOF_GAP_ERROR, RETRYABLE_HANDLER_ERRORS } from '../pipeline/workflow-contract.ts';
import { ProverJobTask, jobTaskTimeout, proverJobStateName } from './prover-job-task.ts';

/** State names (the local runtime binds Lambda handlers by state name). */
export const STATE = {
  plan: 'Plan',
  startLevels: 'StartLevels',
  moreLevels: 'MoreLevels',
  selectLevel: 'SelectLevel',
  currentLevel: 'CurrentLevel',
  proveLevel: 'ProveLevel',
  proveChain: 'ProveChain',
  routeByClass: 'RouteByClass',
  unknownClass: 'UnknownResourceClass',
  chainProven: 'ChainProven',
  nextLevel: 'NextLevel',
  submit: 'Submit',
  proven: 'Proven',
  recordFailure: 'RecordFailure',
  runFailed: 'RunFailed',
  /** Child execution: a proving job failed; its record for DescribeFailedJobs. */
  recordJobFailure: 'RecordJobFailure',
  jobFailed: 'JobFailed',
  /** After ProveLevel failed: which jobs failed and why (Lambda). */
  describeFailedJobs: 'DescribeFailedJobs',
  /** After Plan or Submit failed (or DescribeFailedJobs did): no job list. */
  noFailedJobs: 'NoFailedJobs',
  /** Before RecordFailure: some errors come without a Cause, which RecordFailure and RunFailed read. */
  hasCause: 'HasCause',
  noCauseGiven: 'NoCauseGiven',
  /** `<state>Failed`: notes which state failed before RecordFailure. */
  failed: (state: string) => `${state}Failed`,
  /** One Batch task per resource class. */
  prove: proverJobStateName,
} as const;

/**
 * Lambda service hiccups: the function did not run, or its result was lost (ClientExecutionTimeoutException: the
 * invoke timed out on Step Functions' side, the function may have run). Calling again is safe because every
 * handler the workflow calls is idempotent (Plan returns its plan, Submit its recorded outcome; the rest read).
 */
export const TRANSIENT_LAMBDA_ERRORS: readonly string[] = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
];

export interface ProvingDefinitionProps {
  readonly planFunction: lambda.IFunction;
  readonly submitFunction: lambda.IFunction;
  /** Reads the failed jobs' records of a run whose level failed (lambdas/describe-failed-jobs.ts). */
  readonly describeFailedJobsFunction: lambda.IFunction;
  readonly bucket: s3.IBucket;
  readonly jobQueue: batch.IJobQueue;
  /** Job definitions by resource class name (the level items' `class`). */
  readonly jobDefinitions: Readonly<Record<string, batch.IJobDefinition>>;
  /**
   * Child executions of one level running at once (Batch queues what its capacity cannot run yet).
   * @default MAP_CONCURRENCY (10,000, the Distributed Map's maximum: an epoch's level 0 has ~2,400–3,600 items)
   */
  readonly maxConcurrency?: number;
  /**
   * How long Submit keeps waiting for an earlier range to be proven (retried once a minute).
   * @default Duration.minutes(40)
   */
  readonly proofGapWait?: Duration;
}

/** Builds the workflow's states under this construct; `startState` goes into the state machine. */
export class ProvingDefinition extends Construct {
  public readonly startState: sfn.IChainable;

  constructor(scope: Construct, id: string, props: ProvingDefinitionProps) {
    super(scope, id);
    const classes = Object.keys(props.jobDefinitions);
    if (classes.length === 0) throw new Error('ProvingDefinition: no job definitions (the profile has no resource classes)');

    // ---- failure path ------------------------------------------------------------------------------------
    const runFailed = new sfn.Fail(this, STATE.runFailed, { errorPath: '$.failure.Error', causePath: '$.failure.Cause' });
    const recordFailure = new tasks.CallAwsService(this, STATE.recordFailure, {
      service: 's3',
      action: 'putObject',
      iamResources: [props.bucket.arnForObjects('runs/*')],
      parameters: {
        Bucket: props.bucket.bucketName,
        Key: sfn.JsonPath.format('runs/{}/failure.json', sfn.JsonPath.executionName),
        ContentType: 'application/json',
        Body: {
          error: sfn.JsonPath.stringAt('$.failure.Error'),
          cause: sfn.JsonPath.stringAt('$.failure.Cause'),
          state: sfn.JsonPath.stringAt('$.failure.state'),
          jobs: sfn.JsonPath.listAt('$.failure.jobs'),
          execution: sfn.JsonPath.executionId,
        },
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    // putObject of a fixed key is idempotent, and losing the failure record is worse than a retry.
    recordFailure.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 3 });
    recordFailure.addCatch(runFailed, { errors: ['States.ALL'], resultPath: '$.recordFailureError' });
    recordFailure.next(runFailed);

    // A path that does not exist is a States.Runtime error, which no Catch can take: give the failure a Cause
    // when it has none (a Fail state without one, some service errors) before anything reads it.
    const noCauseGiven = new sfn.Pass(this, STATE.noCauseGiven, { result: sfn.Result.fromString('no cause given'), resultPath: '$.failure.Cause' });
    noCauseGiven.next(recordFailure);
    const hasCause = new sfn.Choice(this, STATE.hasCause).when(sfn.Condition.isPresent('$.failure.Cause'), recordFailure).otherwise(noCauseGiven);

    // A Result, not Parameters: nothing here reads the failure, so nothing can be missing from it.
    const noFailedJobs = new sfn.Pass(this, STATE.noFailedJobs, { result: sfn.Result.fromArray([]), resultPath: '$.failure.jobs' });
    noFailedJobs.next(hasCause);
    const describeFailedJobs = new tasks.LambdaInvoke(this, STATE.describeFailedJobs, {
      lambdaFunction: props.describeFailedJobsFunction,
      payload: sfn.TaskInput.fromObject({ runId: sfn.JsonPath.executionName, failure: sfn.JsonPath.objectAt('$.failure') }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      // The failure, restated: Error/Cause name the failed job instead of the Map's "threshold exceeded", + jobs.
      resultPath: '$.failure',
    });
    addLambdaRetries(describeFailedJobs);
    // Losing the job list must not lose the failure record.
    describeFailedJobs.addCatch(noFailedJobs, { errors: ['States.ALL'], resultPath: '$.describeFailedJobsError' });
    describeFailedJobs.next(hasCause);

    const onFailure = (state: sfn.TaskStateBase | sfn.DistributedMap, name: string, then: sfn.IChainable) => {
      const note = new sfn.Pass(this, STATE.failed(name), {
        result: sfn.Result.fromString(name),
        resultPath: '$.failure.state',
      });
      note.next(then);
      state.addCatch(note, { errors: ['States.ALL'], resultPath: '$.failure' });
    };

    // ---- Plan --------------------------------------------------------------------------------------------
    const plan = new tasks.LambdaInvoke(this, STATE.plan, {
      lambdaFunction: props.planFunction,
      payload: sfn.TaskInput.fromObject({
        runId: sfn.JsonPath.executionName,
        request: sfn.JsonPath.entirePayload,
      }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: '$.plan',
    });
    addLambdaRetries(plan);
    onFailure(plan, STATE.plan, noFailedJobs);

    // ---- level loop --------------------------------------------------------------------------------------
    const startLevels = new sfn.Pass(this, STATE.startLevels, {
      parameters: { index: 0, 'count.$': 'States.ArrayLength($.plan.levels)' },
      resultPath: '$.cursor',
    });
    const selectLevel = new sfn.Pass(this, STATE.selectLevel, {
      parameters: { 'level.$': 'States.ArrayGetItem($.plan.levels, $.cursor.index)' },
      resultPath: '$.current',
    });
    // A Pass without Result/Parameters outputs its (InputPath-filtered) input: unwraps $.current.level.
    const currentLevel = new sfn.Pass(this, STATE.currentLevel, { inputPath: '$.current.level', resultPath: '$.current' });
    const nextLevel = new sfn.Pass(this, STATE.nextLevel, {
      parameters: { 'index.$': 'States.MathAdd($.cursor.index, 1)', 'count.$': '$.cursor.count' },
      resultPath: '$.cursor',
    });

    // ---- one child execution: the steps of one item, in order ------------------------------------------------
    // A failed job leaves its record where DescribeFailedJobs finds it: the child's own error never reaches the
    // parent (the Distributed Map reports only that its failure threshold was exceeded).
    const jobFailed = new sfn.Fail(this, STATE.jobFailed, {
      error: 'ProverJobFailed',
      cause: 'a proving job failed: its record is under runs/<run id>/failed-jobs/',
    });
    const recordJobFailure = new tasks.CallAwsService(this, STATE.recordJobFailure, {
      service: 's3',
      action: 'putObject',
      iamResources: [props.bucket.arnForObjects('runs/*')],
      parameters: {
        Bucket: props.bucket.bucketName,
        Key: sfn.JsonPath.format('runs/{}/failed-jobs/{}.json', sfn.JsonPath.stringAt('$.runId'), sfn.JsonPath.stringAt('$.job')),
        ContentType: 'application/json',
        // The whole Catch output: Batch's description of the job is its Cause (absent for some errors).
        Body: { job: sfn.JsonPath.stringAt('$.job'), class: sfn.JsonPath.stringAt('$.class'), failure: sfn.JsonPath.objectAt('$.jobFailure') },
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    recordJobFailure.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 3 });
    recordJobFailure.addCatch(jobFailed, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
    recordJobFailure.next(jobFailed);

    const routeByClass = new sfn.Choice(this, STATE.routeByClass);
    for (const resourceClass of classes) {
      const jobDefinition = props.jobDefinitions[resourceClass] as batch.IJobDefinition;
      const step = new ProverJobTask(this, `Task-${resourceClass}`, {
        resourceClass,
        jobQueue: props.jobQueue,
        jobDefinition,
        timeout: jobTaskTimeout(jobDefinition),
      });
      step.task.addCatch(recordJobFailure, { errors: ['States.ALL'], resultPath: '$.jobFailure' });
      routeByClass.when(sfn.Condition.stringEquals('$.class', resourceClass), step.task);
    }
    routeByClass.otherwise(
      new sfn.Fail(this, STATE.unknownClass, {
        error: 'UnknownResourceClass',
        cause: `a level item names a resource class with no job definition (known: ${classes.join(', ')})`,
      }),
    );
    const proveChain = new sfn.Map(this, STATE.proveChain, {
      itemsPath: '$.steps',
      maxConcurrency: 1,
      itemSelector: {
        job: sfn.JsonPath.stringAt('$$.Map.Item.Value.job'),
        class: sfn.JsonPath.stringAt('$$.Map.Item.Value.class'),
        runId: sfn.JsonPath.stringAt('$.runId'),
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    proveChain.itemProcessor(routeByClass);
    // A tiny child output: the Distributed Map collects one per item (thousands per level).
    const chainProven = new sfn.Pass(this, STATE.chainProven, {
      parameters: { 'steps.$': 'States.ArrayLength($.steps)' },
    });

    const proveLevel = new sfn.DistributedMap(this, STATE.proveLevel, {
      itemReader: new sfn.S3JsonItemReader({ bucket: props.bucket, key: sfn.JsonPath.stringAt('$.current.key') }),
      itemSelector: {
        steps: sfn.JsonPath.listAt('$$.Map.Item.Value.steps'),
        runId: sfn.JsonPath.stringAt('$.plan.runId'),
      },
      mapExecutionType: sfn.StateMachineType.STANDARD,
      maxConcurrency: props.maxConcurrency ?? MAP_CONCURRENCY,
      label: STATE.proveLevel,
      resultPath: sfn.JsonPath.DISCARD,
    });
    proveLevel.itemProcessor(proveChain.next(chainProven));
    onFailure(proveLevel, STATE.proveLevel, describeFailedJobs);

    // ---- Submit ------------------------------------------------------------------------------------------
    const submit = new tasks.LambdaInvoke(this, STATE.submit, {
      lambdaFunction: props.submitFunction,
      payload: sfn.TaskInput.fromObject({ runId: sfn.JsonPath.stringAt('$.plan.runId') }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: '$.submission',
    });
    const gapWait = props.proofGapWait ?? Duration.minutes(40);
    submit.addRetry({
      errors: [PROOF_GAP_ERROR],
      interval: Duration.minutes(1),
      backoffRate: 1,
      maxAttempts: Math.max(1, Math.ceil(gapWait.toSeconds() / 60)),
    });
    addLambdaRetries(submit);
    onFailure(submit, STATE.submit, noFailedJobs);

    const moreLevels = new sfn.Choice(this, STATE.moreLevels)
      .when(
        sfn.Condition.numberLessThanJsonPath('$.cursor.index', '$.cursor.count'),
        selectLevel.next(currentLevel).next(proveLevel).next(nextLevel),
      )
      .otherwise(submit.next(new sfn.Succeed(this, STATE.proven)));
    nextLevel.next(moreLevels);

    this.startState = plan.next(startLevels).next(moreLevels);
  }
}

function addLambdaRetries(task: tasks.LambdaInvoke): void {
  task.addRetry({
    errors: [...TRANSIENT_LAMBDA_ERRORS],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 6,
    jitterStrategy: sfn.JitterType.FULL,
  });
  task.addRetry({
    errors: [...RETRYABLE_HANDLER_ERRORS],
    interval: Duration.seconds(10),
    backoffRate: 2,
    maxAttempts: 5,
    jitterStrategy: sfn.JitterType.FULL,
  });
}

export interface RunTimeoutInputs {
  readonly resourceClasses: Readonly<Record<string, ResourceClass>>;
  /** Batch attempts per job. */
  readonly retryAttempts: number;
  /** Longest chain of sequential proving jobs in a run (leaf chain + merge levels). */
  readonly treeDepthBound: number;
  /**
   * Per sequential job: waiting in RUNNABLE for an instance to start and pull the image.
   * @default 15 minutes
   */
  readonly queueSlack?: Duration;
  /**
   * Plan, Submit and its wait for earlier ranges.
   * @default 1 hour
   */
  readonly overhead?: Duration;
}

/**
 * Upper bound of a run's duration, used as the state machine timeout (so a wedged run ends and alarms):
 * treeDepthBound × (longest class timeout × attempts + queue slack) + overhead.
 */
export function deriveRunTimeout(inputs: RunTimeoutInputs): Duration {
  const timeouts = Object.values(inputs.resourceClasses).map((c) => c.timeoutSeconds);
  if (timeouts.length === 0) throw new Error('deriveRunTimeout: no resource classes');
  const perJob = Math.max(...timeouts) * inputs.retryAttempts + (inputs.queueSlack ?? Duration.minutes(15)).toSeconds();
  const total = inputs.treeDepthBound * perJob + (inputs.overhead ?? Duration.hours(1)).toSeconds();
  return Duration.seconds(total);
}
