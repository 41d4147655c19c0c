/** Submit (last state of a run): re-checks L1 and sends the root proof once. */
import { Logger } from '@aws-lambda-powertools/logger';
import { submitForLambda } from '../lib/aws/lambda-wiring.ts';
import { handlerChain } from './chain.ts';
import { submitEventSchema } from './contracts.ts';
import { submitEnvSchema } from './environment.ts';

const logger = new Logger();

export const handler = handlerChain(submitEventSchema, (event) => submitForLambda(event, submitEnvSchema.parse(process.env), logger), logger);
