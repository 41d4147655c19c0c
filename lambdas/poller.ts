/** Poller (EventBridge Scheduler, every minute): one look at L1, then a run per unproven range. */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { pollForLambda } from '../lib/aws/lambda-wiring.ts';
import { pollEventSchema, type PollEvent } from '../lib/pipeline/workflow-contract.ts';
import { pollerEnvSchema } from '../lib/pipeline/lambda-environment.ts';

const logger = new Logger();

export const handler = middy(async (event: PollEvent) => {
  const env = pollerEnvSchema.parse(process.env);
  const { pending, proven, ...runs } = await pollForLambda(event, env, logger);
  // Tips are bigints: JSON (the Lambda response, the logs) takes them as strings.
  const result = { pending: pending.toString(), proven: proven.toString(), ...runs };
  logger.info('polled', result);
  return result;
})
  .use(injectLambdaContext(logger))
  .use(parser({ schema: pollEventSchema }));
