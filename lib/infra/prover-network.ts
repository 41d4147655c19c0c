import { Fn, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * Network of the proving instances, without NAT gateways.
 *
 * A new VPC has public subnets only: Batch instances get auto-assigned public IPs and reach ECR, ECS and
 * CloudWatch through the internet gateway; a security group without ingress rules keeps them unreachable, and
 * lets them out on HTTPS only.
 * S3 — where multi-MB proofs and inputs move — goes through a free S3 gateway endpoint. Interface endpoints
 * (ecr.api, ecr.dkr, ecs, ecs-agent, ecs-telemetry, logs, sts) would cost about $7/month each per AZ even
 * while the stack is idle, and a NAT gateway about $32/month plus data charges, for a stack meant to scale
 * to zero.
 */
export interface ProverNetworkProps {
  /**
   * An existing VPC id, looked up at synth time (needs an environment-specific stack and credentials).
   * @default - a new VPC
   */
  readonly vpcId?: string;
  /**
   * An existing VPC object. Give either this or `vpcId`, not both.
   * @default - a new VPC
   */
  readonly existingVpc?: ec2.IVpc;
  /**
   * Subnets of an existing VPC to place instances in: `public` (must auto-assign public IPs) or `private`
   * (must have a NAT or the endpoints listed above). A new VPC always uses its public subnets.
   * @default 'public'
   */
  readonly subnetType?: 'public' | 'private';
  /**
   * AZs of a new VPC: more AZs, more spot pools. An environment-agnostic stack takes the first maxAzs AZs of the
   * region at deploy time, so the region must have that many (most have ≥ 3; us-west-1 offers most accounts 2).
   * @default 3
   */
  readonly maxAzs?: number;
  /** Retention of the new VPC's flow log (rejected traffic only). */
  readonly flowLogRetention?: logs.RetentionDays;
}

export class ProverNetwork extends Construct {
  public readonly vpc: ec2.IVpc;
  public readonly subnets: ec2.SubnetSelection;
  /** Egress-only security group of the proving instances. */
  public readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: ProverNetworkProps = {}) {
    super(scope, id);
    if (props.vpcId && props.existingVpc) {
      throw new Error('ProverNetwork: give either vpcId or existingVpc, not both');
    }

    if (props.existingVpc || props.vpcId) {
      this.vpc = props.existingVpc ?? ec2.Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId });
      this.subnets = {
        subnetType: props.subnetType === 'private' ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PUBLIC,
      };
    } else {
      const maxAzs = props.maxAzs ?? 3;
      const vpc = new ec2.Vpc(this, 'Vpc', {
        ...availabilityZones(this, maxAzs),
        natGateways: 0,
        subnetConfiguration: [{ name: 'prover', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20, mapPublicIpOnLaunch: true }],
        gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      });
      // Rejected traffic only: enough to spot a misconfigured security group at a fraction of full logs.
      vpc.addFlowLog('RejectedTraffic', {
        trafficType: ec2.FlowLogTrafficType.REJECT,
        destination: ec2.FlowLogDestination.toCloudWatchLogs(
          new logs.LogGroup(this, 'FlowLogs', { retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH }),
        ),
      });
      this.vpc = vpc;
      this.subnets = { subnetType: ec2.SubnetType.PUBLIC };
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'ProverInstances', {
      vpc: this.vpc,
      description: 'Proving instances: no ingress; egress HTTPS only (ECR, ECS, S3, CloudWatch Logs, STS)',
      allowAllOutbound: false,
    });
    // Everything the instances and their jobs call is an HTTPS endpoint: the ECS agent (ECS, ECR, image layers in
    // S3, CloudWatch Logs), the job runner (S3), the AL2023 package repositories (S3). What is not HTTPS is not
    // filtered by security groups at all: DNS goes to the VPC resolver, NTP to the link-local Amazon Time Sync
    // Service (169.254.169.123), and IMDS / the ECS credentials endpoint are link-local too. Anything else an
    // instance tries shows up in the VPC's rejected-traffic flow log.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS: AWS APIs, ECR, S3');
  }
}

/**
 * CDK gives an environment-agnostic stack only 2 AZs (it cannot look the region's up at synth): name the first
 * `maxAzs` of them with Fn::GetAZs instead, resolved by CloudFormation in the region at deploy time. A stack with
 * an environment keeps CDK's lookup.
 */
function availabilityZones(scope: Construct, maxAzs: number): Pick<ec2.VpcProps, 'maxAzs' | 'availabilityZones'> {
  if (!Token.isUnresolved(Stack.of(scope).region)) return { maxAzs };
  return { availabilityZones: Array.from({ length: maxAzs }, (_, i) => Fn.select(i, Fn.getAzs())) };
}
