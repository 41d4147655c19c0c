/** DescribeFailedJobs (a run's level failed): which proving jobs failed and why, for failure.json. */
import { Logger } from '@aws-lambda-powertools/logger';
import { describeFailedJobsForLambda } from '../lib/aws/lambda-wiring.ts';
import { handlerChain } from './chain.ts';
import { describeFailedJobsEventSchema } from './contracts.ts';
import { describeFailedJobsEnvSchema } from './environment.ts';

const logger = new Logger();

export const handler = handlerChain(describeFailedJobsEventSchema, (event) => describeFailedJobsForLambda(event, describeFailedJobsEnvSchema.parse(process.env), logger), logger);
