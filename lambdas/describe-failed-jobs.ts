/** DescribeFailedJobs (a run's level failed): which proving jobs failed and why, for failure.json. */
import { Logger } from '@aws-lambda-powertools/logger';
import { describeFailedJobsForLambda } from '../lib/aws/lambda-wiring.ts';
import { handlerChain } from '../lib/aws/lambda-chain.ts';
import { describeFailedJobsEventSchema } from '../lib/pipeline/workflow-contract.ts';
import { describeFailedJobsEnvSchema } from '../lib/pipeline/lambda-environment.ts';

const logger = new Logger();

export const handler = handlerChain(describeFailedJobsEventSchema, (event) => describeFailedJobsForLambda(event, describeFailedJobsEnvSchema.parse(process.env), logger), logger);
