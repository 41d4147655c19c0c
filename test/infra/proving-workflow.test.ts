import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupOutdirs, refOf, synthProver } from './support.ts';

afterAll(cleanupOutdirs);

describe('ProvingWorkflow', () => {
  const { stack, template } = synthProver();
  const machine = refOf(stack.workflow.stateMachine).slice(1, -1);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
    Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
  }[];
  const machineRole = refOf(stack.workflow.stateMachine.role).slice(1, -1);
  const machineStatements = policies
    .filter((p) => p.Properties.Roles.some((r) => r.Ref === machineRole))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
  const allows = (action: string) => machineStatements.filter((s) => [s.Action].flat().includes(action));

  it('a STANDARD state machine with X-Ray tracing and ALL-level logging (with execution data) to its log group', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [refOf(stack.workflow.logGroup).slice(1, -1), 'Arn'] } } }],
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('no fixed name: callers find it through the StateMachineArn output', () => {
    const [resource] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as { Properties: Record<string, unknown> }[];
    expect(resource!.Properties['StateMachineName']).toBeUndefined();
    template.hasOutput('StateMachineArn', { Value: { Ref: machine } });
  });

  it('may start and manage its own child executions (Distributed Map)', () => {
    expect(allows('states:StartExecution')).toEqual([expect.objectContaining({ Resource: { Ref: machine } })]);
  });

  it('may invoke Plan and Submit, submit Batch jobs to the queue, and stop them when a run is stopped', () => {
    expect(JSON.stringify(allows('lambda:InvokeFunction'))).toContain(refOf(stack.planner.function).slice(1, -1));
    expect(JSON.stringify(allows('lambda:InvokeFunction'))).toContain(refOf(stack.submitter.function).slice(1, -1));
    expect(JSON.stringify(allows('batch:SubmitJob'))).toContain(refOf(stack.compute.jobQueue).slice(1, -1));
    expect(allows('batch:TerminateJob')).toHaveLength(1);
    expect(allows('batch:DescribeJobs')).toHaveLength(1);
  });

  it('writes S3 only for failure records (runs/*), reads level files through the ItemReader', () => {
    const writes = machineStatements.filter((s) => [s.Action].flat().some((a) => /^s3:put/i.test(a)));
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0]!.Resource)).toContain('/runs/*');
    expect(allows('s3:GetObject')).toHaveLength(1);
  });

  it('keeps the definition in the template (not an S3 location), as the local runtime reads it', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionString: Match.anyValue(),
      DefinitionS3Location: Match.absent(),
    });
  });
});
