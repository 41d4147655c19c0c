/**
 * The middleware chain of the state machine's Lambda tasks (Plan, Submit, DescribeFailedJobs): the event
 * validated against its contract (Powertools parser: a bad payload fails as ParseError), the body, and
 * retryable errors renamed to the names the state machine's Retry lists (retryable-errors.ts). The Lambdas
 * add Powertools' context injection into their logger; the local runtime (../local/local-lambdas.ts) runs
 * the same chain without it, so an error reaches its state machine under the same name as on AWS.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { retryableErrors } from './retryable-errors.ts';

export type TaskHandler<R> = (event: unknown, context: Context) => Promise<R>;

export function handlerChain<S extends z.ZodType, R>(schema: S, body: (event: z.output<S>) => Promise<R>, logger?: Logger): TaskHandler<R> {
  return middy(body)
    .use(logger ? [injectLambdaContext(logger)] : [])
    .use(parser({ schema }))
    .use(retryableErrors()) as unknown as TaskHandler<R>;
}
