import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PROVER_JOB_COMMAND,
  ProverJobDefinitions,
  type ProverJobDefinitionsProps,
} from '../../lib/infra/prover-job-definitions.ts';
import { PROFILE_NAMES } from '../../lib/profile-names.ts';
import type { ResourceClass } from '../../lib/proving/profile.ts';
import { getProfile } from '../../lib/protocols/registry.ts';
import { cleanupOutdirs, constructStack, refOf } from './support.ts';

afterAll(cleanupOutdirs);

function definitionsStack(props: Partial<ProverJobDefinitionsProps> & Pick<ProverJobDefinitionsProps, 'resourceClasses'>) {
  const stack = constructStack();
  const bucket = new s3.Bucket(stack, 'Artifacts');
  const jobs = new ProverJobDefinitions(stack, 'Jobs', {
    image: ecs.ContainerImage.fromRegistry('registry.example.org/prover:test'),
    bucket,
    profileName: 'devnet',
    crsPath: '/crs',
    ...props,
  });
  return { stack, bucket, jobs, template: Template.fromStack(stack) };
}

describe.each(PROFILE_NAMES)('ProverJobDefinitions for the %s profile', (profileName) => {
  const profile = getProfile(profileName);
  const { bucket, jobs, template } = definitionsStack({ resourceClasses: profile.resourceClasses, profileName });
  const classes = Object.entries(profile.resourceClasses);

  it('one job definition per resource class', () => {
    template.resourceCountIs('AWS::Batch::JobDefinition', classes.length);
    expect(Object.keys(jobs.definitions).sort()).toEqual(classes.map(([name]) => name).sort());
  });

  it.each(classes)('class %s: vCPUs, memory and attempt timeout from the profile', (name, resourceClass: ResourceClass) => {
    const definition = Object.values(template.findResources('AWS::Batch::JobDefinition')).find((d) =>
      JSON.stringify(d).includes(`{"Name":"RESOURCE_CLASS","Value":"${name}"}`),
    ) as { Properties: { ContainerProperties: { ResourceRequirements: object[] }; Timeout: object; PlatformCapabilities: string[] } };
    expect(definition).toBeDefined();
    expect(definition.Properties.PlatformCapabilities).toEqual(['EC2']);
    expect(definition.Properties.ContainerProperties.ResourceRequirements).toEqual(
      expect.arrayContaining([
        { Type: 'VCPU', Value: String(resourceClass.vcpus) },
        { Type: 'MEMORY', Value: String(resourceClass.memoryMiB) },
      ]),
    );
    expect(definition.Properties.Timeout).toEqual({ AttemptDurationSeconds: resourceClass.timeoutSeconds });
  });

  it('retries spot reclaims (Host EC2*) and the runner\'s retryable exit; everything else exits', () => {
    for (const definition of Object.values(template.findResources('AWS::Batch::JobDefinition'))) {
      const retry = (definition as { Properties: { RetryStrategy: { Attempts: number; EvaluateOnExit: object[] } } }).Properties.RetryStrategy;
      expect(retry.Attempts).toBe(3);
      expect(retry.EvaluateOnExit).toEqual([
        { Action: 'RETRY', OnStatusReason: 'Host EC2*' },
        { Action: 'RETRY', OnExitCode: '75' },
        { Action: 'EXIT', OnReason: '*' },
      ]);
    }
  });

  it('container: the job runner command and the environment it reads (JOB_ID/RUN_ID come per job)', () => {
    for (const definition of Object.values(template.findResources('AWS::Batch::JobDefinition'))) {
      const container = (definition as { Properties: { ContainerProperties: { Command: string[]; Environment: { Name: string }[] } } })
        .Properties.ContainerProperties;
      expect(container.Command).toEqual([...PROVER_JOB_COMMAND]);
      expect(container).toMatchObject({
        Environment: expect.arrayContaining([
          { Name: 'ARTIFACT_BUCKET', Value: { Ref: refOf(bucket).slice(1, -1) } },
          { Name: 'PROFILE', Value: profileName },
          { Name: 'CRS_PATH', Value: '/crs' },
          { Name: 'AWS_REGION', Value: { Ref: 'AWS::Region' } },
        ]),
      });
      expect(container.Environment.map((e) => e.Name)).not.toContain('JOB_ID');
    }
  });

  it('job role: reads the bucket, writes only under jobs/', () => {
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p).includes(refOf(jobs.jobRole).slice(1, -1)),
    ) as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } };
    const writes = policy.Properties.PolicyDocument.Statement.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:PutObject')));
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0]!.Resource)).toMatch(/"\/jobs\/\*"/);
    const actions = policy.Properties.PolicyDocument.Statement.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.startsWith('s3:Delete'))).toEqual([]);
  });
});

describe('ProverJobDefinitions validation', () => {
  const good: ResourceClass = { name: 'x', vcpus: 2, memoryMiB: 4096, timeoutSeconds: 600 };
  it.each([
    [{}, 'the profile defines no resource classes'],
    [{ 'bad name!': good }, 'resource class "bad name!": name must match'],
    [{ x: { ...good, vcpus: 0 } }, 'resource class "x": vcpus must be a positive integer (got 0)'],
    [{ x: { ...good, memoryMiB: 1.5 } }, 'resource class "x": memoryMiB must be an integer ≥ 4 (got 1.5)'],
    [{ x: { ...good, timeoutSeconds: 30 } }, 'resource class "x": timeoutSeconds must be an integer ≥ 60 (got 30)'],
  ])('rejects %j', (resourceClasses, message) => {
    expect(() => definitionsStack({ resourceClasses })).toThrow(`ProverJobDefinitions: ${message}`);
  });

  it('rejects retry attempts outside Batch\'s 1–10', () => {
    expect(() => definitionsStack({ resourceClasses: { x: good }, retryAttempts: 11 })).toThrow(
      'ProverJobDefinitions: retryAttempts must be an integer in [1, 10] (got 11)',
    );
  });
});
