import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { S3_GRANT_WILDCARD_ACTIONS, acknowledgeNag, nagRef } from './nag.ts';
import { ProverFunction } from './prover-function.ts';

export interface FailedJobsDescriberProps {
  readonly bucket: s3.IBucket;
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The DescribeFailedJobs Lambda (lambdas/describe-failed-jobs.ts): after a level of a run failed, reads the
 * failed jobs' records (runs/<run>/failed-jobs/), their specs and the job runner's error.json (jobs/<id>/) and
 * hands the state machine a failure that names them. Read-only: RecordFailure writes failure.json.
 */
export class FailedJobsDescriber extends Construct {
  public readonly function: ProverFunction['function'];

  constructor(scope: Construct, id: string, props: FailedJobsDescriberProps) {
    super(scope, id);
    const fn = new ProverFunction(this, 'DescribeFailedJobs', {
      handlerName: 'describe-failed-jobs',
      description: "Names the failed proving jobs of a run's failed level (Batch reason, exit code, runner error)",
      memorySize: 256,
      environment: { ARTIFACT_BUCKET: props.bucket.bucketName },
      logRetention: props.logRetention,
    });
    this.function = fn.function;
    props.bucket.grantRead(this.function, 'runs/*');
    props.bucket.grantRead(this.function, 'jobs/*');
    acknowledgeNag(fn, "Reads a run's failed-job records (runs/<id>/failed-jobs/) and those jobs' specs and error records (jobs/<id>/): keys known only at run time.", [
      ...S3_GRANT_WILDCARD_ACTIONS,
      `AwsSolutions-IAM5[Resource::${nagRef(props.bucket)}/runs/*]`,
      `AwsSolutions-IAM5[Resource::${nagRef(props.bucket)}/jobs/*]`,
    ]);
  }
}
