/**
 * The embedded runtime: the synthesized state machine run by aws-local-stepfunctions, its Batch tasks run by
 * the local executor (the container entrypoint as processes), its Lambda tasks by the handlers' own chain and
 * bodies (local-lambdas.ts), S3 and L1 from a DevnetEnv, the L1 adapter from the profile's entry in
 * lib/protocols/l1-adapters.ts. Runs are started by the same poller logic as on AWS.
 */
import type { ChildProcess } from 'node:child_process';
import { ProverError } from '../errors.ts';
import { synthesizeProverTemplate } from '../infra/prover-app.ts';
import { pollOnce, type PollResult } from '../pipeline/poll.ts';
import { l1Adapter } from '../protocols/l1-adapters.ts';
import { LOCAL_S3_CREDENTIALS } from './s3-server.ts';
import { LocalBatchExecutor, processLauncher, type ContainerLauncher, type FaultInjector } from './batch-executor.ts';
import type { DevnetEnv } from './devnet-env.ts';
import { LocalExecutions } from './executions.ts';
import { dockerLauncher } from './docker-launcher.ts';
import { bundleLocalJobRunner } from './job-runner-bundle.ts';
import { localLambdas } from './local-lambdas.ts';
import { LocalStateMachine, type LocalExecutionStats } from './state-machine-runner.ts';
import { findStateMachine, jobDefinitions, type CfnTemplate } from './template.ts';

export interface LocalProverOptions {
  readonly env: DevnetEnv;
  /** Protocol profile of the local deployment. @default 'devnet' (the DevnetEnv's rollup) */
  readonly profile?: string;
  /** Jobs proven at once (the local stand-in for the Batch compute environment's capacity). */
  readonly concurrency: number;
  readonly maxBlocksPerRun: number;
  readonly faults?: FaultInjector;
  /** Replace how a job's container starts (tests: a killable launcher). Default: the bundled entrypoint. */
  readonly launcher?: ContainerLauncher;
  /** Run every job in this prover image (Docker) instead of as a local process. */
  readonly image?: string;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface LocalRunResult {
  readonly name: string;
  readonly status: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly stats?: LocalExecutionStats;
}

export class LocalProver {
  readonly executions: LocalExecutions;
  readonly executor: LocalBatchExecutor;
  private readonly stats = new Map<string, LocalExecutionStats>();
  private readonly aborts = new AbortController();
  /** Job processes started by the default launcher (killed by `crash`). */
  private readonly processes: Set<ChildProcess>;

  private constructor(
    private readonly options: LocalProverOptions,
    readonly template: CfnTemplate,
    private readonly machine: LocalStateMachine,
    executor: LocalBatchExecutor,
    processes: Set<ChildProcess>,
  ) {
    this.executor = executor;
    this.processes = processes;
    this.executions = new LocalExecutions(async (name, input) => {
      const { output, stats } = await this.machine.run(input, name, this.aborts.signal);
      this.stats.set(name, stats);
      return output;
    });
  }

  static async create(options: LocalProverOptions): Promise<LocalProver> {
    const { env } = options;
    const profile = options.profile ?? 'devnet';
    const template = synthesizeProverTemplate({ config: { profile, proverImage: 'local/prover', maxBlocksPerRun: options.maxBlocksPerRun } }) as unknown as CfnTemplate;
    // The template's one bucket (the artifact bucket) is the local S3 server's bucket.
    const buckets = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::S3::Bucket').map(([id]) => id);
    if (buckets.length !== 1) throw new ProverError(`expected one S3 bucket in the synthesized template, found ${buckets.length}`);
    const overrides: Record<string, string> = { [buckets[0]!]: env.s3.bucket };
    const { definition } = findStateMachine(template, overrides);
    const runner = options.launcher || options.image ? undefined : await bundleLocalJobRunner();
    const processes = new Set<ChildProcess>();
    const launch = options.launcher ?? (options.image ? dockerLauncher({ image: options.image, running: processes }) : processLauncher(runner!.node, runner!.bundle, processes));
    const executor = new LocalBatchExecutor({
      definitions: jobDefinitions(template, overrides),
      concurrency: options.concurrency,
      launch,
      baseEnv: {
        ...(runner?.env ?? {}),
        S3_ENDPOINT: env.s3.endpoint,
        AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
        AWS_REGION: 'us-east-1',
        CRS_PATH: env.crs.dir,
        ARTIFACT_BUCKET: env.s3.bucket,
      },
      ...(options.faults ? { faults: options.faults } : {}),
    });
    const machine = new LocalStateMachine({
      definition,
      executor,
      store: env.store,
      lambdas: localLambdas({ profile, store: env.store, wallet: env.prover, rollup: env.rollup, maxBlocksPerRun: options.maxBlocksPerRun, proverId: env.proverId, ...(options.log ? { log: options.log } : {}) }),
    });
    return new LocalProver(options, template, machine, executor, processes);
  }

  /** One poll of L1, starting runs like the scheduled poller Lambda. */
  poll(maxRunsPerPoll = 4): Promise<PollResult> {
    const profile = this.options.profile ?? 'devnet';
    const { prover, rollup } = this.options.env;
    return pollOnce({ profile, rollup: l1Adapter(profile).view(prover, rollup), executions: this.executions, maxBlocksPerRun: this.options.maxBlocksPerRun, maxRunsPerPoll });
  }

  /**
   * Simulates losing the machine mid-run: aborts every execution and SIGKILLs the job processes, leaving the
   * store exactly as a crash would (finished jobs' results, no result for the killed ones).
   */
  crash(): void {
    this.aborts.abort();
    for (const child of this.processes) child.kill('SIGKILL');
  }

  async wait(name: string): Promise<LocalRunResult> {
    const result = await this.executions.wait(name);
    const stats = this.stats.get(name);
    return { name, ...result, ...(stats ? { stats } : {}) };
  }
}
