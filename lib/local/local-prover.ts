/**
 * The embedded runtime: the synthesized state machine run by aws-local-stepfunctions, its Batch tasks run by
 * the local executor (the container entrypoint as processes), its Lambda tasks by the same pipeline functions
 * the Lambdas call, S3 and L1 from a DevnetEnv. Runs are started by the same poller logic as on AWS.
 */
import type { ChildProcess } from 'node:child_process';
import { lambdaEventSchemas } from './lambda-events.ts';
import { ProverError } from '../errors.ts';
import { synthesizeProverTemplate } from '../infra/prover-app.ts';
import { STATE } from '../infra/workflow-definition.ts';
import { devnetRollupSubmitter, devnetRollupView } from '../l1/devnet-rollup-port.ts';
import { describeFailedJobs } from '../pipeline/failed-jobs.ts';
import { planRun, planOutputSchema } from '../pipeline/plan-run.ts';
import { pollOnce, type PollResult } from '../pipeline/poll.ts';
import { submitRun, type SubmitOutcome } from '../pipeline/submit-run.ts';
import { devnetProfile } from '../protocols/devnet/profile.ts';
import { LOCAL_S3_CREDENTIALS } from './s3-server.ts';
import { LocalBatchExecutor, processLauncher, type ContainerLauncher, type FaultInjector } from './batch-executor.ts';
import type { DevnetEnv } from './devnet-env.ts';
import { LocalExecutions } from './executions.ts';
import { dockerLauncher } from './docker-launcher.ts';
import { bundleLocalJobRunner } from './job-runner-bundle.ts';
import { LocalStateMachine, type LocalExecutionStats } from './state-machine-runner.ts';
import { findStateMachine, jobDefinitions, type CfnTemplate } from './template.ts';

export interface LocalProverOptions {
  readonly env: DevnetEnv;
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
    const template = synthesizeProverTemplate({ config: { profile: 'devnet', proverImage: 'local/prover', maxBlocksPerRun: options.maxBlocksPerRun } }) as unknown as CfnTemplate;
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
    const view = devnetRollupView(env.prover, env.rollup);
    const submitter = devnetRollupSubmitter(env.prover, env.rollup);
    const log = options.log ?? (() => {});
    const machine = new LocalStateMachine({
      definition,
      executor,
      store: env.store,
      lambdas: {
        // Same event/output contracts as the Lambda handlers, same pipeline functions; local clients.
        [STATE.plan]: async (payload) => {
          const event = lambdaEventSchemas.plan.parse(payload);
          const out = await planRun({ runId: event.runId, fromBlock: event.request.fromBlock, toBlock: event.request.toBlock, profile: devnetProfile, store: env.store, rollup: view, maxBlocks: options.maxBlocksPerRun, proverId: env.proverId });
          log('planned', { runId: out.runId, jobs: out.jobs, levels: out.levels.map((l) => l.count) });
          return planOutputSchema.parse(out);
        },
        [STATE.submit]: async (payload) => {
          const event = lambdaEventSchemas.submit.parse(payload);
          const outcome: SubmitOutcome = await submitRun({ runId: event.runId, store: env.store, rollup: submitter, log });
          return JSON.parse(JSON.stringify(outcome)) as unknown;
        },
        [STATE.describeFailedJobs]: async (payload) => {
          const event = lambdaEventSchemas.describeFailedJobs.parse(payload);
          return describeFailedJobs({ runId: event.runId, failure: event.failure, store: env.store });
        },
      },
    });
    return new LocalProver(options, template, machine, executor, processes);
  }

  /** One poll of L1, starting runs like the scheduled poller Lambda. */
  poll(maxRunsPerPoll = 4): Promise<PollResult> {
    return pollOnce({ profile: 'devnet', rollup: devnetRollupView(this.options.env.prover, this.options.env.rollup), executions: this.executions, maxBlocksPerRun: this.options.maxBlocksPerRun, maxRunsPerPoll });
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
