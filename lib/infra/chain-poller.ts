import { Duration, Fn } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeNag, nagRef, nagStateMachineName } from './nag.ts';
import { prewarmStatements, type PrewarmProps } from './prover-compute.ts';
import { ProverFunction } from './prover-function.ts';

export interface ChainPollerProps {
  /** State machine whose executions the poller starts (name = run id) and inspects. */
  readonly stateMachine: sfn.IStateMachine;
  /** EventBridge Scheduler expression, e.g. `rate(1 minute)`. */
  readonly schedule: string;
  /**
   * Run the schedule. The stack disables it while no L1 is configured, so an unconfigured deploy stays idle.
   * @default true
   */
  readonly enabled?: boolean;
  /** Environment of the poller (profile, L1 endpoints, rollup address …). */
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention?: logs.RetentionDays;
  /**
   * Pre-warm when a run starts: raise these environments' desired vCPUs to `vcpus` (lib/aws/batch-prewarm.ts).
   * @default - off
   */
  readonly prewarm?: PrewarmProps;
}

/**
 * The poller Lambda (lambdas/poller.ts) and the EventBridge Scheduler schedule that runs it: one look at L1
 * per tick, then StartExecution for each unproven range.
 */
export class ChainPoller extends Construct {
  public readonly function: ProverFunction['function'];
  public readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: ChainPollerProps) {
    super(scope, id);
    const prewarm = props.prewarm && props.prewarm.vcpus > 0 && props.prewarm.computeEnvironments.length > 0 ? props.prewarm : undefined;
    const fn = new ProverFunction(this, 'Poller', {
      handlerName: 'poller',
      description: 'Reads the rollup tips on L1 and starts a proving run per unproven range',
      timeout: Duration.seconds(50), // shorter than the 1-minute tick: polls never overlap
      memorySize: 256,
      environment: {
        ...props.environment,
        STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
        PREWARM_VCPUS: String(prewarm ? prewarm.vcpus : 0),
        ...(prewarm
          ? {
              PREWARM_COMPUTE_ENVIRONMENTS: Fn.join(',', prewarm.computeEnvironments.map((e) => e.computeEnvironmentArn)),
              PREWARM_MAX_VCPUS: String(prewarm.maxVcpus),
            }
          : {}),
      },
      logRetention: props.logRetention,
    });
    this.function = fn.function;
    props.stateMachine.grantStartExecution(this.function);
    // What is running, what failed: the poller lists and describes this machine's executions, nothing else
    // (grantRead would add DescribeStateMachine, ListActivities, DescribeActivity on *).
    props.stateMachine.grant(this.function, 'states:ListExecutions');
    props.stateMachine.grantExecution(this.function, 'states:DescribeExecution');
    if (prewarm) for (const statement of prewarmStatements(prewarm.computeEnvironments)) this.function.addToRolePolicy(statement);

    const scheduleRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'EventBridge Scheduler: invoke the poller',
    });
    const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${nagStateMachineName(props.stateMachine)}:*`;
    acknowledgeNag(
      this,
      "The poller describes the machine's executions (ids unknown " +
        'ahead); the schedule role may invoke the poller and its versions (:*).',
      [`AwsSolutions-IAM5[Resource::${executions}]`, `AwsSolutions-IAM5[Resource::${nagRef(this.function)}:*]`],
    );

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: scheduler.ScheduleExpression.expression(props.schedule),
      description: 'Polls L1 for unproven blocks',
      enabled: props.enabled ?? true,
      target: new targets.LambdaInvoke(this.function, {
        role: scheduleRole,
        input: scheduler.ScheduleTargetInput.fromObject({ scheduledTime: scheduler.ContextAttribute.scheduledTime }),
        // The next tick polls again: a late or retried invocation would only duplicate work.
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    });
  }
}
