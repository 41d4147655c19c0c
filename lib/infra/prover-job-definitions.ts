import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { S3_GRANT_WILDCARD_ACTIONS, acknowledgeNag, nagRef } from './nag.ts';
import { HOST_LOST_STATUS_REASON_PREFIX, RETRYABLE_EXIT_CODE } from '../job-retry.ts';
import type { ResourceClass } from '../proving/profile.ts';

/** Arguments to the image's entrypoint (node /app/job-runner.mjs): prove the job named by $JOB_ID. */
export const PROVER_JOB_COMMAND: readonly string[] = ['run'];

/** Batch's status reason when the instance under a job went away (spot reclaim, host failure). */
const SPOT_RECLAIM_STATUS_REASON = `${HOST_LOST_STATUS_REASON_PREFIX}*`;

/** Resource class names become construct ids, state names and Batch job names. */
const CLASS_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;

export interface ProverJobDefinitionsProps {
  /** The protocol profile's resource classes: one job definition each. */
  readonly resourceClasses: Readonly<Record<string, ResourceClass>>;
  readonly image: ecs.ContainerImage;
  readonly bucket: s3.IBucket;
  /** Protocol profile name (container env PROFILE). */
  readonly profileName: string;
  /** Where the image keeps the CRS (container env CRS_PATH). */
  readonly crsPath: string;
  /**
   * Batch attempts per job (1–10).
   * @default 3
   */
  readonly retryAttempts?: number;
  /** @default PROVER_JOB_COMMAND */
  readonly command?: readonly string[];
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Key prefixes (ending in '/') where jobs also write results, e.g. Aztec's proof store that the broker's jobs
   * answer into.
   * @default - only jobs/
   */
  readonly resultPrefixes?: readonly string[];
}

/**
 * One Batch job definition per resource class (vCPU, memory, attempt timeout from the profile), sharing the
 * prover image, a job role scoped to the artifact bucket and a log group. Retry strategy: a job whose
 * instance was reclaimed (`Host EC2*`) or that exits with the runner's retryable code is retried; any other
 * failure is final, so a deterministic proving failure fails its run at once instead of burning attempts.
 */
export class ProverJobDefinitions extends Construct {
  /** Job definitions by resource class name. */
  public readonly definitions: Readonly<Record<string, batch.EcsJobDefinition>>;
  public readonly jobRole: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ProverJobDefinitionsProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 3;
    validate(props.resourceClasses, retryAttempts);

    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Prover jobs: read inputs from the artifact bucket, write their outputs under jobs/',
    });
    props.bucket.grantRead(this.jobRole);
    props.bucket.grantPut(this.jobRole, 'jobs/*');
    for (const prefix of props.resultPrefixes ?? []) props.bucket.grantPut(this.jobRole, `${prefix}*`);
    acknowledgeNag(
      this.jobRole,
      'Jobs read the artifacts their spec names (jobs/, blocks/, txs/ keys known only at run time) and write ' +
        'their own outputs under jobs/<content-addressed id>/ (Aztec jobs: also Aztec\'s result JSON under the proof ' +
        'store prefixes): object wildcards on the one artifact bucket.',
      [
        ...S3_GRANT_WILDCARD_ACTIONS,
        `AwsSolutions-IAM5[Resource::${nagRef(props.bucket)}/*]`,
        `AwsSolutions-IAM5[Resource::${nagRef(props.bucket)}/jobs/*]`,
        ...(props.resultPrefixes ?? []).map((prefix) => `AwsSolutions-IAM5[Resource::${nagRef(props.bucket)}/${prefix}*]`),
      ],
    );

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    // Used by the ECS agent (not the job) to pull the image and ship logs; shared by all classes.
    const executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Prover jobs: ECS agent pulls the image and writes the job logs',
    });
    acknowledgeNag(executionRole, 'ecr:GetAuthorizationToken (pulling the image from ECR) supports no resource-level permissions.', [
      'AwsSolutions-IAM5[Resource::*]',
    ]);

    const definitions: Record<string, batch.EcsJobDefinition> = {};
    for (const [key, resourceClass] of Object.entries(props.resourceClasses)) {
      definitions[key] = new batch.EcsJobDefinition(this, `Class-${key}`, {
        container: new batch.EcsEc2ContainerDefinition(this, `Container-${key}`, {
          image: props.image,
          cpu: resourceClass.vcpus,
          memory: Size.mebibytes(resourceClass.memoryMiB),
          command: [...(props.command ?? PROVER_JOB_COMMAND)],
          environment: {
            ARTIFACT_BUCKET: props.bucket.bucketName,
            PROFILE: props.profileName,
            CRS_PATH: props.crsPath,
            RESOURCE_CLASS: key,
            // The SDK in the job needs the bucket's region; not every ECS agent sets it.
            AWS_REGION: Stack.of(this).region,
          },
          jobRole: this.jobRole,
          executionRole,
          logging: ecs.LogDriver.awsLogs({ logGroup: this.logGroup, streamPrefix: `prover-${key}` }),
        }),
        timeout: Duration.seconds(resourceClass.timeoutSeconds),
        retryAttempts,
        retryStrategies: [
          batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onStatusReason: SPOT_RECLAIM_STATUS_REASON })),
          batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onExitCode: String(RETRYABLE_EXIT_CODE) })),
          batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom({ onReason: '*' })),
        ],
        propagateTags: true,
      });
    }
    this.definitions = definitions;
  }
}

function validate(classes: Readonly<Record<string, ResourceClass>>, retryAttempts: number): void {
  const entries = Object.entries(classes);
  if (entries.length === 0) throw new Error('ProverJobDefinitions: the profile defines no resource classes');
  if (!Number.isInteger(retryAttempts) || retryAttempts < 1 || retryAttempts > 10) {
    throw new Error(`ProverJobDefinitions: retryAttempts must be an integer in [1, 10] (got ${retryAttempts})`);
  }
  for (const [key, c] of entries) {
    const where = `ProverJobDefinitions: resource class "${key}"`;
    if (!CLASS_NAME_PATTERN.test(key)) throw new Error(`${where}: name must match ${CLASS_NAME_PATTERN}`);
    if (!Number.isInteger(c.vcpus) || c.vcpus < 1) throw new Error(`${where}: vcpus must be a positive integer (got ${c.vcpus})`);
    if (!Number.isInteger(c.memoryMiB) || c.memoryMiB < 4) {
      throw new Error(`${where}: memoryMiB must be an integer ≥ 4 (got ${c.memoryMiB})`);
    }
    // Batch's minimum attempt duration.
    if (!Number.isInteger(c.timeoutSeconds) || c.timeoutSeconds < 60) {
      throw new Error(`${where}: timeoutSeconds must be an integer ≥ 60 (got ${c.timeoutSeconds})`);
    }
  }
}
