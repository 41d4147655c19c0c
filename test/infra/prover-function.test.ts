import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { ProverFunction } from '../../lib/infra/prover-function.ts';
import { cleanupOutdirs, constructStack, refOf, synthProver } from './support.ts';

afterAll(cleanupOutdirs);

describe('ProverFunction', () => {
  const stack = constructStack();
  const fn = new ProverFunction(stack, 'Plan', { handlerName: 'plan', description: 'test', environment: { PROFILE: 'devnet' } });
  const template = Template.fromStack(stack);

  it('Node.js 22 on ARM64, X-Ray tracing, JSON logs to its own log group', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: refOf(fn.logGroup).slice(1, -1) } },
    });
  });

  it('Powertools environment next to the caller\'s', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'prover-plan',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
          PROFILE: 'devnet',
        },
      },
    });
  });

  it('writes its logs to its own log group only: no managed policy (AWSLambdaBasicExecutionRole allows logs on *)', () => {
    const [role] = Object.values(template.findResources('AWS::IAM::Role')) as { Properties: { ManagedPolicyArns?: unknown } }[];
    expect(role!.Properties.ManagedPolicyArns).toBeUndefined();
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );
    const logs = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('logs:')));
    expect(logs).toEqual([
      expect.objectContaining({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [refOf(fn.logGroup).slice(1, -1), 'Arn'] },
      }),
    ]);
  });

  it('fails synth for a handler module that does not exist', () => {
    expect(() => new ProverFunction(constructStack(), 'Nope', { handlerName: 'nope', description: 'x' })).toThrow(/lambdas\/nope\.ts/);
  });
});

describe('the stack\'s Lambdas', () => {
  const { stack, template } = synthProver();
  it.each([
    ['plan', () => stack.planner.function],
    ['submit', () => stack.submitter.function],
    ['poller', () => stack.poller.function],
  ])('%s runs nodejs22.x', (_name, fn) => {
    const resource = template.findResources('AWS::Lambda::Function')[refOf(fn()).slice(1, -1)] as { Properties: { Runtime: string } };
    expect(resource.Properties.Runtime).toBe('nodejs22.x');
  });
});
