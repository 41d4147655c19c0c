/**
 * Lambda wiring: builds each handler's dependencies on AWS (S3 artifact store, Step Functions executions,
 * the profile's L1 adapter with the RPC fallbacks, the signing key from Secrets Manager) and calls the
 * pipeline (lib/pipeline: planRun, pollOnce, submitRun).
 *
 * TODO(lead): not implemented yet — placeholders created with the infrastructure (issue 2) so the handlers
 * bundle and the stack synthesizes. The handlers (lambdas/*.ts) already validate their events and environment.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { PlanEvent, PollEvent, SubmitEvent } from '../../lambdas/contracts.ts';
import type { PlanEnv, PollerEnv, SubmitEnv } from '../../lambdas/environment.ts';
import type { PlanOutput } from '../pipeline/plan-run.ts';
import type { PollResult } from '../pipeline/poll.ts';
import type { SubmitOutcome } from '../pipeline/submit-run.ts';

/** The slice of the handlers' Powertools logger the wiring may use. */
export type LambdaLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export async function planForLambda(_event: PlanEvent, _env: PlanEnv, _log: LambdaLog): Promise<PlanOutput> {
  throw new Error('not implemented yet: planForLambda (lib/aws/lambda-wiring.ts) — wire planRun to S3 and the L1 adapter');
}

export async function pollForLambda(_event: PollEvent, _env: PollerEnv, _log: LambdaLog): Promise<PollResult> {
  throw new Error('not implemented yet: pollForLambda (lib/aws/lambda-wiring.ts) — wire pollOnce to Step Functions and L1');
}

export async function submitForLambda(_event: SubmitEvent, _env: SubmitEnv, _log: LambdaLog): Promise<SubmitOutcome> {
  throw new Error('not implemented yet: submitForLambda (lib/aws/lambda-wiring.ts) — wire submitRun to S3, L1 and the signing key');
}
