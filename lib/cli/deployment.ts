/**
 * What the operator commands (`prove-block`, `status`) need to find a deployment: the config (cdk.json's
 * `prover` context + `PROVER_*` variables, as at synth), the state machine and bucket (flags, or the stack's
 * CloudFormation outputs) and L1 (flags, or the RPC_URLS / ROLLUP_ADDRESS variables the Lambdas read, or the
 * config). AWS clients take region, credentials and endpoints from the standard AWS variables
 * (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SFN, …), which SDK v3 reads itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { createPublicClient, fallback, http, isAddress, type Address } from 'viem';
import { S3ArtifactStore } from '../aws/s3-artifact-store.ts';
import { createS3Client, s3ConfigFromEnv } from '../aws/s3-client.ts';
import { SfnExecutions } from '../aws/sfn-executions.ts';
import { CONFIG_CONTEXT_KEY, loadConfig, type ProverConfig } from '../config.ts';
import { InputError, ProverError } from '../errors.ts';
import { STACK_OUTPUTS } from '../infra/prover-stack.ts';
import type { RollupView } from '../pipeline/rollup-view.ts';
import { l1Adapter } from '../protocols/l1-adapters.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** The deployment config as `cdk synth` would read it here (the project's cdk.json, then PROVER_* variables). */
export function cliConfig(env: Env): ProverConfig {
  const path = fileURLToPath(new URL('../../cdk.json', import.meta.url));
  const context = existsSync(path) ? ((JSON.parse(readFileSync(path, 'utf8')) as { context?: Record<string, unknown> }).context ?? {}) : {};
  if (context[CONFIG_CONTEXT_KEY] === undefined) context[CONFIG_CONTEXT_KEY] = {};
  return loadConfig({ context: (key) => context[key], env });
}

export interface DeploymentOptions {
  readonly stateMachineArn?: string;
  readonly stack?: string;
  readonly bucket?: string;
}

export interface Deployment {
  readonly stateMachineArn: string;
  /** Artifact bucket, when known (--bucket or the stack's output). */
  readonly bucket: string | undefined;
  /** Protocol profile of the deployment (the stack's output, else the config's). */
  readonly profile: string;
  /** Where the state machine came from, for messages. */
  readonly source: string;
}

/**
 * A state machine ARN. `#<TestCase>` is accepted for Step Functions Local / LocalStack, which start a run with
 * mocked integrations when it is appended (never present on AWS).
 */
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}(#[A-Za-z0-9_-]+)?$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Adds --state-machine-arn, --stack and --bucket. */
export function addDeploymentOptions(command: Command): Command {
  return command
    .option('--state-machine-arn <arn>', 'the prover state machine (default: the stack output StateMachineArn)')
    .option('--stack <name>', 'CloudFormation stack to read outputs from (default: config stackName, AztecProver)')
    .option('--bucket <name>', 'artifact bucket (default: the stack output BucketName)');
}

export async function resolveDeployment(opts: DeploymentOptions, config: ProverConfig): Promise<Deployment> {
  if (opts.bucket !== undefined && !BUCKET_NAME.test(opts.bucket)) {
    throw new InputError(`--bucket: ${JSON.stringify(opts.bucket)} is not an S3 bucket name`);
  }
  if (opts.stateMachineArn !== undefined) {
    if (!STATE_MACHINE_ARN.test(opts.stateMachineArn)) {
      throw new InputError(`--state-machine-arn: ${JSON.stringify(opts.stateMachineArn)} is not a state machine ARN`, {
        metaMessages: ['expected arn:aws:states:<region>:<account>:stateMachine:<name>'],
      });
    }
    return { stateMachineArn: opts.stateMachineArn, bucket: opts.bucket, profile: config.profile, source: '--state-machine-arn' };
  }
  const stackName = opts.stack ?? config.stackName;
  const outputs = await stackOutputs(stackName);
  const stateMachineArn = outputs[STACK_OUTPUTS.stateMachineArn];
  if (!stateMachineArn) {
    throw new InputError(`stack ${stackName} has no output ${STACK_OUTPUTS.stateMachineArn}: is it the prover stack?`, {
      metaMessages: ['pass --stack <name> or --state-machine-arn <arn>'],
    });
  }
  return {
    stateMachineArn,
    bucket: opts.bucket ?? outputs[STACK_OUTPUTS.bucketName],
    profile: outputs[STACK_OUTPUTS.profile] ?? config.profile,
    source: `stack ${stackName}`,
  };
}

/** The stack's outputs by name (DescribeStacks). */
export async function stackOutputs(stackName: string): Promise<Record<string, string>> {
  const client = new CloudFormationClient({});
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    if (!stack) throw new InputError(`stack ${stackName} not found`);
    return Object.fromEntries((stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
  } catch (err) {
    if (err instanceof ProverError) throw err;
    const missing = err instanceof Error && /does not exist/i.test(err.message);
    throw new (missing ? InputError : ProverError)(`could not read the outputs of stack ${stackName}${missing ? ': it does not exist' : ''}`, {
      cause: err,
      metaMessages: [
        `region: ${await client.config.region().catch(() => '(none: set AWS_REGION)')}`,
        'deploy it (npx cdk deploy), or pass --stack <name> / --state-machine-arn <arn>',
      ],
    });
  } finally {
    client.destroy();
  }
}

export function sfnExecutions(deployment: Deployment): SfnExecutions {
  return new SfnExecutions(new SFNClient({}), deployment.stateMachineArn);
}

export function artifactStore(bucket: string): S3ArtifactStore {
  return new S3ArtifactStore({ client: createS3Client(s3ConfigFromEnv()), bucket });
}

export interface L1Options {
  readonly rpcUrl?: readonly string[];
  readonly rollup?: string;
}

/** Adds --rpc-url (repeatable) and --rollup. */
export function addL1Options(command: Command): Command {
  return command
    .option('--rpc-url <url>', 'L1 JSON-RPC URL, repeatable, tried in order (default: env RPC_URLS, comma-separated, or config rpcUrls)', collect)
    .option('--rollup <address>', 'L1 rollup contract (default: env ROLLUP_ADDRESS, or config rollupAddress)');
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * The profile's read-only L1 adapter (lib/protocols/l1-adapters.ts) over the given RPC URLs (viem's fallback
 * transport). Every profile has one: aztec reads Aztec's Rollup, its block numbers being checkpoints.
 */
export function rollupViewFor(profile: string, opts: L1Options, env: Env, config: ProverConfig): { view: RollupView; rollup: Address; rpcUrls: string[] } {
  const adapter = l1Adapter(profile);
  const fromEnv = (env['RPC_URLS'] ?? '').split(',').map((u) => u.trim()).filter((u) => u !== '');
  const rpcUrls = opts.rpcUrl && opts.rpcUrl.length > 0 ? [...opts.rpcUrl] : fromEnv.length > 0 ? fromEnv : config.rpcUrls;
  if (rpcUrls.length === 0) throw new InputError('no L1 RPC URL: pass --rpc-url <url>, or set RPC_URLS (or config rpcUrls)');
  for (const url of rpcUrls) {
    if (!/^https?:\/\/\S+$/.test(url)) throw new InputError(`L1 RPC URL ${JSON.stringify(url)} is not an http(s):// URL`);
  }
  const rollup = opts.rollup ?? env['ROLLUP_ADDRESS'] ?? config.rollupAddress;
  if (rollup === undefined || rollup === '') throw new InputError('no rollup address: pass --rollup <address>, or set ROLLUP_ADDRESS (or config rollupAddress)');
  if (!isAddress(rollup, { strict: false })) throw new InputError(`rollup address ${JSON.stringify(rollup)} is not a 0x-prefixed 20-byte address`);
  const client = createPublicClient({ transport: fallback(rpcUrls.map((url) => http(url, { timeout: 15_000, retryCount: 1 }))) });
  return { view: adapter.view(client, rollup), rollup, rpcUrls };
}
