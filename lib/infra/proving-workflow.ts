import { type Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeNag, nagRef, nagStateMachineName } from './nag.ts';
import { ProvingDefinition, type ProvingDefinitionProps, STATE } from './workflow-definition.ts';

export interface ProvingWorkflowProps extends ProvingDefinitionProps {
  /** Longest a run may take (see deriveRunTimeout). */
  readonly timeout: Duration;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The proving state machine (STANDARD: runs wait hours on Batch jobs) with X-Ray tracing and full execution
 * logging. Executions are started by name = run id, so a duplicate start is ExecutionAlreadyExists.
 */
export class ProvingWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;
  public readonly definition: ProvingDefinition;

  constructor(scope: Construct, id: string, props: ProvingWorkflowProps) {
    super(scope, id);
    this.definition = new ProvingDefinition(this, 'Definition', props);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition.startState),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: props.timeout,
      tracingEnabled: true,
      // Payloads hold only keys and ids, so logging execution data costs little and shows every step's input.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      comment: 'Proves a block range: Plan, one Distributed Map per tree level over AWS Batch jobs, Submit to L1',
    });
    // Stopping a run (or a failed sibling chain aborting a level) should stop its Batch jobs: Step Functions
    // terminates .sync jobs of stopped executions when allowed to, and reads them while it waits.
    const stack = Stack.of(this);
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['batch:TerminateJob'],
        resources: [stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' })],
      }),
    );
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['batch:DescribeJobs'], resources: ['*'] }));

    const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${nagStateMachineName(this.stateMachine)}`;
    acknowledgeNag(
      this,
      'Generated for the workflow by CDK and Step Functions: X-Ray, log delivery and batch:DescribeJobs support no ' +
        'resource-level permissions; Lambda versions of Plan/Submit/DescribeFailedJobs (:*); the Distributed Map reads level files ' +
        '(runs/<id>/levels/*.json) and manages its own child executions; RecordFailure / RecordJobFailure write runs/<id>/failure.json and failed-jobs/; ' +
        'BatchSubmitJob grants job-definition/* (revisions) and stopping runs terminates their job/*.',
      [
        'AwsSolutions-IAM5[Resource::*]',
        `AwsSolutions-IAM5[Resource::${nagRef(props.planFunction)}:*]`,
        `AwsSolutions-IAM5[Resource::${nagRef(props.submitFunction)}:*]`,
        `AwsSolutions-IAM5[Resource::${nagRef(props.describeFailedJobsFunction)}:*]`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagRef(props.bucket, null)}/*]`,
        `AwsSolutions-IAM5[Resource::${nagRef(props.bucket)}/runs/*]`,
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job-definition/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job/*]',
        `AwsSolutions-IAM5[Resource::${executions}:*]`,
        `AwsSolutions-IAM5[Resource::${executions}/${STATE.proveLevel}:*]`,
      ],
    );
  }
}
