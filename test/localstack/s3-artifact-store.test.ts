/** The ArtifactStore contract (test/aws/artifact-store-contract.ts) against LocalStack's S3. */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '../../lib/aws/s3-artifact-store.ts';
import { artifactStoreContract } from '../aws/artifact-store-contract.ts';
import { localstack } from './aws-clients.ts';

const MiB = 1024 * 1024;

async function newBucket(): Promise<{ bucket: string; client: ReturnType<ReturnType<typeof localstack>['s3']> }> {
  const client = localstack().s3();
  const bucket = `store-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return { bucket, client };
}

// LocalStack honours If-None-Match: *, so putIfAbsent is atomic here (s3rver ignores it: test/aws).
artifactStoreContract('S3ArtifactStore on LocalStack', { atomicPutIfAbsent: true, s3: true }, async () => {
  const { bucket, client } = await newBucket();
  const store = await S3ArtifactStore.connect({ client, bucket, partSizeBytes: 5 * MiB, listPageSize: 2 });
  return { store, s3: { client, bucket, partSizeBytes: 5 * MiB } };
});

describe('S3ArtifactStore on LocalStack: errors', () => {
  it('connect names a missing bucket', async () => {
    await expect(S3ArtifactStore.connect({ client: localstack().s3(), bucket: 'never-created' })).rejects.toThrow(
      /cannot use S3 bucket "never-created": it does not exist/,
    );
  });

  it('get on a missing bucket is a NoSuchBucket error, not a cache miss', async () => {
    const store = new S3ArtifactStore({ client: localstack().s3(), bucket: 'never-created' });
    await expect(store.get('jobs/a/result.json')).rejects.toThrow(/GetObject failed for s3:\/\/never-created\/jobs\/a\/result.json[\s\S]*NoSuchBucket/);
  });
});
