import { isAbsolute, join } from 'node:path';
import { Annotations, CfnOutput, Duration, Stack, type StackProps, Token } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ConfigError, prewarmVcpusFor, type ProverConfig } from '../config.ts';
import type { ProtocolProfile } from '../proving/profile.ts';
import { ArtifactBucket } from './artifact-bucket.ts';
import { ChainPoller } from './chain-poller.ts';
import { assertClassesFitInstances } from './instance-capacity.ts';
import { FailedJobsDescriber } from './failed-jobs-describer.ts';
import { L1Submitter } from './l1-submitter.ts';
import { S3_GRANT_WILDCARD_ACTIONS, acknowledgeNag, nagRef } from './nag.ts';
import { ProverCompute } from './prover-compute.ts';
import { PROJECT_ROOT, ProverFunction } from './prover-function.ts';
import { ProverImage } from './prover-image.ts';
import { ProverJobDefinitions } from './prover-job-definitions.ts';
import { ProverNetwork } from './prover-network.ts';
import { ProverObservability } from './prover-observability.ts';
import { ProvingBroker } from './proving-broker.ts';
import { ProvingWorkflow } from './proving-workflow.ts';
import { INLINE_PREFIX, PROOF_STORE_PREFIX } from '../broker/contract.ts';
import { deriveRunTimeout } from './workflow-definition.ts';

/** Id of the synth warning given while no L1 is configured (the poll schedule is created disabled). */
export const POLL_DISABLED_WARNING = 'prover:poll-disabled';

/** CloudFormation output names the CLI reads (`prover` commands find the deployment through them). */
export const STACK_OUTPUTS = {
  stateMachineArn: 'StateMachineArn',
  bucketName: 'BucketName',
  jobQueueArn: 'JobQueueArn',
  pollerFunctionName: 'PollerFunctionName',
  planFunctionName: 'PlanFunctionName',
  submitFunctionName: 'SubmitFunctionName',
  signingKeySecretArn: 'SigningKeySecretArn',
  alarmTopicArn: 'AlarmTopicArn',
  dashboardName: 'DashboardName',
  profile: 'Profile',
  /** JSON object: resource class → Batch job definition ARN (bb-remote's BB_REMOTE_JOB_DEFINITIONS). */
  jobDefinitions: 'JobDefinitions',
  /** aztec profile: the proving broker's job table, per-job state machine, IAM policy and the node's proof store. */
  brokerTableName: 'BrokerTableName',
  brokerStateMachineArn: 'BrokerStateMachineArn',
  brokerPolicyArn: 'BrokerPolicyArn',
  proofStore: 'ProofStore',
  /** aztec profile: JSON {"vcpus", "computeEnvironments"}: what the broker pre-warms at an epoch's first job. */
  brokerPrewarm: 'BrokerPrewarm',
} as const;

/** The outputs only an aztec-profile stack has (its proving broker's). */
export const BROKER_OUTPUTS: readonly string[] = [
  STACK_OUTPUTS.brokerTableName,
  STACK_OUTPUTS.brokerStateMachineArn,
  STACK_OUTPUTS.brokerPolicyArn,
  STACK_OUTPUTS.proofStore,
  STACK_OUTPUTS.brokerPrewarm,
];

export interface ProverStackProps extends StackProps {
  readonly config: ProverConfig;
  /** The protocol profile named by `config.profile` (lib/protocols/registry.ts `getProfile`). */
  readonly profile: ProtocolProfile;
  /**
   * Root that relative paths in the config (proverImageDirectory) are resolved against.
   * @default the repository root
   */
  readonly projectRoot?: string;
}

/** The whole serverless prover: storage, Batch compute, the proving workflow, poller, submitter, alarms. */
export class ProverStack extends Stack {
  public readonly artifacts: ArtifactBucket;
  public readonly network: ProverNetwork;
  public readonly compute: ProverCompute;
  public readonly jobs: ProverJobDefinitions;
  public readonly workflow: ProvingWorkflow;
  public readonly planner: ProverFunction;
  public readonly poller: ChainPoller;
  public readonly submitter: L1Submitter;
  public readonly failedJobs: FailedJobsDescriber;
  public readonly observability: ProverObservability;
  /** aztec profile only: the proving broker behind Aztec's prover node. */
  public readonly broker?: ProvingBroker;

  constructor(scope: Construct, id: string, props: ProverStackProps) {
    super(scope, id, props);
    const { config, profile } = props;
    if (profile.name !== config.profile) {
      throw new Error(`ProverStack: config.profile is "${config.profile}" but the profile given is "${profile.name}"`);
    }
    assertClassesFitInstances(profile.resourceClasses, config.instanceTypes, config.maxVcpus);
    if (config.vpcId && (Token.isUnresolved(this.account) || Token.isUnresolved(this.region))) {
      throw new ConfigError([
        {
          key: 'vpcId',
          message:
            `(${config.vpcId}) is looked up at synth time, which needs an environment-specific stack: ` +
            'run with AWS credentials and a region (CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION)',
        },
      ]);
    }
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    this.artifacts = new ArtifactBucket(this, 'Artifacts', { retentionDays: config.runRetentionDays });
    const bucket = this.artifacts.bucket;

    this.network = new ProverNetwork(this, 'Network', {
      vpcId: config.vpcId,
      subnetType: config.vpcSubnetType,
      maxAzs: config.maxAzs,
      flowLogRetention: logRetention,
    });
    this.compute = new ProverCompute(this, 'Compute', {
      vpc: this.network.vpc,
      vpcSubnets: this.network.subnets,
      securityGroup: this.network.securityGroup,
      instanceTypes: config.instanceTypes,
      maxVcpus: config.maxVcpus,
      warmVcpus: config.warmVcpus,
      minScaleDownDelayMinutes: config.minScaleDownDelayMinutes,
      spotEnabled: config.spotEnabled,
      onDemandFallback: config.onDemandFallback,
      rootVolumeGiB: config.rootVolumeGiB,
    });

    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    const image = new ProverImage(
      this,
      'ProverImage',
      config.proverImage
        ? { imageUri: config.proverImage }
        : {
            directory: isAbsolute(config.proverImageDirectory)
              ? config.proverImageDirectory
              : join(projectRoot, config.proverImageDirectory),
            buildArgs: {
              baseImage: config.baseImage,
              crsSource: config.crsSource ?? (profile.name === 'devnet' ? 'devnet-insecure' : 'aztec'),
              crsPoints: config.crsPoints ?? defaultCrsPoints(profile),
            },
          },
    );
    this.jobs = new ProverJobDefinitions(this, 'Jobs', {
      resourceClasses: profile.resourceClasses,
      image: image.image,
      bucket,
      profileName: profile.name,
      crsPath: config.crsPath,
      retryAttempts: config.retryAttempts,
      logRetention,
      // Aztec jobs answer into the node's proof store (and the broker's inline jobs).
      ...(profile.name === 'aztec' ? { resultPrefixes: [PROOF_STORE_PREFIX, INLINE_PREFIX] } : {}),
    });

    const l1Environment: Record<string, string> = {
      PROFILE: profile.name,
      ARTIFACT_BUCKET: bucket.bucketName,
      RPC_URLS: config.rpcUrls.join(','),
      L1_CHAIN_ID: String(config.l1ChainId),
      MAX_BLOCKS_PER_RUN: String(config.maxBlocksPerRun),
      ...(config.rollupAddress ? { ROLLUP_ADDRESS: config.rollupAddress } : {}),
    };

    this.planner = new ProverFunction(this, 'Plan', {
      handlerName: 'plan',
      description: 'Plans a proving run: job graph, level files and job specs in S3',
      timeout: Duration.minutes(10),
      memorySize: 1024,
      environment: { ...l1Environment, ...(config.proverAddress ? { PROVER_ADDRESS: config.proverAddress } : {}) },
      logRetention,
    });
    // Plan reads block inputs and existing plans, writes run records and job specs.
    bucket.grantRead(this.planner.function);
    bucket.grantPut(this.planner.function, 'runs/*');
    bucket.grantPut(this.planner.function, 'jobs/*');
    acknowledgeNag(
      this.planner,
      'Plan reads block inputs and earlier plans anywhere in the artifact bucket and writes run records ' +
        '(runs/<id>/) and content-addressed job specs (jobs/<id>/): keys known only at run time.',
      [
        ...S3_GRANT_WILDCARD_ACTIONS,
        `AwsSolutions-IAM5[Resource::${nagRef(bucket)}/*]`,
        `AwsSolutions-IAM5[Resource::${nagRef(bucket)}/runs/*]`,
        `AwsSolutions-IAM5[Resource::${nagRef(bucket)}/jobs/*]`,
      ],
    );

    this.submitter = new L1Submitter(this, 'Submitter', {
      bucket,
      signingKeySecretArn: config.signingKeySecretArn,
      environment: l1Environment,
      logRetention,
    });

    this.failedJobs = new FailedJobsDescriber(this, 'FailedJobs', { bucket, logRetention });
    this.workflow = new ProvingWorkflow(this, 'Workflow', {
      planFunction: this.planner.function,
      submitFunction: this.submitter.function,
      describeFailedJobsFunction: this.failedJobs.function,
      bucket,
      jobQueue: this.compute.jobQueue,
      jobDefinitions: this.jobs.definitions,
      proofGapWait: Duration.minutes(config.proofWindowMinutes),
      timeout: deriveRunTimeout({
        resourceClasses: profile.resourceClasses,
        retryAttempts: config.retryAttempts,
        treeDepthBound: config.treeDepthBound,
        overhead: Duration.minutes(30 + config.proofWindowMinutes),
      }),
      logRetention,
    });

    // Pre-warm (lib/aws/batch-prewarm.ts): the poller at a run's start, the broker at an epoch's first job.
    const prewarm = { computeEnvironments: this.compute.prewarmEnvironments, vcpus: prewarmVcpusFor(config), maxVcpus: config.maxVcpus };

    const l1Configured = config.rpcUrls.length > 0 && config.rollupAddress !== undefined;
    if (!l1Configured) {
      Annotations.of(this).addWarningV2(
        POLL_DISABLED_WARNING,
        'The poll schedule is created DISABLED: set rpcUrls and rollupAddress to let the poller start runs.',
      );
    }
    this.poller = new ChainPoller(this, 'Poller', {
      stateMachine: this.workflow.stateMachine,
      schedule: config.pollSchedule,
      enabled: l1Configured,
      environment: { ...l1Environment, MAX_RUNS_PER_POLL: String(config.maxRunsPerPoll) },
      logRetention,
      prewarm,
    });

    this.observability = new ProverObservability(this, 'Observability', {
      stateMachine: this.workflow.stateMachine,
      jobQueue: this.compute.jobQueue,
      pollerFunction: this.poller.function,
      planFunction: this.planner.function,
      submitFunction: this.submitter.function,
      proofWindow: Duration.minutes(config.proofWindowMinutes),
      alarmEmail: config.alarmEmail,
    });

    if (profile.name === 'aztec') {
      this.broker = new ProvingBroker(this, 'Broker', {
        bucket,
        jobQueue: this.compute.jobQueue,
        jobDefinitions: this.jobs.definitions,
        resourceClasses: profile.resourceClasses,
        retryAttempts: config.retryAttempts,
        logRetention,
        prewarm,
      });
    }

    const output = (name: string, value: string, description: string) => new CfnOutput(this, name, { value, description });
    output(STACK_OUTPUTS.stateMachineArn, this.workflow.stateMachine.stateMachineArn, 'Start runs here (execution name = run id)');
    output(STACK_OUTPUTS.bucketName, bucket.bucketName, 'Artifact bucket (runs/, jobs/)');
    output(STACK_OUTPUTS.jobQueueArn, this.compute.jobQueue.jobQueueArn, 'AWS Batch job queue of the provers');
    output(STACK_OUTPUTS.pollerFunctionName, this.poller.function.functionName, 'Poller Lambda');
    output(STACK_OUTPUTS.planFunctionName, this.planner.function.functionName, 'Plan Lambda');
    output(STACK_OUTPUTS.submitFunctionName, this.submitter.function.functionName, 'Submit Lambda');
    output(STACK_OUTPUTS.signingKeySecretArn, this.submitter.signingKey.secretArn, 'L1 signing key (Secrets Manager)');
    output(STACK_OUTPUTS.alarmTopicArn, this.observability.alarmTopic.topicArn, 'Alarm notifications (SNS)');
    output(STACK_OUTPUTS.dashboardName, this.observability.dashboard.dashboardName, 'CloudWatch dashboard');
    output(STACK_OUTPUTS.profile, profile.name, 'Protocol profile proven by this deployment');
    output(
      STACK_OUTPUTS.jobDefinitions,
      this.toJsonString(Object.fromEntries(Object.entries(this.jobs.definitions).map(([name, def]) => [name, def.jobDefinitionArn]))),
      'Batch job definition ARN per resource class (JSON; bb-remote: BB_REMOTE_JOB_DEFINITIONS)',
    );
    if (this.broker) {
      output(STACK_OUTPUTS.brokerTableName, this.broker.table.table.tableName, 'Proving broker: job table (prover aztec-broker reads it from here)');
      output(STACK_OUTPUTS.brokerStateMachineArn, this.broker.workflow.stateMachine.stateMachineArn, 'Proving broker: one execution per Aztec job');
      output(STACK_OUTPUTS.brokerPolicyArn, this.broker.brokerPolicy.managedPolicyArn, "Attach to the prover node host's role: broker + proof store permissions");
      output(STACK_OUTPUTS.brokerPrewarm, this.toJsonString(this.broker.prewarmTarget), 'Proving broker: desired vCPUs and compute environments it pre-warms at an epoch\'s first job (vcpus 0: off)');
      output(STACK_OUTPUTS.proofStore, `s3://${bucket.bucketName}/${PROOF_STORE_PREFIX.slice(0, -1)}`, "The prover node's PROVER_PROOF_STORE");
    }
  }
}

/** Points the image must carry: the largest circuit's size + 1 (what bb reads for a circuit of 2^n gates). */
export function defaultCrsPoints(profile: Pick<ProtocolProfile, 'name' | 'circuits'>): number {
  const sizes = Object.values(profile.circuits).map((c) => c.log2Size);
  if (sizes.length === 0) {
    throw new ConfigError([{ key: 'crsPoints', message: `must be set: profile "${profile.name}" lists no circuits to derive it from` }]);
  }
  return 2 ** Math.max(...sizes) + 1;
}
