/**
 * Lambda wiring: builds each handler's dependencies on AWS (S3 artifact store, Step Functions executions,
 * the profile's L1 adapter over the configured RPC URLs with fallback, the signing key from Secrets Manager)
 * and calls the pipeline (lib/pipeline: planRun, pollOnce, submitRun) — the same functions the local runtime
 * calls in-process.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createPublicClient, createWalletClient, fallback, http, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { DescribeFailedJobsEvent, PlanEvent, PollEvent, SubmitEvent } from '../../lambdas/contracts.ts';
import type { DescribeFailedJobsEnv, PlanEnv, PollerEnv, SubmitEnv } from '../../lambdas/environment.ts';
import { InputError } from '../errors.ts';
import { devnetRollupSubmitter, devnetRollupView } from '../l1/devnet-rollup-port.ts';
import { proverIdFromAddress } from '../l1/root-public-inputs.ts';
import { describeFailedJobs, type DescribedFailure } from '../pipeline/failed-jobs.ts';
import { planRun, type PlanOutput } from '../pipeline/plan-run.ts';
import { pollOnce, type PollResult } from '../pipeline/poll.ts';
import type { RollupSubmitter, RollupView } from '../pipeline/rollup-view.ts';
import { submitRun, type SubmitOutcome } from '../pipeline/submit-run.ts';
import { aztecRollupView } from '../protocols/aztec/l1/aztec-rollup-port.ts';
import { getProfile } from '../protocols/registry.ts';
import { prewarmBatchClient, prewarmComputeEnvironments, prewarmTargetFromEnv } from './batch-prewarm.ts';
import { publishRunAge } from './run-age-metric.ts';
import { S3ArtifactStore } from './s3-artifact-store.ts';
import { createS3Client, s3ConfigFromEnv } from './s3-client.ts';
import { SfnExecutions } from './sfn-executions.ts';

/** The slice of the handlers' Powertools logger the wiring may use. */
export type LambdaLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

type CommonEnv = PlanEnv | PollerEnv | SubmitEnv;

function store(env: Pick<CommonEnv, 'ARTIFACT_BUCKET'>): S3ArtifactStore {
  return new S3ArtifactStore({ client: createS3Client(s3ConfigFromEnv()), bucket: env.ARTIFACT_BUCKET });
}

/** Every configured RPC URL, tried in order (viem's fallback transport). */
function transport(env: CommonEnv) {
  if (env.RPC_URLS.length === 0) throw new InputError('no L1 RPC URL configured (config key rpcUrls → env RPC_URLS)');
  return fallback(env.RPC_URLS.map((url) => http(url, { timeout: 15_000 })));
}

function chain(env: CommonEnv) {
  return { id: env.L1_CHAIN_ID, name: `l1-${env.L1_CHAIN_ID}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: env.RPC_URLS } } } as const;
}

function rollupAddress(env: CommonEnv): `0x${string}` {
  if (!env.ROLLUP_ADDRESS) throw new InputError('no rollup address configured (config key rollupAddress → env ROLLUP_ADDRESS)');
  return env.ROLLUP_ADDRESS;
}

/** The profile's L1 adapter: the DevnetRollup, or Aztec's Rollup (the pipeline's block numbers are its checkpoints). */
function rollupView(env: CommonEnv): RollupView {
  getProfile(env.PROFILE);
  const client = createPublicClient({ chain: chain(env), transport: transport(env) });
  switch (env.PROFILE) {
    case 'devnet':
      return devnetRollupView(client, rollupAddress(env));
    case 'aztec':
      return aztecRollupView(client, rollupAddress(env));
    default:
      throw new InputError(`profile ${env.PROFILE} has no L1 adapter for the pipeline`);
  }
}

function assertSubmitter(profile: string): void {
  getProfile(profile);
  if (profile === 'aztec') {
    throw new InputError('profile aztec cannot submit to L1 yet: submitEpochRootProof needs, besides the root proof, the attestations of the epoch\'s last checkpoint and the KZG opening proof of the epoch\'s batched blob, which aztec runs do not produce yet', {
      metaMessages: ['lib/protocols/aztec/l1/submit-epoch-root-proof.ts builds and sends the call once they exist'],
    });
  }
  if (profile !== 'devnet') throw new InputError(`profile ${profile} has no L1 submitter for the pipeline yet (only devnet)`);
}

export async function planForLambda(event: PlanEvent, env: PlanEnv, log: LambdaLog): Promise<PlanOutput> {
  if (!env.PROVER_ADDRESS) throw new InputError('no prover address configured (config key proverAddress → env PROVER_ADDRESS): the root proof commits to it');
  const out = await planRun({
    runId: event.runId,
    fromBlock: event.request.fromBlock,
    toBlock: event.request.toBlock,
    profile: getProfile(env.PROFILE),
    store: store(env),
    rollup: rollupView(env),
    maxBlocks: env.MAX_BLOCKS_PER_RUN,
    proverId: proverIdFromAddress(env.PROVER_ADDRESS),
  });
  log.info('planned', { runId: out.runId, jobs: out.jobs, levels: out.levels.length });
  return out;
}

export async function pollForLambda(_event: PollEvent, env: PollerEnv, log: LambdaLog): Promise<PollResult> {
  const result = await pollOnce({
    profile: env.PROFILE,
    rollup: rollupView(env),
    executions: new SfnExecutions(new SFNClient({}), env.STATE_MACHINE_ARN),
    maxBlocksPerRun: env.MAX_BLOCKS_PER_RUN,
    maxRunsPerPoll: env.MAX_RUNS_PER_POLL,
  });
  publishRunAge({ stateMachineArn: env.STATE_MACHINE_ARN, oldestRunStartedAt: result.oldestRunStartedAt, now: new Date() });
  // A run started: raise the compute environments' desired vCPUs now, while Plan runs (never throws).
  if (result.started.length > 0 && env.PREWARM_VCPUS > 0) {
    await prewarmComputeEnvironments(prewarmBatchClient(), prewarmTargetFromEnv(env), (level, message, fields) => log[level](message, fields));
  }
  log.info('polled', { pending: result.pending.toString(), proven: result.proven.toString(), started: result.started, alreadyRunning: result.alreadyRunning, gaveUp: result.gaveUp, waiting: result.waiting });
  return result;
}

/** The signing key is read per cold start, never from an environment variable. */
let signingKey: Promise<Hex> | undefined;
async function loadSigningKey(secretArn: string): Promise<Hex> {
  signingKey ??= new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn })).then((out) => {
    const value = (out.SecretString ?? '').trim();
    const key = (value.startsWith('{') ? (JSON.parse(value) as { privateKey?: string }).privateKey ?? '' : value).trim();
    if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new InputError(`secret ${secretArn} does not hold a 0x-prefixed 32-byte private key (or {"privateKey": …})`);
    return key as Hex;
  });
  return signingKey;
}

export async function submitForLambda(event: SubmitEvent, env: SubmitEnv, log: LambdaLog): Promise<SubmitOutcome> {
  assertSubmitter(env.PROFILE);
  const account = privateKeyToAccount(await loadSigningKey(env.SIGNING_KEY_SECRET_ARN));
  const wallet = createWalletClient({ account, chain: chain(env), transport: transport(env) });
  const submitter: RollupSubmitter = devnetRollupSubmitter(wallet, rollupAddress(env));
  return submitRun({ runId: event.runId, store: store(env), rollup: submitter, log: (message, fields) => log.info(message, fields ?? {}) });
}

export async function describeFailedJobsForLambda(event: DescribeFailedJobsEvent, env: DescribeFailedJobsEnv, log: LambdaLog): Promise<DescribedFailure> {
  const described = await describeFailedJobs({ runId: event.runId, failure: event.failure, store: store(env) });
  log.info('failed jobs', { runId: event.runId, state: described.state, error: described.Error, jobs: described.jobs.map((j) => j.job), moreJobs: described.moreJobs });
  return described;
}
