/**
 * `prover aztec-broker`: the proving broker of an unmodified Aztec prover node. The node keeps its world state,
 * orchestrator and L1 submission; it enqueues every proving job here (PROVER_BROKER_HOST), with the inputs in the
 * stack's bucket (PROVER_PROOF_STORE), and each job runs as one AWS Batch job through the stack's per-job state
 * machine. This process is stateless (the job table and executions are durable), so it can restart any time.
 *
 *   --stack NAME (default)  AWS: the table, state machine and bucket from the stack's outputs (or flags)
 *   --local                 one machine: the same broker on dynalite, s3rver and the local engine under --state-dir
 *
 * When ready it prints one JSON line: {"url", "proofStore", "env"} — what to give the node.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { BatchCapacityWarmer, parsePrewarmOutput, prewarmBatchClient } from '../aws/batch-prewarm.ts';
import { DynamoBrokerTable } from '../aws/dynamo-broker-table.ts';
import { S3ArtifactStore } from '../aws/s3-artifact-store.ts';
import { createS3Client, s3ConfigFromEnv } from '../aws/s3-client.ts';
import { SfnJobExecutions } from '../aws/sfn-job-executions.ts';
import { INLINE_PREFIX, PROOF_STORE_PREFIX } from '../broker/contract.ts';
import { ProvingBroker } from '../broker/broker.ts';
import { serveBroker } from '../broker/serve-broker.ts';
import { InputError } from '../errors.ts';
import { STACK_OUTPUTS } from '../infra/prover-stack.ts';
import { startLocalBroker } from '../local/local-broker.ts';
import { inspectCrsDir } from '../protocols/aztec/prover/crs-dir.ts';
import { AZTEC_FULL_CRS_POINTS, insecureAztecTestCrs } from '../protocols/aztec/prover/test-crs.ts';
import { cliConfig, stackOutputs } from './deployment.ts';

interface BrokerOptions {
  readonly local?: boolean;
  readonly stack?: string;
  readonly table?: string;
  readonly stateMachineArn?: string;
  readonly bucket?: string;
  readonly host: string;
  readonly port?: string;
  readonly maxEpochsToKeep: string;
  readonly stateDir?: string;
  readonly crs?: string;
  readonly crsPoints?: string;
  readonly concurrency: string;
  readonly image?: string;
  readonly lowMemory?: boolean;
  readonly json?: boolean;
}

/** Aztec's broker listens on 8080 in its own deployments; so does this one on AWS by default. */
const DEFAULT_PORT = 8080;

const HELP = `
Point an unmodified Aztec prover node at it:
  PROVER_BROKER_HOST=<url>  PROVER_PROOF_STORE=<proofStore>  PROVER_AGENT_COUNT=0   (+ the "env" it prints)
The node's host role needs the stack's BrokerPolicyArn (job table, executions, proof store).

Aztec's broker protocol has no authentication: the broker listens on 127.0.0.1 unless --host says otherwise;
only ever expose it to the node's private network.

--local proves on this machine with real bb and Aztec's circuits. It needs a CRS of 2^22+1 points for parity
and 2^24+1 for the root rollup: --crs <dir> (or CRS_PATH); without one it makes the INSECURE known-tau test CRS
(local testing only: anyone can forge proofs against it).
`;

export function register(program: Command): void {
  program
    .command('aztec-broker')
    .summary("the proving broker of an unmodified Aztec prover node: every job on AWS Batch (or --local)")
    .description("Serves Aztec's proving-broker API; every job runs as one AWS Batch job through Step Functions.")
    .addHelpText('after', HELP)
    .option('--local', 'run on this machine (dynalite, s3rver, the local engine, real bb)')
    .option('--stack <name>', 'AWS: the prover stack to read outputs from (default: config stackName)')
    .option('--table <name>', 'AWS: the job table (default: stack output BrokerTableName)')
    .option('--state-machine-arn <arn>', 'AWS: the per-job state machine (default: stack output BrokerStateMachineArn)')
    .option('--bucket <name>', 'AWS: the artifact bucket (default: stack output BucketName)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', `port to listen on (AWS default ${DEFAULT_PORT}; --local: the state dir's port, else any free one)`)
    .option('--max-epochs-to-keep <n>', "older epochs are refused and dropped (Aztec's PROVER_BROKER_MAX_EPOCHS_TO_KEEP_RESULTS_FOR)", '1')
    .option('--state-dir <dir>', 'local: where jobs, proofs and ports are kept (default ~/.local/state/aztec-aws-prover/broker)')
    .option('--crs <dir>', 'local: CRS directory (default $CRS_PATH; else the insecure test CRS)')
    .option('--crs-points <n>', `local: size of the generated test CRS (default ${AZTEC_FULL_CRS_POINTS}: every Aztec circuit)`)
    .option('--concurrency <n>', 'local: jobs proven at once', '1')
    .option('--image <tag>', 'local: run each job in this prover image (Docker), as Batch runs it')
    .option('--low-memory', "local: bb's low-memory mode (file-backed polynomials, slower): a 2^24-gate root rollup in ~17 GB")
    .option('--json', 'print only the ready line (JSON) on stdout; logs go to stderr as JSON lines')
    .action(async (opts: BrokerOptions) => {
      const log = (message: string, fields?: Record<string, unknown>) =>
        process.stderr.write(opts.json ? `${JSON.stringify({ time: new Date().toISOString(), message, ...fields })}\n` : `aztec-broker: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
      const keep = positiveInt('--max-epochs-to-keep', opts.maxEpochsToKeep, 0);
      const port = opts.port === undefined ? undefined : positiveInt('--port', opts.port, 0, 65_535);
      const served = opts.local ? await serveLocal(opts, keep, port, log) : await serveCloud(opts, keep, port ?? DEFAULT_PORT, log);
      const ready = { url: served.url, proofStore: served.proofStore, env: served.env };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(ready)}\n`);
      } else {
        process.stdout.write(
          [
            `broker ready on ${served.url} (${served.where})`,
            'give the Aztec prover node:',
            `  PROVER_BROKER_HOST=${served.url}`,
            `  PROVER_PROOF_STORE=${served.proofStore}`,
            '  PROVER_AGENT_COUNT=0',
            ...Object.entries(served.env).map(([name, value]) => `  ${name}=${value}`),
            '',
          ].join('\n'),
        );
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop).once('SIGTERM', stop);
      });
      log('stopping');
      await served.close();
    });
}

interface Served {
  readonly url: string;
  readonly proofStore: string;
  readonly env: Readonly<Record<string, string>>;
  readonly where: string;
  close(): Promise<void>;
}

async function serveCloud(opts: BrokerOptions, maxEpochsToKeep: number, port: number, log: (m: string, f?: Record<string, unknown>) => void): Promise<Served> {
  for (const flag of ['stateDir', 'crs', 'crsPoints', 'image', 'lowMemory'] as const) {
    if (opts[flag] !== undefined) throw new InputError(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to --local only`);
  }
  const needsOutputs = opts.table === undefined || opts.stateMachineArn === undefined || opts.bucket === undefined;
  const stackName = opts.stack ?? cliConfig(process.env).stackName;
  const outputs = needsOutputs ? await stackOutputs(stackName) : {};
  const pick = (value: string | undefined, output: string, flag: string): string => {
    const found = value ?? outputs[output];
    if (!found) throw new InputError(`stack ${stackName} has no output ${output}: is it deployed with profile=aztec?`, { metaMessages: [`or pass ${flag}`] });
    return found;
  };
  const tableName = pick(opts.table, STACK_OUTPUTS.brokerTableName, '--table');
  const stateMachineArn = pick(opts.stateMachineArn, STACK_OUTPUTS.brokerStateMachineArn, '--state-machine-arn');
  const bucket = pick(opts.bucket, STACK_OUTPUTS.bucketName, '--bucket');
  const table = new DynamoBrokerTable({ client: new DynamoDBClient({}), tableName });
  // Pre-warm at an epoch's first job, as the stack configures it (prewarmVcpus); off when its outputs were not read.
  const prewarm = parsePrewarmOutput(outputs[STACK_OUTPUTS.brokerPrewarm]);
  const broker = new ProvingBroker({
    table,
    executions: new SfnJobExecutions(new SFNClient({}), stateMachineArn),
    store: new S3ArtifactStore({ client: createS3Client(s3ConfigFromEnv()), bucket }),
    scope: { bucket, prefix: PROOF_STORE_PREFIX, inlinePrefix: INLINE_PREFIX },
    maxEpochsToKeep,
    log,
    ...(prewarm ? { warmer: new BatchCapacityWarmer(prewarmBatchClient(), prewarm, (_level, message, fields) => log(message, fields)) } : {}),
  });
  warnIfExposed(opts.host, log);
  const served = await serveBroker({ broker, host: opts.host, port, log, healthy: () => table.epochHeight().then(() => true) });
  return { ...served, proofStore: `s3://${bucket}/${PROOF_STORE_PREFIX.slice(0, -1)}`, env: {}, where: `table ${tableName}, ${stateMachineArn}` };
}

async function serveLocal(opts: BrokerOptions, maxEpochsToKeep: number, port: number | undefined, log: (m: string, f?: Record<string, unknown>) => void): Promise<Served> {
  for (const flag of ['stack', 'table', 'stateMachineArn', 'bucket'] as const) {
    if (opts[flag] !== undefined) throw new InputError(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} does not apply to --local`);
  }
  const concurrency = positiveInt('--concurrency', opts.concurrency, 1);
  const crsPath = await localCrs(opts, log);
  warnIfExposed(opts.host, log);
  const stateDir = opts.stateDir ?? join(homedir(), '.local', 'state', 'aztec-aws-prover', 'broker');
  const local = await startLocalBroker({
    stateDir,
    crsPath,
    host: opts.host,
    ...(port !== undefined && port !== 0 ? { port } : {}),
    concurrency,
    maxEpochsToKeep,
    ...(opts.image !== undefined ? { image: opts.image } : {}),
    ...(opts.lowMemory ? { jobEnv: { BB_SLOW_LOW_MEMORY: '1' } } : {}),
    log,
  });
  return { url: local.url, proofStore: local.proofStore, env: local.env, where: `local, state in ${stateDir}`, close: () => local.close() };
}

async function localCrs(opts: BrokerOptions, log: (m: string, f?: Record<string, unknown>) => void): Promise<string> {
  const given = opts.crs ?? process.env['CRS_PATH'];
  if (given !== undefined && given !== '') {
    if (opts.crsPoints !== undefined) throw new InputError('--crs-points sizes the generated test CRS: it does not apply with --crs / CRS_PATH');
    return inspectCrsDir(given).dir; // fails early with what is missing
  }
  const points = opts.crsPoints === undefined ? AZTEC_FULL_CRS_POINTS : positiveInt('--crs-points', opts.crsPoints, 2);
  log(
    `WARNING: no CRS given (--crs or CRS_PATH): using an INSECURE known-tau test CRS of ${points} points. ` +
      'Anyone can forge proofs against it; use it to test locally, never for a real network.',
  );
  return (await insecureAztecTestCrs(points)).dir;
}

function warnIfExposed(host: string, log: (m: string, f?: Record<string, unknown>) => void): void {
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
    log(`WARNING: listening on ${host}: Aztec's broker protocol has no authentication; allow only the prover node's network to reach it`);
  }
}

function positiveInt(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new InputError(`${flag} must be an integer between ${min} and ${max} (got ${JSON.stringify(value)})`);
  return n;
}
