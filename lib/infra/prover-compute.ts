import { Duration } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag.ts';

/** Queue order of the compute environments: Batch places a job on the first one with capacity. */
const SPOT_ORDER = 1;
const ON_DEMAND_ORDER = 2;

/** Minutes a job may sit RUNNABLE, blocked by a misconfiguration (it would never run), before Batch cancels it. */
const MISCONFIGURED_JOB_CANCEL_MINUTES = 10;

export interface ProverComputeProps {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  /** EC2 instance types (x86_64; the prover image is linux/amd64). */
  readonly instanceTypes: readonly string[];
  /** vCPU ceiling of each compute environment. */
  readonly maxVcpus: number;
  /**
   * vCPUs kept running while idle, on the first environment of the queue (billed while idle).
   * @default 0
   */
  readonly warmVcpus?: number;
  /**
   * Keep idle instances this many minutes after their last job (20–10080), so the next level or run reuses
   * them (and their pulled image) instead of waiting minutes for new instances.
   * @default - Batch default (scale down as soon as idle)
   */
  readonly minScaleDownDelayMinutes?: number;
  /** @default true */
  readonly spotEnabled?: boolean;
  /** @default true */
  readonly onDemandFallback?: boolean;
  /** Root volume size (gp3): image layers (incl. the CRS) plus per-job scratch space. */
  readonly rootVolumeGiB: number;
}

/**
 * AWS Batch capacity for proving: managed EC2 (ECS) compute environments — spot first
 * (SPOT_PRICE_CAPACITY_OPTIMIZED), on-demand as fallback — both scaling to zero, one job queue over them, and
 * a launch template giving instances a large encrypted gp3 root volume and a pull-once ECS agent.
 */
export class ProverCompute extends Construct {
  public readonly launchTemplate: ec2.LaunchTemplate;
  public readonly spotEnvironment?: batch.ManagedEc2EcsComputeEnvironment;
  public readonly onDemandEnvironment?: batch.ManagedEc2EcsComputeEnvironment;
  public readonly jobQueue: batch.JobQueue;
  /**
   * What pre-warm raises (lib/aws/batch-prewarm.ts), in queue order: the target fills the first environment (spot
   * if enabled) up to its maxvCpus, the rest goes to the next — as Batch places jobs, and as the capacity model
   * pre-warms.
   */
  public readonly prewarmEnvironments: readonly batch.IComputeEnvironment[];

  constructor(scope: Construct, id: string, props: ProverComputeProps) {
    super(scope, id);
    const spotEnabled = props.spotEnabled ?? true;
    const onDemandFallback = props.onDemandFallback ?? true;
    const warmVcpus = props.warmVcpus ?? 0;
    validate(props, spotEnabled, onDemandFallback, warmVcpus);

    const userData = ec2.UserData.forLinux();
    // Warm instances reuse the multi-GB prover image (CRS inside) instead of re-pulling it for every job.
    userData.addCommands('echo ECS_IMAGE_PULL_BEHAVIOR=once >> /etc/ecs/ecs.config');
    // Batch merges launch-template user data with its own, which requires MIME multi-part format.
    const multipart = new ec2.MultipartUserData();
    multipart.addUserDataPart(userData, ec2.MultipartBody.SHELL_SCRIPT, true);

    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      userData: multipart,
      requireImdsv2: true,
      // IMDS answers the instance (ECS agent, Docker) only: a container is one hop further, so a job cannot fetch
      // the *instance* role's credentials. Jobs need no IMDS: their role's credentials come from the ECS agent's
      // credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, first in the SDK's default chain) and their
      // region from the job definition's AWS_REGION.
      httpPutResponseHopLimit: 1,
      blockDevices: [
        {
          // Root device of the ECS-optimized Amazon Linux AMIs Batch uses; Docker's storage lives on it.
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(props.rootVolumeGiB, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
    });

    const instanceTypes = props.instanceTypes.map((t) => new ec2.InstanceType(t));
    const environment = (kind: 'Spot' | 'OnDemand', minvCpus: number) => {
      const env = new batch.ManagedEc2EcsComputeEnvironment(this, kind, {
        vpc: props.vpc,
        vpcSubnets: props.vpcSubnets,
        securityGroups: [props.securityGroup],
        instanceTypes,
        // Explicit (Batch's default was AL2 before 2026): AL2023's package repositories are S3 over HTTPS, so its
        // boot needs no egress beyond HTTPS (ProverNetwork); AL2's first-boot security update used plain HTTP.
        images: [{ imageType: batch.EcsMachineImageType.ECS_AL2023 }],
        useOptimalInstanceClasses: false,
        spot: kind === 'Spot',
        allocationStrategy:
          kind === 'Spot'
            ? batch.AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED
            : batch.AllocationStrategy.BEST_FIT_PROGRESSIVE,
        minvCpus,
        maxvCpus: props.maxVcpus,
        launchTemplate: this.launchTemplate,
        updateToLatestImageVersion: true,
        replaceComputeEnvironment: false,
      });
      // Pin the template version: a changed launch template then changes the environment, and Batch rolls
      // its instances onto the new version (with the implicit $Default it would keep the old one).
      const cfnEnv = env.node.defaultChild as batch.CfnComputeEnvironment;
      cfnEnv.addPropertyOverride('ComputeResources.LaunchTemplate.Version', this.launchTemplate.latestVersionNumber);
      if (props.minScaleDownDelayMinutes !== undefined) {
        // Not modelled by the L2 construct yet.
        cfnEnv.addPropertyOverride(
          'ComputeResources.ScalingPolicy.MinScaleDownDelayMinutes',
          props.minScaleDownDelayMinutes,
        );
      }
      acknowledgeNag(
        env,
        'ECS container instances need AmazonEC2ContainerServiceforEC2Role (register with the cluster, pull from ' +
          'ECR, ship logs); AWS maintains it as the ECS agent evolves.',
        ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]'],
      );
      return env;
    };

    const computeEnvironments: batch.OrderedComputeEnvironment[] = [];
    if (spotEnabled) {
      this.spotEnvironment = environment('Spot', warmVcpus);
      computeEnvironments.push({ computeEnvironment: this.spotEnvironment, order: SPOT_ORDER });
    }
    if (onDemandFallback) {
      this.onDemandEnvironment = environment('OnDemand', spotEnabled ? 0 : warmVcpus);
      computeEnvironments.push({ computeEnvironment: this.onDemandEnvironment, order: ON_DEMAND_ORDER });
    }

    this.prewarmEnvironments = [this.spotEnvironment, this.onDemandEnvironment].filter((e) => e !== undefined);

    this.jobQueue = new batch.JobQueue(this, 'JobQueue', {
      computeEnvironments,
      priority: 1,
      // A job needing more vCPUs/memory than any allowed instance offers would sit RUNNABLE forever and hold
      // its run until the state machine times out; cancel it so the run fails fast (and alarms) instead.
      jobStateTimeLimitActions: [
        batch.JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE,
        batch.JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT,
      ].map((reason) => ({
        reason,
        action: batch.JobStateTimeLimitActionsAction.CANCEL,
        maxTime: Duration.minutes(MISCONFIGURED_JOB_CANCEL_MINUTES),
      })),
    });
  }
}

/** Pre-warm's wiring into the poller and the broker (lib/aws/batch-prewarm.ts). */
export interface PrewarmProps {
  /** The stack's compute environments, in job-queue order. */
  readonly computeEnvironments: readonly batch.IComputeEnvironment[];
  /** Desired vCPUs in all (0: off). */
  readonly vcpus: number;
  /** maxvCpus of each environment (the stack's maxVcpus). */
  readonly maxVcpus: number;
}

/**
 * What pre-warm may do: raise the given compute environments (UpdateComputeEnvironment takes their ARNs) and read
 * compute environments — DescribeComputeEnvironments supports no resource-level permissions (AWS's service
 * authorization reference lists no resource type for it, like DescribeJobs), so it is granted on `*`: read-only,
 * and it reveals only environment settings.
 */
export function prewarmStatements(environments: readonly batch.IComputeEnvironment[], sid?: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      ...(sid !== undefined ? { sid } : {}),
      actions: ['batch:UpdateComputeEnvironment'],
      resources: environments.map((e) => e.computeEnvironmentArn),
    }),
    new iam.PolicyStatement({
      ...(sid !== undefined ? { sid: `${sid}Read` } : {}),
      actions: ['batch:DescribeComputeEnvironments'],
      resources: ['*'],
    }),
  ];
}

function validate(props: ProverComputeProps, spot: boolean, onDemand: boolean, warmVcpus: number): void {
  if (!spot && !onDemand) {
    throw new Error('ProverCompute: spotEnabled and onDemandFallback cannot both be false');
  }
  if (props.instanceTypes.length === 0) throw new Error('ProverCompute: instanceTypes must not be empty');
  if (!Number.isInteger(props.maxVcpus) || props.maxVcpus < 1) {
    throw new Error(`ProverCompute: maxVcpus must be a positive integer (got ${props.maxVcpus})`);
  }
  if (!Number.isInteger(warmVcpus) || warmVcpus < 0 || warmVcpus > props.maxVcpus) {
    throw new Error(`ProverCompute: warmVcpus must be an integer in [0, maxVcpus=${props.maxVcpus}] (got ${warmVcpus})`);
  }
  const delay = props.minScaleDownDelayMinutes;
  if (delay !== undefined && (!Number.isInteger(delay) || delay < 20 || delay > 10080)) {
    throw new Error(`ProverCompute: minScaleDownDelayMinutes must be an integer in [20, 10080] (got ${delay})`);
  }
  if (!Number.isInteger(props.rootVolumeGiB) || props.rootVolumeGiB < 30) {
    throw new Error(`ProverCompute: rootVolumeGiB must be an integer ≥ 30 (got ${props.rootVolumeGiB})`);
  }
}
