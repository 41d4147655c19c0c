import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface ProverObservabilityProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly jobQueue: batch.IJobQueue;
  readonly pollerFunction: lambda.IFunction;
  readonly planFunction: lambda.IFunction;
  readonly submitFunction: lambda.IFunction;
  /** A run taking longer than this missed its L1 proof window. */
  readonly proofWindow: Duration;
  /**
   * Email subscribed to the alarm topic.
   * @default - no subscription
   */
  readonly alarmEmail?: string;
}

/**
 * Alarms → one encrypted SNS topic, and a dashboard.
 *
 *  - RunsFailed / RunsTimedOut: any execution that failed or hit the state machine timeout.
 *  - RunMissedProofWindow: an execution that took longer than the proof window (ExecutionTime is published when
 *    a run ends, so this fires on completion; a run still going past the window ends in RunsTimedOut or here).
 *  - JobQueueBlocked: AWS Batch emits a "Batch Job Queue Blocked" event when the job at the head of the queue
 *    is stuck in RUNNABLE (no capacity, or a job larger than any instance allows). An EventBridge rule matches
 *    those events for this queue, forwards each to the topic (with the job and reason) and its TriggeredRules
 *    metric drives the alarm. Misconfiguration blocks are also cancelled by the queue after 10 minutes.
 *  - PollerFailing: the poller errored on 3 consecutive 5-minute periods — nothing new gets proven.
 */
export class ProverObservability extends Construct {
  public readonly alarmTopic: sns.Topic;
  public readonly alarms: readonly cloudwatch.Alarm[];
  public readonly queueBlockedRule: events.Rule;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ProverObservabilityProps) {
    super(scope, id);

    // A customer-managed key: CloudWatch alarms and EventBridge cannot publish to a topic encrypted with the
    // AWS-managed SNS key (its policy cannot grant them). The topic is named so that the key's policy can name it
    // (a Ref would be a cycle: the topic refers to the key).
    const stack = Stack.of(this);
    const topicName = `${stack.stackName}-alarms`;
    const topicArn = stack.formatArn({ service: 'sns', resource: topicName });
    const thisAccount = { 'aws:SourceAccount': stack.account };
    const ourAlarms = { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) };
    const thisTopic = { 'kms:EncryptionContext:aws:sns:topicArn': topicArn };
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the prover alarm topic',
      enableKeyRotation: true,
    });
    // Service principals act for whoever configured them (confused deputy): each grant names our account and our
    // alarms or rule. In the key policy ("*" = this key) SNS's encryption context pins use to this topic; the
    // EventBridge grant relies on it alone, because EventBridge's deliveries to an encrypted topic are not
    // documented to carry aws:SourceAccount / aws:SourceArn into KMS (a condition on them could drop every event).
    const useKey = ['kms:Decrypt', 'kms:GenerateDataKey*'];
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: useKey,
        resources: ['*'],
        conditions: { StringEquals: { ...thisAccount, ...thisTopic }, ArnLike: ourAlarms },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: useKey,
        resources: ['*'],
        conditions: { StringEquals: thisTopic },
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      topicName,
      displayName: 'Aztec prover alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // The topic's policy replaces SNS's default one (which let the account publish): CloudWatch needs its own grant.
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: { StringEquals: thisAccount, ArnLike: ourAlarms },
      }),
    );
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const fiveMinutes = Duration.minutes(5);
    const runsFailed = new cloudwatch.Alarm(this, 'RunsFailed', {
      alarmDescription: 'A proving run failed: see runs/<run id>/failure.json in the artifact bucket',
      metric: props.stateMachine.metricFailed({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const runsTimedOut = new cloudwatch.Alarm(this, 'RunsTimedOut', {
      alarmDescription: 'A proving run hit the state machine timeout (a wedged job or no Batch capacity)',
      metric: props.stateMachine.metricTimedOut({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const runDuration = props.stateMachine.metricTime({ period: fiveMinutes, statistic: 'Maximum' });
    const missedWindow = new cloudwatch.Alarm(this, 'RunMissedProofWindow', {
      alarmDescription: `A proving run took longer than the proof window (${props.proofWindow.toMinutes()} min)`,
      metric: runDuration,
      threshold: props.proofWindow.toMilliseconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.queueBlockedRule = new events.Rule(this, 'JobQueueBlockedRule', {
      description: 'AWS Batch reports a job stuck in RUNNABLE at the head of the prover queue',
      eventPattern: {
        source: ['aws.batch'],
        detailType: ['Batch Job Queue Blocked'],
        detail: { jobQueue: [props.jobQueue.jobQueueArn] },
      },
    });
    // Not eventTargets.SnsTopic: it grants events.amazonaws.com publishing without naming the rule.
    this.queueBlockedRule.addTarget({ bind: () => ({ arn: this.alarmTopic.topicArn, targetResource: this.alarmTopic }) });
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: { StringEquals: thisAccount, ArnEquals: { 'aws:SourceArn': this.queueBlockedRule.ruleArn } },
      }),
    );
    const queueBlockedEvents = new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'TriggeredRules',
      dimensionsMap: { RuleName: this.queueBlockedRule.ruleName },
      period: fiveMinutes,
      statistic: 'Sum',
    });
    const queueBlocked = new cloudwatch.Alarm(this, 'JobQueueBlocked', {
      alarmDescription: 'A Batch job is stuck in RUNNABLE (capacity or misconfiguration): the run is not progressing',
      metric: queueBlockedEvents,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const pollerErrors = props.pollerFunction.metricErrors({ period: fiveMinutes, statistic: 'Sum' });
    const pollerFailing = new cloudwatch.Alarm(this, 'PollerFailing', {
      alarmDescription: 'The poller keeps failing: no new runs are started',
      metric: pollerErrors,
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.alarms = [runsFailed, runsTimedOut, missedWindow, queueBlocked, pollerFailing];
    const notify = new cwActions.SnsAction(this.alarmTopic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(1),
      widgets: [
        [
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms], width: 24, height: 4 }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Runs',
            width: 12,
            left: [
              props.stateMachine.metricStarted({ period: fiveMinutes, statistic: 'Sum', label: 'started' }),
              props.stateMachine.metricSucceeded({ period: fiveMinutes, statistic: 'Sum', label: 'succeeded' }),
              props.stateMachine.metricFailed({ period: fiveMinutes, statistic: 'Sum', label: 'failed' }),
              props.stateMachine.metricTimedOut({ period: fiveMinutes, statistic: 'Sum', label: 'timed out' }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Run duration (ms)',
            width: 12,
            left: [
              runDuration.with({ label: 'max' }),
              props.stateMachine.metricTime({ period: fiveMinutes, statistic: 'Average', label: 'average' }),
            ],
            leftAnnotations: [{ value: props.proofWindow.toMilliseconds(), label: 'proof window' }],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Lambda errors',
            width: 12,
            left: [
              pollerErrors.with({ label: 'poller' }),
              props.planFunction.metricErrors({ period: fiveMinutes, statistic: 'Sum', label: 'plan' }),
              props.submitFunction.metricErrors({ period: fiveMinutes, statistic: 'Sum', label: 'submit' }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Plan / Submit duration (ms)',
            width: 12,
            left: [
              props.planFunction.metricDuration({ period: fiveMinutes, statistic: 'Maximum', label: 'plan' }),
              props.submitFunction.metricDuration({ period: fiveMinutes, statistic: 'Maximum', label: 'submit' }),
            ],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Batch job queue blocked (events)',
            width: 12,
            left: [queueBlockedEvents.with({ label: 'blocked' })],
          }),
        ],
      ],
    });
  }
}
