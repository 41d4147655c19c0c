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
import { RUN_AGE_METRIC } from '../aws/run-age-metric.ts';

/** Batch's statusReason of a job blocked for want of instances (CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - …). */
const CAPACITY_REASON_PREFIX = 'CAPACITY:';

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
 *    a run ends, so this fires on completion).
 *  - RunOlderThanProofWindow: the oldest running execution is older than the proof window, while it runs (the
 *    poller publishes the age every minute).
 *  - JobQueueBlocked / JobsWaitingForCapacity: AWS Batch emits a "Batch Job Queue Blocked" event when the job at
 *    the head of the queue is stuck in RUNNABLE. Two EventBridge rules match those events for this queue — no
 *    capacity (CAPACITY:…, alarmed within a minute), anything else (a job larger than any instance allows …) —
 *    forward each to the topic (with the job and reason), and their TriggeredRules metrics drive the alarms.
 *    Misconfiguration blocks are also cancelled by the queue after 10 minutes.
 *  - PollerFailing: the poller errored on 3 consecutive 5-minute periods — nothing new gets proven.
 */
export class ProverObservability extends Construct {
  public readonly alarmTopic: sns.Topic;
  public readonly alarms: readonly cloudwatch.Alarm[];
  public readonly queueBlockedRule: events.Rule;
  public readonly capacityBlockedRule: events.Rule;
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

    // AWS Batch emits "Batch Job Queue Blocked" when the job at the head of the queue is stuck in RUNNABLE; its
    // statusReason says why. Capacity (CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY: no instance of the allowed types
    // to be had) gets its own rule and a 1-minute alarm; the rest (misconfiguration) the other.
    const blockedRule = (id: string, description: string, statusReason: unknown[]) => {
      const rule = new events.Rule(this, id, {
        description,
        eventPattern: {
          source: ['aws.batch'],
          detailType: ['Batch Job Queue Blocked'],
          detail: { jobQueue: [props.jobQueue.jobQueueArn], statusReason },
        },
      });
      // Not eventTargets.SnsTopic: it grants events.amazonaws.com publishing without naming the rule.
      rule.addTarget({ bind: () => ({ arn: this.alarmTopic.topicArn, targetResource: this.alarmTopic }) });
      return rule;
    };
    this.queueBlockedRule = blockedRule('JobQueueBlockedRule', 'AWS Batch reports a job stuck in RUNNABLE at the head of the prover queue (not for capacity)', [
      { 'anything-but': { prefix: CAPACITY_REASON_PREFIX } },
    ]);
    this.capacityBlockedRule = blockedRule('JobsWaitingForCapacityRule', 'AWS Batch cannot get instances for the job at the head of the prover queue', [
      { prefix: CAPACITY_REASON_PREFIX },
    ]);
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: thisAccount,
          ArnEquals: { 'aws:SourceArn': [this.queueBlockedRule.ruleArn, this.capacityBlockedRule.ruleArn] },
        },
      }),
    );
    const matches = (rule: events.Rule, period: Duration) =>
      new cloudwatch.Metric({ namespace: 'AWS/Events', metricName: 'TriggeredRules', dimensionsMap: { RuleName: rule.ruleName }, period, statistic: 'Sum' });
    const queueBlockedEvents = matches(this.queueBlockedRule, fiveMinutes);
    const queueBlocked = new cloudwatch.Alarm(this, 'JobQueueBlocked', {
      alarmDescription: 'A Batch job is stuck in RUNNABLE (misconfiguration): the run is not progressing',
      metric: queueBlockedEvents,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const capacityEvents = matches(this.capacityBlockedRule, Duration.minutes(1));
    const waitingForCapacity = new cloudwatch.Alarm(this, 'JobsWaitingForCapacity', {
      alarmDescription:
        'Batch cannot get instance capacity for a prover job (CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY): runs wait until it ' +
        'frees up or their timeout; more instance types, AZs or the on-demand fallback widen the pools',
      metric: capacityEvents,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // Published by the poller each minute (lib/aws/run-age-metric.ts): fires while the run is still going.
    const oldestRunAge = new cloudwatch.Metric({
      namespace: RUN_AGE_METRIC.namespace,
      metricName: RUN_AGE_METRIC.name,
      dimensionsMap: { [RUN_AGE_METRIC.dimension]: props.stateMachine.stateMachineArn },
      period: fiveMinutes,
      statistic: 'Maximum',
    });
    const runTooOld = new cloudwatch.Alarm(this, 'RunOlderThanProofWindow', {
      alarmDescription: `A proving run is still going after the proof window (${props.proofWindow.toMinutes()} min): stuck in a queue or on a job`,
      metric: oldestRunAge,
      threshold: props.proofWindow.toSeconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
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

    this.alarms = [runsFailed, runsTimedOut, missedWindow, runTooOld, queueBlocked, waitingForCapacity, pollerFailing];
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
            left: [queueBlockedEvents.with({ label: 'blocked' }), capacityEvents.with({ label: 'no capacity', period: fiveMinutes })],
          }),
          new cloudwatch.GraphWidget({
            title: 'Oldest running run (s)',
            width: 12,
            left: [oldestRunAge.with({ label: 'age' })],
            leftAnnotations: [{ value: props.proofWindow.toSeconds(), label: 'proof window' }],
          }),
        ],
      ],
    });
  }
}
