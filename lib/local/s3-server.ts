/**
 * The local runtime's S3: s3rver on loopback, reached through the real @aws-sdk/client-s3 (lib/aws), so the
 * job runner and the handlers use the same store code as on AWS.
 */
import { mkdir } from 'node:fs/promises';
import S3rver from 's3rver';
import { ProverError } from '../errors.ts';

export interface LocalS3 {
  readonly endpoint: string;
  readonly bucket: string;
  /** Static credentials s3rver accepts (it checks signatures against these). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  stop(): Promise<void>;
}

export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export async function startLocalS3(options: { directory: string; bucket: string; port?: number }): Promise<LocalS3> {
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory: options.directory,
    configureBuckets: [{ name: options.bucket, configs: [] }],
  });
  let address: { port: number };
  try {
    address = await server.run();
  } catch (cause) {
    throw new ProverError(`could not start the local S3 server on 127.0.0.1:${options.port ?? 0}`, { cause });
  }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket: options.bucket,
    credentials: LOCAL_S3_CREDENTIALS,
    stop: () => server.close(),
  };
}
