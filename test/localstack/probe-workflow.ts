/**
 * A hand-written ASL with the constructs of the project's proving workflow (team brief, "State machine"):
 * Plan (Lambda, function-ARN form) → Choice loop over levels with intrinsics → Distributed Map reading its items
 * from S3 (ItemReader JSON) → per item an inline Map (MaxConcurrency 1) over steps → Choice on class →
 * batch:submitJob.sync per class with Retry → Submit (lambda:invoke form) ; Catch (States.ALL) → RecordFailure
 * (aws-sdk:s3:putObject) → Fail. Used to learn what LocalStack's free build runs (sfn-features.test.ts).
 */
import { ACCOUNT } from './aws-clients.ts';

export interface ProbeWorkflowOptions {
  readonly bucket: string;
  /** Retry transient Batch errors on the prove tasks. @default true */
  readonly batchRetry?: boolean;
}

/** Transient Batch API errors worth a retry (spot reclaim itself is retried by the job definition). */
export const TRANSIENT_BATCH_ERRORS = ['Batch.AWSBatchException', 'Batch.TooManyRequestsException', 'Batch.ServerException'];

export function probeWorkflow(options: ProbeWorkflowOptions): Record<string, unknown> {
  const catchAll = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }];
  const prove = (jobDefinition: string) => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::batch:submitJob.sync',
    Parameters: {
      'JobName.$': '$.job',
      JobQueue: `arn:aws:batch:us-east-1:${ACCOUNT}:job-queue/provers`,
      JobDefinition: `arn:aws:batch:us-east-1:${ACCOUNT}:job-definition/${jobDefinition}:1`,
      ContainerOverrides: { Environment: [{ Name: 'JOB_ID', 'Value.$': '$.job' }, { Name: 'RUN_ID', 'Value.$': '$.runId' }] },
    },
    ...(options.batchRetry === false ? {} : { Retry: [{ ErrorEquals: TRANSIENT_BATCH_ERRORS, IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 1 }] }),
    ResultPath: null,
    End: true,
  });
  return {
    StartAt: 'Plan',
    States: {
      Plan: { Type: 'Task', Resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:plan`, Next: 'InitCursor', Catch: catchAll },
      InitCursor: {
        Type: 'Pass',
        Parameters: { 'runId.$': '$.runId', 'levels.$': '$.levels', cursor: 0, 'count.$': 'States.ArrayLength($.levels)' },
        Next: 'HasMoreLevels',
      },
      HasMoreLevels: { Type: 'Choice', Choices: [{ Variable: '$.cursor', NumericLessThanPath: '$.count', Next: 'SelectLevel' }], Default: 'Submit' },
      SelectLevel: { Type: 'Pass', Parameters: { 'level.$': 'States.ArrayGetItem($.levels, $.cursor)' }, ResultPath: '$.current', Next: 'ProveLevel' },
      ProveLevel: {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: options.bucket, 'Key.$': '$.current.level.key' },
        },
        ItemSelector: { 'steps.$': '$$.Map.Item.Value.steps', 'runId.$': '$.runId' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'RunSteps',
          States: {
            RunSteps: {
              Type: 'Map',
              ItemsPath: '$.steps',
              MaxConcurrency: 1,
              ItemSelector: { 'job.$': '$$.Map.Item.Value.job', 'class.$': '$$.Map.Item.Value.class', 'runId.$': '$.runId' },
              ItemProcessor: {
                ProcessorConfig: { Mode: 'INLINE' },
                StartAt: 'ByClass',
                States: {
                  ByClass: { Type: 'Choice', Choices: [{ Variable: '$.class', StringEquals: 'small', Next: 'ProveSmall' }], Default: 'ProveLarge' },
                  ProveSmall: prove('small'),
                  ProveLarge: prove('large'),
                },
              },
              ResultPath: null,
              End: true,
            },
          },
        },
        ResultPath: null,
        Next: 'NextLevel',
        Catch: catchAll,
      },
      NextLevel: {
        Type: 'Pass',
        Parameters: { 'runId.$': '$.runId', 'levels.$': '$.levels', 'count.$': '$.count', 'cursor.$': 'States.MathAdd($.cursor, 1)' },
        Next: 'HasMoreLevels',
      },
      Submit: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:submit`, Payload: { 'runId.$': '$.runId' } },
        OutputPath: '$.Payload',
        End: true,
        Catch: catchAll,
      },
      RecordFailure: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:s3:putObject',
        Parameters: { Bucket: options.bucket, 'Key.$': "States.Format('runs/{}/failure.json', $.runId)", 'Body.$': '$.error' },
        ResultPath: null,
        Next: 'Failed',
      },
      Failed: { Type: 'Fail', Error: 'ProvingFailed', Cause: 'see runs/<runId>/failure.json' },
    },
  };
}
