/** Plan (first state of a run): event validated here, the work is lib's. Returns only keys and counts. */
import { Logger } from '@aws-lambda-powertools/logger';
import { planForLambda } from '../lib/aws/lambda-wiring.ts';
import { handlerChain } from '../lib/aws/lambda-chain.ts';
import { planEventSchema } from '../lib/pipeline/workflow-contract.ts';
import { planEnvSchema } from '../lib/pipeline/lambda-environment.ts';

const logger = new Logger();

export const handler = handlerChain(planEventSchema, (event) => planForLambda(event, planEnvSchema.parse(process.env), logger), logger);
