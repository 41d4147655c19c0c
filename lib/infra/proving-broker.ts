import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { INDEX, INLINE_PREFIX, PROOF_STORE_PREFIX } from '../broker/contract.ts';
import type { ResourceClass } from '../proving/profile.ts';
import { BrokerTable } from './broker-table.ts';
import { BrokerWorkflow } from './broker-workflow.ts';
import { acknowledgeNag, nagRef } from './nag.ts';
import { prewarmStatements, type PrewarmProps } from './prover-compute.ts';

export interface ProvingBrokerProps {
  readonly bucket: s3.IBucket;
  readonly jobQueue: batch.IJobQueue;
  readonly jobDefinitions: Readonly<Record<string, batch.IJobDefinition>>;
  readonly resourceClasses: Readonly<Record<string, ResourceClass>>;
  readonly retryAttempts: number;
  readonly logRetention?: logs.RetentionDays;
  /**
   * Pre-warm at the first job of a new epoch: the broker process may raise these environments' desired vCPUs
   * (lib/aws/batch-prewarm.ts); `prewarmTarget` is what it reads from the stack output.
   * @default - off
   */
  readonly prewarm?: PrewarmProps;
}

/**
 * What the proving broker for Aztec's prover node needs in the account: the job table, the per-job state
 * machine and one managed policy with exactly what the broker process (and the node's S3 proof store) may do.
 * The broker itself is a small process beside the node (`prover aztec-broker --stack …`), running with the node
 * host's role: attach `brokerPolicy` to that role. Nothing here costs anything while no job is enqueued.
 */
export class ProvingBroker extends Construct {
  public readonly table: BrokerTable;
  public readonly workflow: BrokerWorkflow;
  public readonly brokerPolicy: iam.ManagedPolicy;
  /** `{"vcpus", "computeEnvironments": [arn…], "maxVcpus"}` for the broker process (stack output BrokerPrewarm). */
  public readonly prewarmTarget: { readonly vcpus: number; readonly computeEnvironments: readonly string[]; readonly maxVcpus?: number };

  constructor(scope: Construct, id: string, props: ProvingBrokerProps) {
    super(scope, id);
    this.table = new BrokerTable(this, 'Table');
    this.workflow = new BrokerWorkflow(this, 'JobWorkflow', {
      table: this.table.table,
      bucket: props.bucket,
      jobQueue: props.jobQueue,
      jobDefinitions: props.jobDefinitions,
      resourceClasses: props.resourceClasses,
      retryAttempts: props.retryAttempts,
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    const stateMachine = this.workflow.stateMachine;
    const stack = Stack.of(this);
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const table = this.table.table;
    const prewarm = props.prewarm && props.prewarm.vcpus > 0 && props.prewarm.computeEnvironments.length > 0 ? props.prewarm : undefined;
    this.prewarmTarget = prewarm
      ? { vcpus: prewarm.vcpus, computeEnvironments: prewarm.computeEnvironments.map((e) => e.computeEnvironmentArn), maxVcpus: prewarm.maxVcpus }
      : { vcpus: 0, computeEnvironments: [] };
    this.brokerPolicy = new iam.ManagedPolicy(this, 'BrokerPolicy', {
      description: "aztec-aws-prover broker + Aztec prover node: the job table, the per-job executions, the node's proof store",
      statements: [
        new iam.PolicyStatement({
          sid: 'JobTable',
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
          resources: [table.tableArn, ...Object.values(INDEX).map((name) => `${table.tableArn}/index/${name}`)],
        }),
        new iam.PolicyStatement({ sid: 'StartJobs', actions: ['states:StartExecution'], resources: [stateMachine.stateMachineArn] }),
        new iam.PolicyStatement({ sid: 'WatchAndStopJobs', actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [executions] }),
        new iam.PolicyStatement({
          sid: 'ProofStore',
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [props.bucket.arnForObjects(`${PROOF_STORE_PREFIX}*`), props.bucket.arnForObjects(`${INLINE_PREFIX}*`), props.bucket.arnForObjects('jobs/*')],
        }),
        // A HEAD of a missing object answers 404 (not 403) only with ListBucket: the broker checks inputs exist.
        new iam.PolicyStatement({ sid: 'ProofStoreLookups', actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn] }),
        ...(prewarm ? prewarmStatements(prewarm.computeEnvironments, 'PrewarmComputeEnvironments') : []),
      ],
    });
    acknowledgeNag(
      this.brokerPolicy,
      'The broker starts one execution per job (names known at run time) and reads/writes objects of the proof ' +
        'store, its inline jobs and job specs/records (keys known at run time), and queries the table\'s indexes. ' +
        'Pre-warm reads compute environments: batch:DescribeComputeEnvironments has no resource-level permissions.',
      [
        ...(prewarm ? ['AwsSolutions-IAM5[Resource::*]'] : []),
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${nagRef(stateMachine, 'Name')}:*]`,
        `AwsSolutions-IAM5[Resource::${nagRef(props.bucket)}/${PROOF_STORE_PREFIX}*]`,
        `AwsSolutions-IAM5[Resource::${nagRef(props.bucket)}/${INLINE_PREFIX}*]`,
        `AwsSolutions-IAM5[Resource::${nagRef(props.bucket)}/jobs/*]`,
      ],
    );
  }
}
