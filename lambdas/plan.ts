/** Plan (first state of a run): event validated here, the work is lib's. Returns only keys and counts. */
import { Logger } from '@aws-lambda-powertools/logger';
import { planForLambda } from '../lib/aws/lambda-wiring.ts';
import { handlerChain } from './chain.ts';
import { planEventSchema } from './contracts.ts';
import { planEnvSchema } from './environment.ts';

const logger = new Logger();

export const handler = handlerChain(planEventSchema, (event) => planForLambda(event, planEnvSchema.parse(process.env), logger), logger);
