/**
 * S3ArtifactStore against s3rver (a real S3 HTTP API in-process), plus the config and error paths that need
 * no server. The same contract runs against LocalStack in test/localstack.
 *
 * Error classification (which failures are retryable) is the store's job, so the job runner knows no AWS error
 * shapes: access denied comes from s3rver itself; throttling and 5xx come from a fault-injecting HTTP proxy in
 * front of s3rver that answers chosen requests with S3's own error XML, as S3 does under load.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactStoreError, S3ArtifactStore } from '../../lib/aws/s3-artifact-store.ts';
import { createS3Client, s3ConfigFromEnv } from '../../lib/aws/s3-client.ts';
import { InputError } from '../../lib/errors.ts';
import { RETRYABLE_EXIT_CODE as EXIT_RETRYABLE } from '../../lib/job-retry.ts';
import { exitCodeFor, runJob } from '../../lib/proving/job-runner.ts';
import { jobErrorKey, jobSpecKey } from '../../lib/proving/keys.ts';
import { testDoubleBackend } from '../proving/fake-backend.ts';
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

/** An S3 error response as S3 sends it: status, XML body with the error code. */
interface Fault {
  readonly status: number;
  readonly code: string;
}

/**
 * HTTP proxy in front of s3rver: answers the next requests with queued faults, forwards everything else.
 * The SDK parses the faults like any S3 response, so the store sees the errors real S3 produces.
 */
class FaultProxy {
  readonly faults: Fault[] = [];
  /** Requests answered with a fault. */
  faulted = 0;
  private readonly server: Server;
  constructor(private readonly target: () => string) {
    this.server = createServer((req, res) => {
      const fault = this.faults.shift();
      if (fault) {
        this.faulted++;
        req.resume();
        req.on('end', () => {
          const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>${fault.code} (fault proxy)</Message><RequestId>fault</RequestId></Error>`;
          res.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-amz-request-id': 'fault' });
          res.end(body);
        });
        return;
      }
      const upstream = new URL(this.target());
      const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    });
  }
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('S3ArtifactStore classifies S3 failures (retryable or not)', () => {
  const proxy = new FaultProxy(() => endpoint);
  let proxyEndpoint = '';
  const viaProxy = (maxAttempts: number) =>
    createS3Client({ region: 'us-east-1', endpoint: proxyEndpoint, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, maxAttempts });

  beforeAll(async () => {
    proxyEndpoint = await proxy.listen();
    await client().send(new CreateBucketCommand({ Bucket: 'faults' }));
  });
  afterAll(async () => proxy.close());

  it.each([
    ['throttling (503 SlowDown)', { status: 503, code: 'SlowDown' }],
    ['a server error (500 InternalError)', { status: 500, code: 'InternalError' }],
    ['an unavailable service (503 ServiceUnavailable)', { status: 503, code: 'ServiceUnavailable' }],
    ['too many requests (429)', { status: 429, code: 'TooManyRequestsException' }],
    ['a request timeout (S3 sends it as 400 RequestTimeout)', { status: 400, code: 'RequestTimeout' }],
  ])('%s is a retryable ArtifactStoreError naming the object', async (_name, fault) => {
    proxy.faults.push(fault);
    const store = new S3ArtifactStore({ client: viaProxy(1), bucket: 'faults' });
    const err = await store.put('jobs/throttled/out', Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactStoreError);
    expect((err as ArtifactStoreError).shortMessage).toBe('S3 PutObject failed for s3://faults/jobs/throttled/out');
    expect((err as ArtifactStoreError).metaMessages[0]).toMatch(new RegExp(`^${fault.code} \\(HTTP ${fault.status}\\)`));
    expect((err as ArtifactStoreError).retryable).toBe(true);
  });

  it.each([
    ['access denied (403 AccessDenied)', { status: 403, code: 'AccessDenied' }],
    ['a bad request (400 InvalidArgument)', { status: 400, code: 'InvalidArgument' }],
  ])('%s is not retryable', async (_name, fault) => {
    proxy.faults.push(fault);
    const err = await new S3ArtifactStore({ client: viaProxy(3), bucket: 'faults' }).get('jobs/x/spec.json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactStoreError);
    expect((err as ArtifactStoreError).metaMessages[0]).toMatch(new RegExp(`^${fault.code} \\(HTTP ${fault.status}\\)`));
    expect((err as ArtifactStoreError).retryable).toBe(false);
  });

  it('credentials S3 does not know, refused by s3rver itself (403 InvalidAccessKeyId), are not retryable', async () => {
    const unknown = createS3Client({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'NOT-A-KEY', secretAccessKey: 'S3RVER' } });
    const err = await new S3ArtifactStore({ client: unknown, bucket: 'faults' }).get('jobs/x/spec.json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactStoreError);
    expect((err as ArtifactStoreError).metaMessages[0]).toMatch(/^InvalidAccessKeyId \(HTTP 403\)/);
    expect((err as ArtifactStoreError).retryable).toBe(false);
    await expect(S3ArtifactStore.connect({ client: unknown, bucket: 'faults' })).rejects.toThrow(/cannot use S3 bucket "faults": access is denied/);
  });

  it("the SDK's own retries absorb one throttled request: the object arrives", async () => {
    proxy.faults.push({ status: 503, code: 'SlowDown' });
    const faultedBefore = proxy.faulted;
    const store = new S3ArtifactStore({ client: viaProxy(3), bucket: 'faults' });
    await store.put('jobs/retried/out', Buffer.from('arrived'));
    expect(proxy.faulted).toBe(faultedBefore + 1);
    expect(Buffer.from((await store.get('jobs/retried/out'))!).toString()).toBe('arrived');
  });

  it('a throttled store fails the job as retryable (exit 75) without the runner knowing S3', async () => {
    const id = 'fa17fa17fa17fa17fa17fa17';
    const seed = new S3ArtifactStore({ client: client(), bucket: 'faults' });
    await seed.put(jobSpecKey(id), Buffer.from(JSON.stringify({ kind: 'bb', id, args: ['prove', '-o', '{out}'], inputs: {}, outputs: ['proof'] })));
    // The resume check and the spec read pass; the upload of the proof is throttled past the SDK's retries.
    const store = new S3ArtifactStore({ client: viaProxy(1), bucket: 'faults' });
    const put = store.put.bind(store);
    store.put = async (key, body, options) => {
      if (key.endsWith('/proof')) proxy.faults.push({ status: 503, code: 'SlowDown' });
      return put(key, body, options);
    };
    const outcome = await runJob(id, { store, backend: testDoubleBackend({ writes: ['proof'] }), adapters: {} });
    expect(outcome).toMatchObject({ status: 'failed', retryable: true, message: expect.stringContaining('SlowDown (HTTP 503)') });
    expect(exitCodeFor(outcome)).toBe(EXIT_RETRYABLE);
    expect(JSON.parse(Buffer.from((await seed.get(jobErrorKey(id)))!).toString())).toMatchObject({ id, retryable: true });
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
