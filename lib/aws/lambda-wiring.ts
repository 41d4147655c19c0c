/**
 * Lambda wiring: builds each handler's dependencies on AWS (S3 artifact store, Step Functions executions,
 * the profile's L1 adapter from lib/protocols/l1-adapters.ts over the configured RPC URLs with fallback, the
 * signing key from Secrets Manager) and hands them to the handler's body (`planWith`, `submitWith`,
 * `describeFailedJobsWith`), which calls the pipeline (lib/pipeline). The local runtime runs the same bodies
 * in the same middleware chain (lib/aws/lambda-chain.ts) with local dependencies.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createPublicClient, createWalletClient, fallback, http, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { DescribeFailedJobsEvent, PlanEvent, PollEvent, SubmitEvent } from '../pipeline/workflow-contract.ts';
import type { DescribeFailedJobsEnv, PlanEnv, PollerEnv, SubmitEnv } from '../pipeline/lambda-environment.ts';
import { InputError } from '../errors.ts';
import { proverIdFromAddress } from '../l1/root-public-inputs.ts';
import { describeFailedJobs, type DescribedFailure } from '../pipeline/failed-jobs.ts';
import { planOutputSchema, planRun, type PlanOutput } from '../pipeline/plan-run.ts';
import { pollOnce, type PollResult } from '../pipeline/poll.ts';
import type { RollupSubmitter, RollupView } from '../pipeline/rollup-view.ts';
import { submitRun, type SubmitOutcome } from '../pipeline/submit-run.ts';
import type { ArtifactStore } from '../proving/artifact-store.ts';
import type { ProtocolProfile } from '../proving/profile.ts';
import { l1Adapter, l1Submitter } from '../protocols/l1-adapters.ts';
import { getProfile } from '../protocols/registry.ts';
import { prewarmBatchClient, prewarmComputeEnvironments, prewarmTargetFromEnv } from './batch-prewarm.ts';
import { publishRunAge } from './run-age-metric.ts';
import { S3ArtifactStore } from './s3-artifact-store.ts';
import { createS3Client, s3ConfigFromEnv } from './s3-client.ts';
import { SfnExecutions } from './sfn-executions.ts';

/** The slice of the handlers' Powertools logger the wiring uses (the local runtime passes a stand-in). */
/** What the wiring logs through: Powertools' Logger on AWS; `warn` optional (tests pass a plain `info`). */
export type LambdaLog = Pick<Logger, 'info'> & Partial<Pick<Logger, 'warn'>>;

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

/** The profile's L1 view (lib/protocols/l1-adapters.ts); for Aztec the pipeline's block numbers are checkpoints. */
function rollupView(env: CommonEnv): RollupView {
  const adapter = l1Adapter(env.PROFILE);
  return adapter.view(createPublicClient({ chain: chain(env), transport: transport(env) }), rollupAddress(env));
}

/** Plan's dependencies: from the environment on AWS, from the local runtime locally. */
export interface PlanDependencies {
  readonly profile: ProtocolProfile;
  readonly store: ArtifactStore;
  readonly rollup: RollupView;
  readonly maxBlocks: number;
  readonly proverId: Hex;
  readonly log: LambdaLog;
}

/** Plan's body. The state machine reads runId and levels[].key from its output: the shape is checked here. */
export async function planWith(event: PlanEvent, deps: PlanDependencies): Promise<PlanOutput> {
  deps.log.info('planning run', { runId: event.runId, ...event.request });
  const out = await planRun({
    runId: event.runId,
    fromBlock: event.request.fromBlock,
    toBlock: event.request.toBlock,
    profile: deps.profile,
    store: deps.store,
    rollup: deps.rollup,
    maxBlocks: deps.maxBlocks,
    proverId: deps.proverId,
  });
  deps.log.info('planned', { runId: out.runId, jobs: out.jobs, levels: out.levels.length });
  return planOutputSchema.parse(out);
}

export async function planForLambda(event: PlanEvent, env: PlanEnv, log: LambdaLog): Promise<PlanOutput> {
  if (!env.PROVER_ADDRESS) throw new InputError('no prover address configured (config key proverAddress → env PROVER_ADDRESS): the root proof commits to it');
  return planWith(event, {
    profile: getProfile(env.PROFILE),
    store: store(env),
    rollup: rollupView(env),
    maxBlocks: env.MAX_BLOCKS_PER_RUN,
    proverId: proverIdFromAddress(env.PROVER_ADDRESS),
    log,
  });
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
    await prewarmComputeEnvironments(prewarmBatchClient(), prewarmTargetFromEnv(env), (level, message, fields) => (level === 'warn' && log.warn ? log.warn(message, fields) : log.info(message, fields)));
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

/** Submit's dependencies: the profile's submitter over the signing wallet. */
export interface SubmitDependencies {
  readonly store: ArtifactStore;
  readonly submitter: RollupSubmitter;
  readonly log: LambdaLog;
}

export async function submitWith(event: SubmitEvent, deps: SubmitDependencies): Promise<SubmitOutcome> {
  deps.log.info('submitting run', { runId: event.runId });
  return submitRun({ runId: event.runId, store: deps.store, rollup: deps.submitter, log: (message, fields) => deps.log.info(message, fields ?? {}) });
}

export async function submitForLambda(event: SubmitEvent, env: SubmitEnv, log: LambdaLog): Promise<SubmitOutcome> {
  // Before the secret is read: a profile without a submitter (aztec) fails saying why.
  const submitter = l1Submitter(env.PROFILE);
  const account = privateKeyToAccount(await loadSigningKey(env.SIGNING_KEY_SECRET_ARN));
  const wallet = createWalletClient({ account, chain: chain(env), transport: transport(env) });
  return submitWith(event, { store: store(env), submitter: submitter(wallet, rollupAddress(env)), log });
}

export interface DescribeFailedJobsDependencies {
  readonly store: ArtifactStore;
  readonly log: LambdaLog;
}

export async function describeFailedJobsWith(event: DescribeFailedJobsEvent, deps: DescribeFailedJobsDependencies): Promise<DescribedFailure> {
  const described = await describeFailedJobs({ runId: event.runId, failure: event.failure, store: deps.store });
  deps.log.info('failed jobs', { runId: event.runId, state: described.state, error: described.Error, jobs: described.jobs.map((j) => j.job), moreJobs: described.moreJobs });
  return described;
}

export async function describeFailedJobsForLambda(event: DescribeFailedJobsEvent, env: DescribeFailedJobsEnv, log: LambdaLog): Promise<DescribedFailure> {
  return describeFailedJobsWith(event, { store: store(env), log });
}
