import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag.ts';

/**
 * Why the artifact bucket is not versioned by default: every object is written once under a
 * content-addressed key (jobs/<jobId>/…, where the id hashes the job's inputs) or a deterministic run key
 * (runs/<runId>/…), `result.json` is written last as the commit marker, and any lost artifact can be
 * re-proven from its inputs. Versioning would only keep superseded copies of multi-MB proofs (billed) and
 * complicate lifecycle expiry.
 */
export const ARTIFACT_BUCKET_VERSIONING_DECISION =
  'Unversioned: objects are written once under content-addressed job keys or deterministic run keys, ' +
  'result.json is the commit marker, and lost artifacts can be re-proven; versions would only add cost.';

export interface ArtifactBucketProps {
  /** Days after which objects expire (run records, job artifacts, block inputs). */
  readonly retentionDays: number;
  /**
   * Keep object versions. See {@link ARTIFACT_BUCKET_VERSIONING_DECISION}.
   * @default false
   */
  readonly versioned?: boolean;
  /**
   * Bucket receiving S3 server access logs.
   * @default - no access logs (the job runner and Lambdas log every artifact they read and write)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * What happens to the bucket when the stack is deleted.
   * @default RemovalPolicy.RETAIN (proofs and failure records outlive the stack)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The one bucket holding every run's plan, every job's inputs/outputs and the run records. */
export class ArtifactBucket extends Construct {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ArtifactBucketProps) {
    super(scope, id);
    if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1) {
      throw new Error(`ArtifactBucket: retentionDays must be a positive integer (got ${props.retentionDays})`);
    }
    const versioned = props.versioned ?? false;
    const expiration = Duration.days(props.retentionDays);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsBucket ? 'prover-artifacts/' : undefined,
      lifecycleRules: [
        {
          // Whole bucket: run records (runs/), job artifacts (jobs/) and block inputs (blocks/, txs/) all age out
          // together; a range re-proven after expiry is simply planned and proven again.
          id: 'expire-after-retention',
          expiration,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
          ...(versioned ? { noncurrentVersionExpiration: Duration.days(1) } : {}),
        },
      ],
    });

    if (!props.serverAccessLogsBucket) {
      acknowledgeNag(
        this.bucket,
        "Artifact bucket used only by this stack's roles (Batch jobs, Plan/Submit Lambdas, state machine), which " +
          'log every key they read or write; pass serverAccessLogsBucket to add S3 server access logs.',
        ['AwsSolutions-S1'],
      );
    }
  }
}
