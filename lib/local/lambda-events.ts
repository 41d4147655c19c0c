/** The Lambda handlers' event contracts, reused by the local runtime so both validate the same payloads. */
import { describeFailedJobsEventSchema, planEventSchema, submitEventSchema } from '../pipeline/workflow-contract.ts';

export const lambdaEventSchemas = { plan: planEventSchema, submit: submitEventSchema, describeFailedJobs: describeFailedJobsEventSchema } as const;
