import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ResourceClass } from '../proving/profile.ts';
import { BrokerJobDefinition, type BrokerJobDefinitionProps } from './broker-job-definition.ts';
import { acknowledgeNag, nagRef } from './nag.ts';

export interface BrokerWorkflowProps extends BrokerJobDefinitionProps {
  /** The classes behind `jobDefinitions`, for the execution timeout. */
  readonly resourceClasses: Readonly<Record<string, ResourceClass>>;
  /** Batch attempts per job (within one round). */
  readonly retryAttempts: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The broker's per-job state machine (STANDARD: a job waits on Batch for up to hours). Its timeout is derived
 * from the slowest class: rounds × (attempt timeout × attempts + 15 min in the queue).
 */
export class BrokerWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly definition: BrokerJobDefinition;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BrokerWorkflowProps) {
    super(scope, id);
    this.definition = new BrokerJobDefinition(this, 'Definition', props);
    const slowest = Math.max(...Object.values(props.resourceClasses).map((c) => c.timeoutSeconds));
    const timeout = Duration.seconds(this.definition.maxRounds * (slowest * props.retryAttempts + 15 * 60) + 15 * 60);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition.startState),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      comment: "Proves one Aztec job for the broker: AWS Batch on the job type's class, outcome recorded in the job table",
    });
    // The broker stops a cancelled job's execution; Step Functions then terminates its Batch job.
    const stack = Stack.of(this);
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['batch:TerminateJob'], resources: [stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' })] }),
    );
    acknowledgeNag(
      this,
      'Generated for the workflow by CDK and Step Functions: X-Ray and log delivery support no resource-level ' +
        'permissions; BatchSubmitJob grants job-definition/* (revisions); stopping a job terminates its job/*; ' +
        'ReadJobError reads the job runner\'s jobs/<id>/error.json.',
      [
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job-definition/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job/*]',
        `AwsSolutions-IAM5[Resource::${nagRef(props.bucket)}/jobs/*]`,
      ],
    );
  }
}
