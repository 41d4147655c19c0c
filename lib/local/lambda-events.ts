/** The Lambda handlers' event contracts, reused by the local runtime so both validate the same payloads. */
import { planEventSchema, submitEventSchema } from '../../lambdas/contracts.ts';

export const lambdaEventSchemas = { plan: planEventSchema, submit: submitEventSchema } as const;
