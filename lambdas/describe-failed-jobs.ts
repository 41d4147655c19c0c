/** DescribeFailedJobs (a run's level failed): which proving jobs failed and why, for failure.json. */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { describeFailedJobsForLambda } from '../lib/aws/lambda-wiring.ts';
import { describeFailedJobsEventSchema, type DescribeFailedJobsEvent } from '../lib/pipeline/workflow-contract.ts';
import { describeFailedJobsEnvSchema } from '../lib/pipeline/lambda-environment.ts';
import { retryableErrors } from './retryable-errors.ts';

const logger = new Logger();

export const handler = middy(async (event: DescribeFailedJobsEvent) => {
  const env = describeFailedJobsEnvSchema.parse(process.env);
  return describeFailedJobsForLambda(event, env, logger);
})
  .use(injectLambdaContext(logger))
  .use(parser({ schema: describeFailedJobsEventSchema }))
  .use(retryableErrors());
