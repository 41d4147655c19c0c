/**
 * One place that turns configuration into an S3Client, so the cloud, LocalStack and the local S3 server
 * (s3rver) differ only in the config, not in code paths.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { InputError } from '../errors.ts';

export interface S3Config {
  /** AWS region; S3 on a custom endpoint ignores it but the signer needs one. */
  readonly region: string;
  /** A non-AWS endpoint (LocalStack, s3rver). Unset = the real S3 for `region`. */
  readonly endpoint?: string;
  /**
   * Path-style URLs (http://host/bucket/key). Local servers need them: virtual-hosted names would have to
   * resolve <bucket>.localhost.
   * @default true when `endpoint` is set, else false
   */
  readonly forcePathStyle?: boolean;
  /**
   * When the SDK adds and checks CRC checksums. Since SDK 3.729 the default ('WHEN_SUPPORTED') streams
   * uploads with aws-chunked framing and trailing checksums; s3rver stores that framing as the object body
   * (silent corruption, ARCHITECTURE §4). 'WHEN_REQUIRED' sends plain bodies.
   * @default 'WHEN_REQUIRED' when `endpoint` is set, else the SDK default
   */
  readonly checksums?: 'WHEN_REQUIRED' | 'WHEN_SUPPORTED';
  /** Static credentials for local servers; unset = the SDK's default provider chain (role, env, profile). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** SDK retry budget for throttling and 5xx. @default 3 (the SDK default) */
  readonly maxAttempts?: number;
}

export function createS3Client(config: S3Config): S3Client {
  const local = config.endpoint !== undefined;
  if (local) {
    if (!/^https?:$/.test(URL.parse(config.endpoint!)?.protocol ?? '')) {
      throw new InputError(`S3 endpoint is not an http(s) URL: ${JSON.stringify(config.endpoint)}`, {
        metaMessages: ['expected e.g. http://127.0.0.1:4566'],
      });
    }
  }
  const checksums = config.checksums ?? (local ? 'WHEN_REQUIRED' : undefined);
  return new S3Client({
    region: config.region,
    ...(local ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle ?? local,
    ...(checksums ? { requestChecksumCalculation: checksums, responseChecksumValidation: checksums } : {}),
    ...(config.credentials ? { credentials: { ...config.credentials } } : {}),
    ...(config.maxAttempts ? { maxAttempts: config.maxAttempts } : {}),
  });
}

const envSchema = z.object({
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  /** Same name the AWS SDKs and CLI read for a service-specific endpoint. */
  AWS_ENDPOINT_URL_S3: z.url().optional(),
  AWS_ENDPOINT_URL: z.url().optional(),
});

/**
 * S3 config from the standard AWS environment variables (AWS_REGION, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL).
 * Credentials are left to the SDK chain, which also reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
 */
export function s3ConfigFromEnv(env: Record<string, string | undefined> = process.env): S3Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new InputError('invalid S3 environment', {
      metaMessages: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  }
  const e = parsed.data;
  const endpoint = e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL;
  return { region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION ?? 'us-east-1', ...(endpoint ? { endpoint } : {}) };
}
