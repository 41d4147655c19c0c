/**
 * S3ArtifactStore against s3rver (a real S3 HTTP API in-process), plus the config and error paths that need
 * no server. The same contract runs against LocalStack in test/localstack.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactStoreError, S3ArtifactStore } from '../../lib/aws/s3-artifact-store.ts';
import { createS3Client, s3ConfigFromEnv } from '../../lib/aws/s3-client.ts';
import { InputError } from '../../lib/errors.ts';
import { artifactStoreContract } from './artifact-store-contract.ts';

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 's3rver-store-'));
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
let endpoint = '';

beforeAll(async () => {
  const address = (await server.run()) as unknown as { port: number };
  endpoint = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = () => createS3Client({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });

artifactStoreContract('S3ArtifactStore on s3rver', { atomicPutIfAbsent: false, s3: true }, async () => {
  const c = client();
  await c.send(new CreateBucketCommand({ Bucket: 'contract' }));
  const store = await S3ArtifactStore.connect({ client: c, bucket: 'contract', partSizeBytes: 5 * MiB, listPageSize: 2, conditionalWrites: 'check-then-put' });
  return { store, s3: { client: c, bucket: 'contract', partSizeBytes: 5 * MiB } };
});

describe('S3ArtifactStore errors', () => {
  it('connect names the bucket when it does not exist', async () => {
    await expect(S3ArtifactStore.connect({ client: client(), bucket: 'no-such-bucket' })).rejects.toThrow(
      /cannot use S3 bucket "no-such-bucket": it does not exist/,
    );
  });

  it('get on a missing bucket is an error, not a cache miss', async () => {
    const store = new S3ArtifactStore({ client: client(), bucket: 'no-such-bucket' });
    const err = await store.get('jobs/x/spec.json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactStoreError);
    expect((err as ArtifactStoreError).message).toMatch(/GetObject failed for s3:\/\/no-such-bucket\/jobs\/x\/spec.json[\s\S]*NoSuchBucket/);
    expect((err as ArtifactStoreError).retryable).toBe(false);
  });

  it('an unreachable endpoint is a retryable error naming the object', async () => {
    const c = createS3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    const err = await new S3ArtifactStore({ client: c, bucket: 'any-bucket' }).get('k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactStoreError);
    expect((err as ArtifactStoreError).shortMessage).toBe('S3 GetObject failed for s3://any-bucket/k');
    expect((err as ArtifactStoreError).retryable).toBe(true);
  });

  it.each([
    [{ bucket: 'Bad_Bucket' }, /invalid S3 bucket name "Bad_Bucket"/],
    [{ bucket: 'ok-bucket', partSizeBytes: 1024 }, /partSizeBytes must be an integer ≥ 5242880/],
    [{ bucket: 'ok-bucket', queueSize: 0 }, /queueSize must be a positive integer/],
  ])('rejects bad options %j', (options, message) => {
    expect(() => new S3ArtifactStore({ client: client(), ...options })).toThrow(message);
  });
});

describe('createS3Client / s3ConfigFromEnv', () => {
  it('uses path style and WHEN_REQUIRED checksums for a custom endpoint', async () => {
    const c = createS3Client({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566' });
    expect(c.config.forcePathStyle).toBe(true);
    expect(await c.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await c.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    expect(await c.config.region()).toBe('eu-west-1');
  });

  it('keeps the SDK defaults for real S3', async () => {
    const c = createS3Client({ region: 'us-east-2' });
    expect(c.config.forcePathStyle).toBe(false);
    expect(await c.config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED');
  });

  it('rejects an endpoint that is not a URL', () => {
    expect(() => createS3Client({ region: 'us-east-1', endpoint: 'localhost:4566x' })).toThrow(InputError);
  });

  it('reads region and endpoint from the standard AWS variables', () => {
    expect(s3ConfigFromEnv({ AWS_REGION: 'ap-south-1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' })).toEqual({
      region: 'ap-south-1',
      endpoint: 'http://127.0.0.1:9000',
    });
    expect(s3ConfigFromEnv({})).toEqual({ region: 'us-east-1' });
    expect(() => s3ConfigFromEnv({ AWS_ENDPOINT_URL: 'not a url' })).toThrow(/invalid S3 environment[\s\S]*AWS_ENDPOINT_URL/);
  });
});
