import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { afterAll, describe, expect, it } from 'vitest';
import { ProverCompute, type ProverComputeProps } from '../../lib/infra/prover-compute.ts';
import { cleanupOutdirs, constructStack, refOf } from './support.ts';

afterAll(cleanupOutdirs);

function computeStack(props: Partial<ProverComputeProps> = {}) {
  const stack = constructStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }] });
  const compute = new ProverCompute(stack, 'Compute', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    securityGroup: new ec2.SecurityGroup(stack, 'Sg', { vpc }),
    instanceTypes: ['c7a.8xlarge', 'c7a.16xlarge', 'c7a.24xlarge'],
    maxVcpus: 512,
    rootVolumeGiB: 100,
    ...props,
  });
  return { stack, compute, template: Template.fromStack(stack) };
}

const userDataOf = (template: Template): string => {
  const [lt] = Object.values(template.findResources('AWS::EC2::LaunchTemplate')) as {
    Properties: { LaunchTemplateData: { UserData: { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } } } };
  }[];
  return lt!.Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Join'][1]
    .map((part) => (typeof part === 'string' ? part : (part as { 'Fn::Base64': string })['Fn::Base64']))
    .join('');
};

describe('ProverCompute', () => {
  const { compute, template } = computeStack();

  it('a SPOT environment (price-capacity-optimized) and an ON_DEMAND one, on the configured c7a types, from zero', () => {
    template.resourceCountIs('AWS::Batch::ComputeEnvironment', 2);
    for (const [type, strategy] of [
      ['SPOT', 'SPOT_PRICE_CAPACITY_OPTIMIZED'],
      ['EC2', 'BEST_FIT_PROGRESSIVE'],
    ]) {
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        Type: 'managed',
        ComputeResources: Match.objectLike({
          Type: type,
          AllocationStrategy: strategy,
          InstanceTypes: ['c7a.8xlarge', 'c7a.16xlarge', 'c7a.24xlarge'],
          MinvCpus: 0,
          MaxvCpus: 512,
        }),
      });
    }
  });

  it('queues on spot first (order 1), on-demand second (order 2)', () => {
    template.hasResourceProperties('AWS::Batch::JobQueue', {
      ComputeEnvironmentOrder: [
        { ComputeEnvironment: { 'Fn::GetAtt': [refOf(compute.spotEnvironment!).slice(1, -1), 'ComputeEnvironmentArn'] }, Order: 1 },
        { ComputeEnvironment: { 'Fn::GetAtt': [refOf(compute.onDemandEnvironment!).slice(1, -1), 'ComputeEnvironmentArn'] }, Order: 2 },
      ],
    });
  });

  it('cancels jobs blocked by a misconfiguration instead of leaving them RUNNABLE forever', () => {
    template.hasResourceProperties('AWS::Batch::JobQueue', {
      JobStateTimeLimitActions: [
        { Action: 'CANCEL', MaxTimeSeconds: 600, Reason: 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE', State: 'RUNNABLE' },
        { Action: 'CANCEL', MaxTimeSeconds: 600, Reason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', State: 'RUNNABLE' },
      ],
    });
  });

  it('launch template: encrypted gp3 root volume of the configured size, IMDSv2', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        BlockDeviceMappings: [
          { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 100, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true } },
        ],
        MetadataOptions: Match.objectLike({ HttpTokens: 'required' }),
      }),
    });
  });

  it('instances run the ECS-optimized Amazon Linux 2023 AMI (its package repositories are HTTPS, like all the egress allowed)', () => {
    const envs = Object.values(template.findResources('AWS::Batch::ComputeEnvironment'));
    expect(envs).toHaveLength(2);
    for (const env of envs) expect(env).toMatchObject({ Properties: { ComputeResources: { Ec2Configuration: [{ ImageType: 'ECS_AL2023' }] } } });
  });

  it('launch template: IMDS answers the instance only (hop limit 1), so a job cannot take the instance role', () => {
    const [lt] = Object.values(template.findResources('AWS::EC2::LaunchTemplate')) as {
      Properties: { LaunchTemplateData: { MetadataOptions: Record<string, unknown> } };
    }[];
    expect(lt!.Properties.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
  });

  it('launch template user data: MIME multi-part (Batch merges it) and ECS_IMAGE_PULL_BEHAVIOR=once', () => {
    const userData = userDataOf(template);
    expect(userData).toMatch(/^Content-Type: multipart\/mixed/);
    const script = userData.match(/base64\n\n([A-Za-z0-9+/=]+)/)?.[1];
    const decoded = script ? Buffer.from(script, 'base64').toString('utf8') : userData;
    expect(decoded).toContain('echo ECS_IMAGE_PULL_BEHAVIOR=once >> /etc/ecs/ecs.config');
  });

  it('both environments use the launch template at its latest version (template changes roll out)', () => {
    const lt = refOf(compute.launchTemplate).slice(1, -1);
    const envs = Object.values(template.findResources('AWS::Batch::ComputeEnvironment'));
    for (const env of envs) {
      expect(env).toMatchObject({
        Properties: {
          ComputeResources: {
            LaunchTemplate: { LaunchTemplateId: { Ref: lt }, Version: { 'Fn::GetAtt': [lt, 'LatestVersionNumber'] } },
          },
        },
      });
    }
  });
});

describe('ProverCompute options', () => {
  it('warm vCPUs go to the first environment, and the scale-down delay to both', () => {
    const { template } = computeStack({ warmVcpus: 32, minScaleDownDelayMinutes: 30 });
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'SPOT', MinvCpus: 32, ScalingPolicy: { MinScaleDownDelayMinutes: 30 } }),
    });
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'EC2', MinvCpus: 0, ScalingPolicy: { MinScaleDownDelayMinutes: 30 } }),
    });
  });

  it('spot disabled: one on-demand environment, holding the warm capacity', () => {
    const { template, compute } = computeStack({ spotEnabled: false, warmVcpus: 16 });
    template.resourceCountIs('AWS::Batch::ComputeEnvironment', 1);
    expect(compute.spotEnvironment).toBeUndefined();
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: Match.objectLike({ Type: 'EC2', MinvCpus: 16 }) });
  });

  it('no on-demand fallback: spot only', () => {
    const { template } = computeStack({ onDemandFallback: false });
    template.resourceCountIs('AWS::Batch::ComputeEnvironment', 1);
    template.hasResourceProperties('AWS::Batch::JobQueue', { ComputeEnvironmentOrder: [Match.objectLike({ Order: 1 })] });
  });

  it.each([
    [{ spotEnabled: false, onDemandFallback: false }, 'spotEnabled and onDemandFallback cannot both be false'],
    [{ instanceTypes: [] }, 'instanceTypes must not be empty'],
    [{ maxVcpus: 0 }, 'maxVcpus must be a positive integer (got 0)'],
    [{ warmVcpus: 1024 }, 'warmVcpus must be an integer in [0, maxVcpus=512] (got 1024)'],
    [{ minScaleDownDelayMinutes: 5 }, 'minScaleDownDelayMinutes must be an integer in [20, 10080] (got 5)'],
    [{ rootVolumeGiB: 8 }, 'rootVolumeGiB must be an integer ≥ 30 (got 8)'],
  ])('rejects %j', (props, message) => {
    expect(() => computeStack(props)).toThrow(`ProverCompute: ${message}`);
  });
});
