/** Real @aws-sdk clients pointed at the tier's LocalStack (see global-setup.ts). */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { createS3Client } from '../../lib/aws/s3-client.ts';

/** LocalStack's default account. ARNs it returns use it, so fake ARNs in definitions must too. */
export const ACCOUNT = '000000000000';

export function localstack() {
  const { endpoint, region, sfnMockConfigPath } = inject('localstack');
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const common = { endpoint, region, credentials };
  return {
    endpoint,
    region,
    sfnMockConfigPath,
    s3: (): S3Client => createS3Client({ region, endpoint, credentials }),
    sfn: () => new SFNClient(common),
    events: () => new EventBridgeClient(common),
    scheduler: () => new SchedulerClient(common),
    sqs: () => new SQSClient(common),
  };
}
