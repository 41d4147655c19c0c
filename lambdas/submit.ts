/** Submit (last state of a run): re-checks L1 and sends the root proof once. */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { submitForLambda } from '../lib/aws/lambda-wiring.ts';
import { submitEventSchema, type SubmitEvent } from '../lib/pipeline/workflow-contract.ts';
import { submitEnvSchema } from '../lib/pipeline/lambda-environment.ts';
import { retryableErrors } from './retryable-errors.ts';

const logger = new Logger();

export const handler = middy(async (event: SubmitEvent) => {
  const env = submitEnvSchema.parse(process.env);
  logger.info('submitting run', { runId: event.runId });
  return submitForLambda(event, env, logger);
})
  .use(injectLambdaContext(logger))
  .use(parser({ schema: submitEventSchema }))
  .use(retryableErrors());
