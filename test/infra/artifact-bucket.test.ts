import { Template, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactBucket, ARTIFACT_BUCKET_VERSIONING_DECISION } from '../../lib/infra/artifact-bucket.ts';
import { cleanupOutdirs, constructStack } from './support.ts';

afterAll(cleanupOutdirs);

describe('ArtifactBucket', () => {
  const stack = constructStack();
  const artifacts = new ArtifactBucket(stack, 'Artifacts', { retentionDays: 14 });
  const template = Template.fromStack(stack);

  it('encrypts at rest and blocks every kind of public access', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  it('denies requests without TLS (and below TLS 1.2) in the bucket policy', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  it('expires objects after the retention period and cleans up abandoned uploads', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({ Status: 'Enabled', ExpirationInDays: 14, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        ],
      },
    });
  });

  it('is unversioned and retained on stack deletion, with the decision documented', () => {
    const [bucket] = Object.values(template.findResources('AWS::S3::Bucket'));
    expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect((bucket as { Properties: Record<string, unknown> }).Properties['VersioningConfiguration']).toBeUndefined();
    expect(ARTIFACT_BUCKET_VERSIONING_DECISION).toMatch(/content-addressed/);
  });

  it('acknowledges the missing access logs (AwsSolutions-S1) with a reason, and passes the other S3 checks', () => {
    expect(new AwsSolutionsChecks().validateScope(artifacts).violations).toEqual([]);
  });

  it('versioned: keeps versions, expiring noncurrent ones', () => {
    const versionedStack = constructStack();
    new ArtifactBucket(versionedStack, 'Artifacts', { retentionDays: 7, versioned: true });
    Template.fromStack(versionedStack).hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 7, NoncurrentVersionExpiration: { NoncurrentDays: 1 } })] },
    });
  });

  it('with an access-log bucket: logs to it, and S1 is no longer acknowledged but satisfied', () => {
    const logged = constructStack();
    const logs = new s3.Bucket(logged, 'AccessLogs');
    const withLogs = new ArtifactBucket(logged, 'Artifacts', { retentionDays: 7, serverAccessLogsBucket: logs });
    Template.fromStack(logged).hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^AccessLogs') }, LogFilePrefix: 'prover-artifacts/' },
    });
    expect(new AwsSolutionsChecks().validateScope(withLogs).violations.map((v) => v.ruleName)).not.toContain('AwsSolutions-S1');
  });

  it('rejects a retention that is not a positive integer', () => {
    expect(() => new ArtifactBucket(constructStack(), 'Bad', { retentionDays: 0 })).toThrow(
      'ArtifactBucket: retentionDays must be a positive integer (got 0)',
    );
  });
});
