/**
 * The proving broker on one machine, with the cloud's parts swapped for local ones and nothing else changed:
 *
 *   Aztec node / facade ──JSON-RPC──► ProvingBroker (lib/broker, same code as `--stack`)
 *                                         │ job table: DynamoBrokerTable → dynalite (a real DynamoDB API, on disk)
 *                                         │ executions: the synthesized per-job state machine on the local engine
 *                                         ▼
 *                          local Batch executor → the job runner (real bb) → local S3 server (on disk)
 *
 * Everything it keeps lives under `stateDir` (S3 objects, the table, the ports it listens on), so a restart —
 * even after `kill -9` of the whole process group in the middle of a job — finds every job it knew: finished
 * results are still there, and `reconcile` starts the executions of the jobs that were queued or running.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { INLINE_PREFIX, PROOF_STORE_PREFIX } from '../broker/contract.ts';
import { ProvingBroker } from '../broker/broker.ts';
import { BROKER_STATE } from '../infra/broker-job-definition.ts';
import { serveBroker } from '../broker/serve-broker.ts';
import { createS3Client } from '../aws/s3-client.ts';
import { S3ArtifactStore } from '../aws/s3-artifact-store.ts';
import { DynamoBrokerTable } from '../aws/dynamo-broker-table.ts';
import { synthesizeProverTemplate } from '../infra/prover-app.ts';
import { LocalBatchExecutor, processLauncher, type ContainerLauncher } from './batch-executor.ts';
import { dockerLauncher } from './docker-launcher.ts';
import { createTableFromTemplate, startLocalDynamo } from './dynamo-server.ts';
import { bundleLocalJobRunner } from './job-runner-bundle.ts';
import { LocalJobExecutions } from './local-job-executions.ts';
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from './s3-server.ts';
import { LocalStateMachine } from './state-machine-runner.ts';
import { findStateMachine, jobDefinitions, onlyResource, type CfnTemplate } from './template.ts';

export const LOCAL_BROKER_BUCKET = 'aztec-proofs';
const TABLE_NAME = 'broker-jobs';

export interface LocalBrokerOptions {
  /** Where the S3 objects, the job table and the chosen ports are kept. */
  readonly stateDir: string;
  /** CRS directory for the job runner (bb). */
  readonly crsPath: string;
  /** JSON-RPC port; default: the one this state dir used before, else any free port. */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Jobs proven at once (the local stand-in for the compute environment). @default 1 */
  readonly concurrency?: number;
  /** Run each job in this prover image (Docker) instead of as a local process. */
  readonly image?: string;
  /** @default 1 */
  readonly maxEpochsToKeep?: number;
  /** How often unsettled jobs are reconciled and old epochs dropped (serveBroker's default: 30 s). */
  readonly housekeepingMs?: number;
  /** Extra environment of every job (e.g. AZTEC_BB_BACKEND). */
  readonly jobEnv?: Readonly<Record<string, string>>;
  /** Replace how a job's container starts (tests). */
  readonly launcher?: ContainerLauncher;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface LocalBroker {
  /** Aztec's PROVER_BROKER_HOST. */
  readonly url: string;
  /** Aztec's PROVER_PROOF_STORE (the local S3 server's endpoint in the query, as Aztec's S3 store reads it). */
  readonly proofStore: string;
  /** What a client needs besides the two above to reach the proof store. */
  readonly env: Readonly<Record<string, string>>;
  readonly broker: ProvingBroker;
  readonly executions: LocalJobExecutions;
  readonly executor: LocalBatchExecutor;
  readonly store: S3ArtifactStore;
  readonly table: DynamoBrokerTable;
  close(): Promise<void>;
}

interface Ports {
  readonly rpc: number;
  readonly s3: number;
  readonly dynamodb: number;
}

export async function startLocalBroker(options: LocalBrokerOptions): Promise<LocalBroker> {
  const log = options.log ?? (() => {});
  await mkdir(options.stateDir, { recursive: true });
  const ports = await rememberedPorts(options.stateDir, options.port);
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const s3 = await startLocalS3({ directory: join(options.stateDir, 's3'), bucket: LOCAL_BROKER_BUCKET, port: ports.s3 });
    cleanups.push(() => s3.stop());
    const dynamo = await startLocalDynamo({ directory: join(options.stateDir, 'dynamodb'), port: ports.dynamodb });
    cleanups.push(() => dynamo.stop());

    // The same template `cdk deploy` would deploy for the aztec profile: its table and per-job state machine.
    const template = synthesizeProverTemplate({ config: { profile: 'aztec', proverImage: 'local/prover' } }) as unknown as CfnTemplate;
    const tableId = onlyResource(template, 'AWS::DynamoDB::GlobalTable');
    const overrides = { [onlyResource(template, 'AWS::S3::Bucket')]: LOCAL_BROKER_BUCKET, [tableId]: TABLE_NAME };
    await createTableFromTemplate(dynamo.client, template, tableId, TABLE_NAME);
    const { definition } = findStateMachine(template, overrides, BROKER_STATE.markInProgress);

    const client = createS3Client({ region: 'us-east-1', endpoint: s3.endpoint, credentials: LOCAL_S3_CREDENTIALS });
    const store = new S3ArtifactStore({ client, bucket: LOCAL_BROKER_BUCKET, conditionalWrites: 'check-then-put' });
    const runner = options.launcher || options.image ? undefined : await bundleLocalJobRunner();
    const launch = options.launcher ?? (options.image ? dockerLauncher({ image: options.image }) : processLauncher(runner!.node, runner!.bundle));
    const executor = new LocalBatchExecutor({
      definitions: jobDefinitions(template, overrides),
      concurrency: options.concurrency ?? 1,
      launch,
      baseEnv: {
        ...(runner?.env ?? {}),
        S3_ENDPOINT: s3.endpoint,
        AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
        AWS_REGION: 'us-east-1',
        CRS_PATH: options.crsPath,
        ARTIFACT_BUCKET: LOCAL_BROKER_BUCKET,
        ...options.jobEnv,
      },
    });
    const machine = new LocalStateMachine({ definition, executor, store, lambdas: {}, dynamodb: dynamo.client });
    const executions = new LocalJobExecutions(machine, executor);
    cleanups.push(() => executions.stopAll('local broker stopped'));
    const table = new DynamoBrokerTable({ client: dynamo.client, tableName: TABLE_NAME });
    const broker = new ProvingBroker({
      table,
      executions,
      store,
      scope: { bucket: LOCAL_BROKER_BUCKET, prefix: PROOF_STORE_PREFIX, inlinePrefix: INLINE_PREFIX },
      ...(options.maxEpochsToKeep !== undefined ? { maxEpochsToKeep: options.maxEpochsToKeep } : {}),
      log,
    });

    // Jobs a previous run of this state dir left unsettled run again (serveBroker reconciles first; the job runner
    // skips work that finished).
    const served = await serveBroker({
      broker,
      host: options.host ?? '127.0.0.1',
      port: ports.rpc,
      ...(options.housekeepingMs !== undefined ? { housekeepingMs: options.housekeepingMs } : {}),
      log,
    });
    cleanups.push(() => served.close());
    await writeFile(join(options.stateDir, 'ports.json'), JSON.stringify({ ...ports, rpc: Number(new URL(served.url).port) }, null, 2));

    return {
      url: served.url,
      proofStore: `s3://${LOCAL_BROKER_BUCKET}/${PROOF_STORE_PREFIX.slice(0, -1)}?endpoint=${s3.endpoint}`,
      env: { AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey },
      broker,
      executions,
      executor,
      store,
      table,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The ports a state dir used before (the node was configured with those URLs), else free ones. An explicit
 * RPC port wins.
 */
async function rememberedPorts(stateDir: string, rpc?: number): Promise<Ports> {
  const file = join(stateDir, 'ports.json');
  const before = await readFile(file, 'utf8').then((text) => JSON.parse(text) as Partial<Ports>, () => ({}) as Partial<Ports>);
  const ports: Ports = {
    rpc: rpc ?? before.rpc ?? 0,
    s3: before.s3 ?? (await freePort()),
    dynamodb: before.dynamodb ?? (await freePort()),
  };
  await writeFile(file, JSON.stringify(ports, null, 2));
  return ports;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
