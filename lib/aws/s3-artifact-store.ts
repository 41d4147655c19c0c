/**
 * The artifact store on S3 (or anything speaking its API: LocalStack, s3rver). One bucket, keys from
 * lib/proving/keys.ts. Large bodies go up as multipart uploads (@aws-sdk/lib-storage), small ones as one PUT.
 */
import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  ListObjectsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { InputError, ProverError } from '../errors.ts';
import { assertArtifactKey, type ArtifactBody, type ArtifactStore, type PutOptions } from '../proving/artifact-store.ts';

/** S3's minimum part size (except the last part). */
const MIN_PART_SIZE_BYTES = 5 * 1024 * 1024;

export interface S3ArtifactStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /**
   * Part size for multipart uploads; bodies up to this size go up in one PutObject.
   * @default 8 MiB
   */
  readonly partSizeBytes?: number;
  /** Parts uploaded in parallel per upload. @default 4 */
  readonly queueSize?: number;
  /**
   * How `putIfAbsent` makes its write conditional.
   * - 'if-none-match': PutObject with `If-None-Match: *`; the server rejects the write (412) when the key
   *   exists. Atomic. AWS S3 (since 2024-08) and LocalStack 4.x honour it.
   * - 'check-then-put': HeadObject, then PutObject. Not atomic: two racing writers may both write. Only for
   *   servers that ignore the header (s3rver 3.7.1 does, silently overwriting), where there are no racing
   *   writers anyway. Our keys are content-addressed, so a lost race writes the same bytes.
   * @default 'if-none-match'
   */
  readonly conditionalWrites?: 'if-none-match' | 'check-then-put';
  /** Keys per ListObjects page. @default 1000 (S3's maximum) */
  readonly listPageSize?: number;
}

/** An S3 failure with the operation, the object and whether trying again may help. */
export class ArtifactStoreError extends ProverError {
  override name = 'ArtifactStoreError';
}

export class S3ArtifactStore implements ArtifactStore {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly partSizeBytes: number;
  private readonly queueSize: number;
  private readonly conditionalWrites: 'if-none-match' | 'check-then-put';
  private readonly listPageSize: number;

  constructor(options: S3ArtifactStoreOptions) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) {
      throw new InputError(`invalid S3 bucket name ${JSON.stringify(options.bucket)}`, {
        metaMessages: ['3-63 chars of lowercase letters, digits, dots and hyphens'],
      });
    }
    const partSizeBytes = options.partSizeBytes ?? 8 * 1024 * 1024;
    if (!Number.isSafeInteger(partSizeBytes) || partSizeBytes < MIN_PART_SIZE_BYTES) {
      throw new InputError(`partSizeBytes must be an integer ≥ ${MIN_PART_SIZE_BYTES} (S3's minimum part size), got ${partSizeBytes}`);
    }
    const queueSize = options.queueSize ?? 4;
    if (!Number.isSafeInteger(queueSize) || queueSize < 1) throw new InputError(`queueSize must be a positive integer, got ${queueSize}`);
    this.client = options.client;
    this.bucket = options.bucket;
    this.partSizeBytes = partSizeBytes;
    this.queueSize = queueSize;
    this.conditionalWrites = options.conditionalWrites ?? 'if-none-match';
    this.listPageSize = options.listPageSize ?? 1000;
  }

  /** Builds the store after checking the bucket exists and is reachable, so a typo fails at startup. */
  static async connect(options: S3ArtifactStoreOptions): Promise<S3ArtifactStore> {
    const store = new S3ArtifactStore(options);
    try {
      await store.client.send(new HeadBucketCommand({ Bucket: store.bucket }));
    } catch (err) {
      const status = httpStatus(err);
      const why = status === 404 ? 'it does not exist' : status === 403 ? 'access is denied' : 'it is not reachable';
      throw new ArtifactStoreError(`cannot use S3 bucket "${store.bucket}": ${why}`, {
        cause: err,
        retryable: isRetryableS3Error(err),
        metaMessages: [`${errorName(err)}${status ? ` (HTTP ${status})` : ''}`],
      });
    }
    return store;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertArtifactKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!res.Body) throw new Error('response has no body');
      return await res.Body.transformToByteArray();
    } catch (err) {
      // NoSuchKey only: a missing *bucket* (NoSuchBucket, also 404) is a configuration error, not a miss.
      if (errorName(err) === 'NoSuchKey') return undefined;
      throw this.failure('GetObject', key, err);
    }
  }

  async put(key: string, body: ArtifactBody, options: PutOptions = {}): Promise<void> {
    assertArtifactKey(key);
    const contentType = options.contentType ?? 'application/octet-stream';
    try {
      if (body instanceof Uint8Array && body.byteLength <= this.partSizeBytes) {
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.byteLength, ContentType: contentType }),
        );
        return;
      }
      // Upload does one PutObject when the stream turns out smaller than a part, multipart otherwise, and
      // aborts the multipart upload on failure so no orphaned parts are billed.
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: key, Body: body instanceof Uint8Array ? body : toReadable(body), ContentType: contentType },
        partSize: this.partSizeBytes,
        queueSize: this.queueSize,
        leavePartsOnError: false,
      });
      await upload.done();
    } catch (err) {
      throw this.failure('PutObject', key, err);
    }
  }

  async exists(key: string): Promise<boolean> {
    assertArtifactKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      // HEAD responses have no body, so a missing bucket is also a bare 404 here; `connect` catches that case.
      if (httpStatus(err) === 404) return false;
      throw this.failure('HeadObject', key, err);
    }
  }

  async putIfAbsent(key: string, body: Uint8Array, options: PutOptions = {}): Promise<boolean> {
    assertArtifactKey(key);
    if (body.byteLength > 5 * 1024 * 1024 * 1024) {
      throw new InputError(`putIfAbsent takes at most 5 GiB (one PutObject), got ${body.byteLength} bytes for ${key}`);
    }
    const contentType = options.contentType ?? 'application/octet-stream';
    if (this.conditionalWrites === 'check-then-put') {
      if (await this.exists(key)) return false;
      await this.put(key, body, options);
      return true;
    }
    // 409 ConditionalRequestConflict: another conditional write to the key is in flight; AWS asks to retry.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            ContentLength: body.byteLength,
            ContentType: contentType,
            IfNoneMatch: '*',
          }),
        );
        return true;
      } catch (err) {
        const status = httpStatus(err);
        if (status === 412) return false;
        if (status === 409 && attempt < 4) {
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
          continue;
        }
        throw this.failure('PutObject (If-None-Match: *)', key, err);
      }
    }
  }

  async list(prefix: string): Promise<string[]> {
    if (prefix.startsWith('/')) throw new InputError(`list prefix must not start with "/": ${JSON.stringify(prefix)}`);
    const keys: string[] = [];
    // ListObjects (v1) paged by Marker = last key seen: same listing on S3 (no delimiter, so the marker is
    // the last key). Not v2: s3rver 3.7.1 builds every truncated v2 response's continuation token with DES,
    // which OpenSSL 3 (Node ≥ 17) refuses, so any listing longer than one page fails there with HTTP 500.
    let marker: string | undefined;
    try {
      for (;;) {
        const page = await this.client.send(
          new ListObjectsCommand({ Bucket: this.bucket, Prefix: prefix, MaxKeys: this.listPageSize, ...(marker ? { Marker: marker } : {}) }),
        );
        for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
        const last = keys.at(-1);
        if (!page.IsTruncated || last === undefined || last === marker) break;
        marker = last;
      }
    } catch (err) {
      throw this.failure('ListObjects', `${prefix}*`, err);
    }
    return keys;
  }

  private failure(operation: string, key: string, err: unknown): ArtifactStoreError {
    const status = httpStatus(err);
    return new ArtifactStoreError(`S3 ${operation} failed for s3://${this.bucket}/${key}`, {
      cause: err,
      retryable: isRetryableS3Error(err),
      metaMessages: [`${errorName(err)}${status ? ` (HTTP ${status})` : ''}: ${err instanceof Error ? err.message : String(err)}`],
    });
  }
}

function toReadable(body: AsyncIterable<Uint8Array>): Readable {
  return body instanceof Readable ? body : Readable.from(body, { objectMode: false });
}

function errorName(err: unknown): string {
  return (err as { name?: string } | undefined)?.name ?? 'Error';
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** AWS error names (codes) of throttling and timeouts, some of which come with HTTP 400 (S3's RequestTimeout). */
const TRANSIENT_ERROR_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Network failures below HTTP (Node's errno codes): the request may not even have reached S3. */
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * Whether trying again may help: throttling, 5xx and network errors may pass on a later try; any other 4xx
 * answer (access denied, no such bucket, bad request) will not change. The AWS SDK's error shapes end here:
 * callers (the job runner) only read the `retryable` of the ArtifactStoreError.
 */
function isRetryableS3Error(err: unknown): boolean {
  const e = err as { $retryable?: unknown; code?: string; name?: string } | undefined;
  if (e?.$retryable) return true;
  if (TRANSIENT_ERROR_NAMES.has(errorName(err))) return true;
  const status = httpStatus(err);
  if (status !== undefined) return status >= 500 || status === 429;
  return NETWORK_ERROR_CODES.has(e?.code ?? '');
}
