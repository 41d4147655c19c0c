import { Duration } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { SUBMIT_JOB_RETRY } from '../model/fixes.ts';

/**
 * Errors of the Batch API itself (throttling, service hiccups) while submitting or tracking a job: safe to
 * retry because nothing ran. A *failed job* surfaces as States.TaskFailed and is deliberately not retried
 * here: the job definition's retry strategy already retried spot reclaims and retryable exits.
 */
export const TRANSIENT_BATCH_ERRORS: readonly string[] = [
  'Batch.AWSBatchException',
  'Batch.TooManyRequestsException',
  'Batch.ServerException',
];

export interface ProverJobTaskProps {
  /** Resource class this task proves (names the state and the Batch job). */
  readonly resourceClass: string;
  readonly jobQueue: batch.IJobQueue;
  readonly jobDefinition: batch.IJobDefinition;
  /**
   * JSONPath of the job id in the state input.
   * @default '$.job'
   */
  readonly jobIdPath?: string;
  /**
   * JSONPath of the run id in the state input.
   * @default '$.runId'
   */
  readonly runIdPath?: string;
  /**
   * Extra container environment (values may be JsonPath strings).
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Where the Batch result goes, so the step's input survives.
   * @default '$.result'
   */
  readonly resultPath?: string;
  /**
   * Longest the task waits for its job, queue included (States.Timeout after it; see jobTaskTimeout).
   * @default - none: only the execution's timeout bounds a job stuck in RUNNABLE
   */
  readonly timeout?: Duration;
}

/** What a job may take in the queue (instances starting, pulling the image) before its attempts run. */
const DEFAULT_QUEUE_ALLOWANCE = Duration.minutes(15);

/**
 * How long a task may wait for its Batch job: every attempt running into the job definition's attempt timeout,
 * plus a queue allowance. Beyond that the job is stuck (no capacity, a wedged host), and the run fails with the job
 * named instead of waiting for the whole run's timeout.
 */
export function jobTaskTimeout(jobDefinition: batch.IJobDefinition, queueAllowance: Duration = DEFAULT_QUEUE_ALLOWANCE): Duration | undefined {
  const attempt = jobDefinition.timeout;
  if (attempt === undefined) return undefined;
  return Duration.seconds(attempt.toSeconds() * (jobDefinition.retryAttempts ?? 1) + queueAllowance.toSeconds());
}

/**
 * One proving step as a Step Functions task: `batch:submitJob.sync` on the class's job definition with
 * JOB_ID / RUN_ID in the container environment (the image's command runs the job runner from them).
 * State name: `Prove <class>`.
 */
export class ProverJobTask extends Construct {
  public readonly task: tasks.BatchSubmitJob;

  constructor(scope: Construct, id: string, props: ProverJobTaskProps) {
    super(scope, id);
    const jobIdPath = props.jobIdPath ?? '$.job';
    const runIdPath = props.runIdPath ?? '$.runId';
    this.task = new StateTimedBatchSubmitJob(this, proverJobStateName(props.resourceClass), {
      stateName: proverJobStateName(props.resourceClass),
      jobQueueArn: props.jobQueue.jobQueueArn,
      jobDefinitionArn: props.jobDefinition.jobDefinitionArn,
      // Batch job names allow [A-Za-z0-9_-], up to 128 characters; job ids are 24 hex characters.
      jobName: sfn.JsonPath.format(`${props.resourceClass}-{}`, sfn.JsonPath.stringAt(jobIdPath)),
      containerOverrides: {
        environment: {
          ...props.environment,
          JOB_ID: sfn.JsonPath.stringAt(jobIdPath),
          RUN_ID: sfn.JsonPath.stringAt(runIdPath),
        },
      },
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      resultPath: props.resultPath ?? '$.result',
      stateTimeout: props.timeout,
    });
    // SubmitJob is throttled at 50 calls/s per account and a level submits up to 10,000 jobs at once: retries
    // that outlast that backlog, so throttling never fails a level (lib/model/fixes.ts, npm run bench:model).
    this.task.addRetry({
      errors: [...TRANSIENT_BATCH_ERRORS],
      interval: Duration.seconds(SUBMIT_JOB_RETRY.intervalSeconds),
      backoffRate: SUBMIT_JOB_RETRY.backoffRate,
      maxDelay: Duration.seconds(SUBMIT_JOB_RETRY.maxDelaySeconds),
      maxAttempts: SUBMIT_JOB_RETRY.maxAttempts - 1,
      jitterStrategy: sfn.JitterType.FULL,
    });
  }
}

export function proverJobStateName(resourceClass: string): string {
  return `Prove ${resourceClass}`;
}

/**
 * BatchSubmitJob with the state's own TimeoutSeconds. Not its `taskTimeout`: BatchSubmitJob turns that into the
 * job's Timeout.AttemptDurationSeconds (overriding the job definition's per-attempt timeout) and renders no
 * TimeoutSeconds at all.
 */
class StateTimedBatchSubmitJob extends tasks.BatchSubmitJob {
  private readonly stateTimeout: Duration | undefined;

  constructor(scope: Construct, id: string, props: tasks.BatchSubmitJobProps & { readonly stateTimeout: Duration | undefined }) {
    const { stateTimeout, ...rest } = props;
    super(scope, id, rest);
    this.stateTimeout = stateTimeout;
  }

  protected override _renderTask(topLevelQueryLanguage?: sfn.QueryLanguage): unknown {
    const rendered = super._renderTask(topLevelQueryLanguage) as Record<string, unknown>;
    return this.stateTimeout ? { ...rendered, TimeoutSeconds: this.stateTimeout.toSeconds() } : rendered;
  }
}
