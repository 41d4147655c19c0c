/**
 * The broker's executions on the local engine: the synthesized per-job state machine run by
 * aws-local-stepfunctions, one named execution per job (a second start of a name is a no-op, as on AWS).
 * Stopping one aborts it and terminates its Batch job on the local executor, as Step Functions does for a
 * stopped `.sync` task. The registry lives in memory: after a restart the broker's `reconcile` starts the
 * executions its table still needs (the job runner skips work that finished).
 */
import type { BrokerExecutionInput } from '../broker/contract.ts';
import type { ExecutionState, JobExecutions } from '../broker/ports.ts';
import { describeError } from '../errors.ts';
import type { LocalBatchExecutor } from './batch-executor.ts';
import type { LocalStateMachine } from './state-machine-runner.ts';

interface LocalRun {
  status: ExecutionState;
  readonly input: BrokerExecutionInput;
  readonly abort: AbortController;
  readonly done: Promise<void>;
  error?: string;
}

export class LocalJobExecutions implements JobExecutions {
  private readonly runs = new Map<string, LocalRun>();

  constructor(
    private readonly machine: LocalStateMachine,
    private readonly executor: LocalBatchExecutor,
  ) {}

  async start(name: string, input: BrokerExecutionInput): Promise<'started' | 'exists'> {
    if (this.runs.has(name)) return 'exists';
    const abort = new AbortController();
    const run: LocalRun = {
      status: 'RUNNING',
      input,
      abort,
      done: this.machine.run({ ...input }, name, abort.signal).then(
        () => {
          run.status = 'SUCCEEDED';
        },
        (err: unknown) => {
          run.status = abort.signal.aborted ? 'ABORTED' : 'FAILED';
          run.error = describeError(err);
        },
      ),
    };
    this.runs.set(name, run);
    return 'started';
  }

  async stop(name: string, cause: string): Promise<void> {
    const run = this.runs.get(name);
    if (!run || run.status !== 'RUNNING') return;
    run.abort.abort(new Error(cause));
    this.executor.terminate((env) => env['JOB_ID'] === run.input.job, cause);
    await run.done;
  }

  async describe(name: string): Promise<{ status: ExecutionState; error?: string } | undefined> {
    const run = this.runs.get(name);
    return run && { status: run.status, ...(run.error !== undefined ? { error: run.error } : {}) };
  }

  /** Names of the executions started in this process (tests). */
  names(): string[] {
    return [...this.runs.keys()];
  }

  /** Stops every running execution (shutdown). */
  async stopAll(cause: string): Promise<void> {
    await Promise.all([...this.runs.keys()].map((name) => this.stop(name, cause)));
  }
}
