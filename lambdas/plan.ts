/** Plan (first state of a run): event validated here, the work is lib's. Returns only keys and counts. */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { planForLambda } from '../lib/aws/lambda-wiring.ts';
import { planOutputSchema } from '../lib/pipeline/plan-run.ts';
import { planEventSchema, type PlanEvent } from '../lib/pipeline/workflow-contract.ts';
import { planEnvSchema } from '../lib/pipeline/lambda-environment.ts';
import { retryableErrors } from './retryable-errors.ts';

const logger = new Logger();

export const handler = middy(async (event: PlanEvent) => {
  const env = planEnvSchema.parse(process.env);
  logger.info('planning run', { runId: event.runId, ...event.request });
  // The state machine reads runId and levels[].key from this: check the shape before handing it back.
  return planOutputSchema.parse(await planForLambda(event, env, logger));
})
  .use(injectLambdaContext(logger))
  .use(parser({ schema: planEventSchema }))
  .use(retryableErrors());
