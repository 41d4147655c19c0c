/** Submit (last state of a run): re-checks L1 and sends the root proof once. */
import { Logger } from '@aws-lambda-powertools/logger';
import { submitForLambda } from '../lib/aws/lambda-wiring.ts';
import { handlerChain } from '../lib/aws/lambda-chain.ts';
import { submitEventSchema } from '../lib/pipeline/workflow-contract.ts';
import { submitEnvSchema } from '../lib/pipeline/lambda-environment.ts';

const logger = new Logger();

export const handler = handlerChain(submitEventSchema, (event) => submitForLambda(event, submitEnvSchema.parse(process.env), logger), logger);
