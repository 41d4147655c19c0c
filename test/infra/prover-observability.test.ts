import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { RUN_AGE_METRIC } from '../../lib/aws/run-age-metric.ts';
import { cleanupOutdirs, refOf, synthProver } from './support.ts';

afterAll(cleanupOutdirs);

interface Statement {
  readonly Effect: string;
  readonly Principal?: { Service?: string | string[] };
  readonly Action: string | string[];
  readonly Condition?: unknown;
}
type PolicyDocument = { Statement: Statement[] };

/** Allow statements of a policy that name `service` as a principal. */
function serviceStatements(policy: PolicyDocument, service: string): Statement[] {
  return policy.Statement.filter((s) => s.Effect === 'Allow' && [s.Principal?.Service ?? []].flat().includes(service));
}

describe('ProverObservability', () => {
  const { stack, template } = synthProver({ alarmEmail: 'ops@example.org', proofWindowMinutes: 38 });
  const topic = refOf(stack.observability.alarmTopic).slice(1, -1);
  const machine = refOf(stack.workflow.stateMachine).slice(1, -1);
  const keyPolicy = () => (Object.values(template.findResources('AWS::KMS::Key'))[0] as { Properties: { KeyPolicy: PolicyDocument } }).Properties.KeyPolicy;
  const topicPolicy = () =>
    (Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0] as { Properties: { PolicyDocument: PolicyDocument } }).Properties.PolicyDocument;

  it('an SNS topic encrypted with a rotating customer key that CloudWatch and EventBridge may use; TLS enforced', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      expect(serviceStatements(keyPolicy(), service).map((s) => s.Action)).toEqual([['kms:Decrypt', 'kms:GenerateDataKey*']]);
      expect(serviceStatements(topicPolicy(), service).map((s) => s.Action)).toEqual(['sns:Publish']);
    }
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.org', TopicArn: { Ref: topic } });
  });

  // Confused deputy: a service principal acts for whoever configured it, so each grant names our account and our
  // alarms / our rule (the key: only for this topic, which SNS puts in the encryption context).
  const account = { Ref: 'AWS::AccountId' };
  const alarms = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*']] };
  const topicArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':AztecProver-alarms']] };

  it('the topic takes publishes from CloudWatch only for alarms of this account, from EventBridge only for our rules', () => {
    const rules = [stack.observability.queueBlockedRule, stack.observability.capacityBlockedRule].map((r) => ({ 'Fn::GetAtt': [refOf(r).slice(1, -1), 'Arn'] }));
    expect(serviceStatements(topicPolicy(), 'cloudwatch.amazonaws.com')[0]!.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': alarms },
    });
    expect(serviceStatements(topicPolicy(), 'events.amazonaws.com')[0]!.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': account },
      ArnEquals: { 'aws:SourceArn': rules },
    });
  });

  it('the key serves the services only for this topic (CloudWatch: only for alarms of this account)', () => {
    expect(template.findResources('AWS::SNS::Topic')[topic]).toMatchObject({ Properties: { TopicName: 'AztecProver-alarms' } });
    expect(serviceStatements(keyPolicy(), 'cloudwatch.amazonaws.com')[0]!.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': account, 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
      ArnLike: { 'aws:SourceArn': alarms },
    });
    expect(serviceStatements(keyPolicy(), 'events.amazonaws.com')[0]!.Condition).toEqual({
      StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
    });
  });

  it.each([
    ['ExecutionsFailed', 1, 'GreaterThanOrEqualToThreshold'],
    ['ExecutionsTimedOut', 1, 'GreaterThanOrEqualToThreshold'],
    ['ExecutionTime', 38 * 60 * 1000, 'GreaterThanThreshold'],
  ])('state machine alarm on %s (threshold %d) notifies the topic', (metric, threshold, operator) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: metric,
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machine } }],
      Threshold: threshold,
      ComparisonOperator: operator,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topic }],
    });
  });

  const queue = { 'Fn::GetAtt': [refOf(stack.compute.jobQueue).slice(1, -1), 'JobQueueArn'] };

  it('Batch jobs stuck in RUNNABLE (misconfiguration, …): a rule on "Batch Job Queue Blocked" for our queue → the topic, and an alarm on its matches', () => {
    const rule = refOf(stack.observability.queueBlockedRule).slice(1, -1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.batch'],
        'detail-type': ['Batch Job Queue Blocked'],
        detail: { jobQueue: [queue], statusReason: [{ 'anything-but': { prefix: 'CAPACITY:' } }] },
      },
      Targets: [Match.objectLike({ Arn: { Ref: topic } })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Events',
      MetricName: 'TriggeredRules',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: rule } }],
      AlarmActions: [{ Ref: topic }],
    });
  });

  it('Batch jobs stuck in RUNNABLE for want of capacity (CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY): their own rule and an alarm within a minute', () => {
    const rule = refOf(stack.observability.capacityBlockedRule).slice(1, -1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.batch'],
        'detail-type': ['Batch Job Queue Blocked'],
        detail: { jobQueue: [queue], statusReason: [{ prefix: 'CAPACITY:' }] },
      },
      Targets: [Match.objectLike({ Arn: { Ref: topic } })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('capacity'),
      Namespace: 'AWS/Events',
      MetricName: 'TriggeredRules',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: rule } }],
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      AlarmActions: [{ Ref: topic }],
    });
  });

  it('a run still going after the proof window alarms while it runs: the poller\'s oldest-run age', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: RUN_AGE_METRIC.namespace,
      MetricName: RUN_AGE_METRIC.name,
      Dimensions: [{ Name: RUN_AGE_METRIC.dimension, Value: { Ref: machine } }],
      Statistic: 'Maximum',
      Threshold: 38 * 60,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: topic }],
    });
  });

  it('a failing poller alarms after three bad periods', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: refOf(stack.poller.function).slice(1, -1) } }],
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
  });

  it('every alarm notifies on ALARM and OK; a dashboard shows them', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: { AlarmActions: unknown; OKActions: unknown } }[];
    expect(alarms).toHaveLength(7);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topic }]);
    }
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
