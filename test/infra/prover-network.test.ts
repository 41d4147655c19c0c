import { type App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { afterAll, describe, expect, it } from 'vitest';
import { ProverNetwork } from '../../lib/infra/prover-network.ts';
import { cleanupOutdirs, constructStack, refOf } from './support.ts';

afterAll(cleanupOutdirs);

describe('ProverNetwork: a new VPC', () => {
  const stack = constructStack();
  const network = new ProverNetwork(stack, 'Network', {});
  const template = Template.fromStack(stack);

  it('has public subnets only, auto-assigning public IPs, and no NAT gateway', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet'));
    expect(subnets.length).toBeGreaterThan(0);
    for (const subnet of subnets) expect(subnet).toMatchObject({ Properties: { MapPublicIpOnLaunch: true } });
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    expect(network.subnets).toEqual({ subnetType: ec2.SubnetType.PUBLIC });
  });

  it('routes S3 through a gateway endpoint', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
    });
  });

  it('logs rejected traffic', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', ResourceType: 'VPC' });
  });

  it('gives instances a security group without ingress rules', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('no ingress'),
      SecurityGroupIngress: Match.absent(),
    });
  });

  it('lets instances out on HTTPS only (AWS APIs, ECR, S3); nothing else, whatever the protocol', () => {
    const group = template.findResources('AWS::EC2::SecurityGroup')[refOf(network.securityGroup).slice(1, -1)] as {
      Properties: { SecurityGroupEgress: Record<string, unknown>[] };
    };
    expect(group.Properties.SecurityGroupEgress).toEqual([
      { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: expect.stringMatching(/HTTPS/) },
    ]);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
  });
});

describe('ProverNetwork: Availability Zones of a new VPC', () => {
  const azsOf = (template: Template) =>
    Object.values(template.findResources('AWS::EC2::Subnet')).map((r) => (r as { Properties: { AvailabilityZone: unknown } }).Properties.AvailabilityZone);

  it.each([3, 2, 4])('an environment-agnostic stack spans maxAzs=%d AZs, taken from the region at deploy time', (maxAzs) => {
    const stack = constructStack();
    new ProverNetwork(stack, 'Network', { maxAzs });
    expect(azsOf(Template.fromStack(stack))).toEqual(Array.from({ length: maxAzs }, (_, i) => ({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] })));
  });

  it('an environment-specific stack takes the AZs CDK looked up for its account and region', () => {
    const stack = constructStack({ account: '123456789012', region: 'eu-west-1' });
    new ProverNetwork(stack, 'Network', { maxAzs: 3 });
    // Until the CLI caches the lookup, CDK uses its dummy AZs of the region.
    expect(azsOf(Template.fromStack(stack))).toEqual(['dummy1a', 'dummy1b', 'dummy1c']);
  });
});

describe('ProverNetwork: an existing VPC', () => {
  it('looks it up by id (environment-specific stack) instead of creating one', () => {
    const stack = constructStack({ account: '123456789012', region: 'us-east-1' });
    const network = new ProverNetwork(stack, 'Network', { vpcId: 'vpc-0123456789abcdef0', subnetType: 'private' });
    // Until the CLI caches the lookup, CDK returns a dummy VPC (vpc-12345), which template validation rejects.
    Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::E1151', reason: 'dummy VPC of an uncached lookup' });
    const assembly = (stack.node.root as App).synth();
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPC', 0);
    // The lookup is recorded for the CLI to resolve (with credentials) on the next synth.
    expect(assembly.manifest.missing?.map((m) => m.provider)).toContain('vpc-provider');
    expect(network.subnets).toEqual({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
  });

  it('takes either vpcId or existingVpc, not both', () => {
    const stack = constructStack({ account: '123456789012', region: 'us-east-1' });
    const vpc = new ec2.Vpc(stack, 'Other');
    expect(() => new ProverNetwork(stack, 'Network', { vpcId: 'vpc-0123456789abcdef0', existingVpc: vpc })).toThrow(
      'ProverNetwork: give either vpcId or existingVpc, not both',
    );
  });
});
