/**
 * The state machine's Lambda tasks run locally by the handlers' own code: the same middleware chain
 * (lib/aws/lambda-chain.ts: the event contract, retryable errors renamed to the names the Retry rules list) around the
 * same bodies (planWith, submitWith, describeFailedJobsWith in lib/aws/lambda-wiring.ts), with local
 * dependencies instead of AWS ones and no Powertools I/O. An error therefore reaches the local state machine
 * under the name it has on AWS, and the synthesized Retry/Catch rules apply to it the same way.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { Address, Hex } from 'viem';
import { handlerChain, type TaskHandler } from '../aws/lambda-chain.ts';
import { describeFailedJobsEventSchema, planEventSchema, submitEventSchema } from '../pipeline/workflow-contract.ts';
import { describeFailedJobsWith, planWith, submitWith, type LambdaLog } from '../aws/lambda-wiring.ts';
import { STATE } from '../infra/workflow-definition.ts';
import type { L1WalletClient } from '../l1/send-rollup-transaction.ts';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import { l1Adapter, l1Submitter } from '../protocols/l1-adapters.ts';
import { getProfile } from '../protocols/registry.ts';
import type { LocalLambdaHandler } from './state-machine-runner.ts';

export interface LocalLambdaDependencies {
  /** Protocol profile of the deployment (the Lambdas' PROFILE). */
  readonly profile: string;
  readonly store: ArtifactStore;
  /** Reads L1; its account signs Submit's transaction (the Lambdas' signing key). */
  readonly wallet: L1WalletClient;
  readonly rollup: Address;
  readonly maxBlocksPerRun: number;
  readonly proverId: Hex;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

/** Lambda task handlers by state name, for LocalStateMachine. */
export function localLambdas(deps: LocalLambdaDependencies): Record<string, LocalLambdaHandler> {
  const say = deps.log ?? (() => {});
  // Powertools' logger takes (message, attributes); only that shape is used by the bodies.
  const log = { info: (message: unknown, fields?: unknown) => say(String(message), fields as Record<string, unknown> | undefined) } as LambdaLog;
  const { store } = deps;
  const view = () => l1Adapter(deps.profile).view(deps.wallet, deps.rollup);
  return {
    [STATE.plan]: invoke(STATE.plan, handlerChain(planEventSchema, (event) => planWith(event, { profile: getProfile(deps.profile), store, rollup: view(), maxBlocks: deps.maxBlocksPerRun, proverId: deps.proverId, log }))),
    // As on AWS, the profile's submitter is asked for when Submit runs: a profile without one fails there, saying why.
    [STATE.submit]: invoke(STATE.submit, handlerChain(submitEventSchema, (event) => submitWith(event, { store, submitter: l1Submitter(deps.profile)(deps.wallet, deps.rollup), log }))),
    [STATE.describeFailedJobs]: invoke(STATE.describeFailedJobs, handlerChain(describeFailedJobsEventSchema, (event) => describeFailedJobsWith(event, { store, log }))),
  };
}

/** One invocation: a fresh context, and the result through JSON as Lambda returns it. */
function invoke(functionName: string, handler: TaskHandler<unknown>): LocalLambdaHandler {
  return async (payload) => {
    const context = { functionName, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 900_000 } as unknown as Context;
    const result = await handler(payload, context);
    return result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown);
  };
}
