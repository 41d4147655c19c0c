import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, describe, expect, it } from 'vitest';
import { ChainPoller } from '../../lib/infra/chain-poller.ts';
import { attOf, cleanupOutdirs, constructStack, refOf } from './support.ts';

afterAll(cleanupOutdirs);

function pollerStack(props: { schedule?: string; enabled?: boolean } = {}) {
  const stack = constructStack();
  const stateMachine = new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'P')) });
  const poller = new ChainPoller(stack, 'Poller', {
    stateMachine,
    schedule: props.schedule ?? 'rate(1 minute)',
    enabled: props.enabled,
    environment: { PROFILE: 'devnet', RPC_URLS: 'https://rpc.example.org' },
  });
  return { stack, stateMachine, poller, template: Template.fromStack(stack) };
}

describe('ChainPoller', () => {
  const { stateMachine, poller, template } = pollerStack();

  it('an EventBridge Scheduler schedule runs the poller every minute, without retries of a stale tick', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [refOf(poller.function).slice(1, -1), 'Arn'] },
        Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      },
    });
  });

  it('the poller knows the state machine, and may start and read its executions', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ STATE_MACHINE_ARN: { Ref: refOf(stateMachine).slice(1, -1) }, PROFILE: 'devnet' }) },
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );
    const start = statements.find((s) => [s.Action].flat().includes('states:StartExecution'));
    expect(start?.Resource).toEqual({ Ref: refOf(stateMachine).slice(1, -1) });
    expect(statements.some((s) => [s.Action].flat().includes('states:DescribeExecution'))).toBe(true);
    expect(statements.some((s) => [s.Action].flat().includes('states:ListExecutions'))).toBe(true);
  });

  it('the poller reads only its own machine: ListExecutions on it, DescribeExecution on its executions, nothing on *', () => {
    const role = refOf(poller.function.role!).slice(1, -1);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .map((p) => p as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } })
      .filter((p) => p.Properties.Roles.some((r) => r.Ref === role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const resourceOf = Object.fromEntries(
      statements.flatMap((s) => [s.Action].flat().filter((a) => a.startsWith('states:')).map((a) => [a, JSON.stringify(s.Resource)])),
    );
    const machine = JSON.stringify({ Ref: refOf(stateMachine).slice(1, -1) });
    expect(Object.keys(resourceOf).sort()).toEqual(['states:DescribeExecution', 'states:ListExecutions', 'states:StartExecution']);
    expect(resourceOf['states:StartExecution']).toBe(machine);
    expect(resourceOf['states:ListExecutions']).toBe(machine);
    expect(resourceOf['states:DescribeExecution']).toMatch(/:execution:.*:\*"\]\]\}$/);
    expect(statements.filter((s) => s.Resource === '*').flatMap((s) => [s.Action].flat())).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('the schedule role may only invoke the poller', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );
    const invoke = statements.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(JSON.stringify(invoke[0]!.Resource)).toContain(attOf(poller.function, 'Arn').slice(1, -5));
  });

  it('the schedule is configurable, and can be created disabled', () => {
    pollerStack({ schedule: 'cron(0/5 * * * ? *)', enabled: false }).template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0/5 * * * ? *)',
      State: 'DISABLED',
    });
  });
});
